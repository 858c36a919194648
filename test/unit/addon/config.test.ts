import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { AddOnDeploymentConfig, SubmarinerConfig } from '../../../src/api/ocm.js';
import { InvalidConfigError, configKey, desiredConfigs, goJson, missingMcaHashes, resolveSettings, specHash, type ConfigLookup } from '../../../addon/config.js';
import { mca } from './fixtures.js';

const adc = (spec: AddOnDeploymentConfig['spec'], name = 'submariner', namespace = 'submariner-addon'): AddOnDeploymentConfig => ({
  apiVersion: 'addon.open-cluster-management.io/v1alpha1',
  kind: 'AddOnDeploymentConfig',
  metadata: { name, namespace, generation: 3, resourceVersion: '42' },
  spec,
});
const sc = (spec: SubmarinerConfig['spec'], namespace = 'cluster1'): SubmarinerConfig => ({ metadata: { name: 'submariner', namespace }, spec });

void test('specHash is the sha256 of the spec as Go marshals it: sorted keys, compact, <>& escaped', () => {
  const obj = adc({ customizedVariables: [{ value: '<a&b>', name: 'SUBMARINER_VERSION' }], nodePlacement: { nodeSelector: { z: '1', a: '2' } } });
  const go = '{"spec":{"customizedVariables":[{"name":"SUBMARINER_VERSION","value":"\\u003ca\\u0026b\\u003e"}],"nodePlacement":{"nodeSelector":{"a":"2","z":"1"}}}}';
  assert.equal(goJson({ spec: obj.spec }), go);
  assert.equal(specHash(obj), createHash('sha256').update(go).digest('hex'));
  // metadata and status never count.
  assert.equal(specHash({ ...obj, metadata: { name: 'other' }, status: { x: 1 } }), specHash(obj));
});

void test('configKey is <resource>.<group>/<namespace>/<name>', () => {
  assert.equal(
    configKey({ group: 'addon.open-cluster-management.io', resource: 'addondeploymentconfigs', namespace: 'ns', name: 'n' }),
    'addondeploymentconfigs.addon.open-cluster-management.io/ns/n',
  );
});

const ref = (specHash: string, name = 'submariner') => ({
  group: 'addon.open-cluster-management.io',
  resource: 'addondeploymentconfigs',
  desiredConfig: { name, namespace: 'submariner-addon', specHash },
});

void test('desiredConfigs: the config OCM marks desired, only while the object still has that spec', () => {
  const current = adc({ customizedVariables: [{ name: 'SUBMARINER_VERSION', value: '0.2.0' }] });
  const own = sc({ cableDriver: 'wireguard' });
  const lookup: ConfigLookup = (type, ns, name) => (type === 'deployment' ? (name === 'submariner' ? current : undefined) : ns === 'cluster1' && name === 'submariner' ? own : undefined);

  const ready = desiredConfigs(mca({ status: { configReferences: [ref(specHash(current))] } }), lookup);
  assert.deepEqual(ready, {
    ready: true,
    objects: { deployment: current, submariner: own },
    hashes: { 'addondeploymentconfigs.addon.open-cluster-management.io/submariner-addon/submariner': specHash(current) },
  });
  const choosing = desiredConfigs(mca({ status: { configReferences: [ref('')] } }), lookup);
  assert.equal(choosing.ready, false);
  const behind = desiredConfigs(mca({ status: { configReferences: [ref('0'.repeat(64))] } }), lookup);
  assert.deepEqual(behind, { ready: false, reason: 'addondeploymentconfigs.addon.open-cluster-management.io/submariner-addon/submariner changed; waiting for the rollout to reach this cluster' });
  const missing = desiredConfigs(mca({ status: { configReferences: [ref('1'.repeat(64), 'gone')] } }), lookup);
  assert.deepEqual(missing, { ready: false, reason: 'addondeploymentconfigs.addon.open-cluster-management.io/submariner-addon/gone does not exist' });
  // No reference at all: defaults, and the cluster namespace's SubmarinerConfig.
  assert.deepEqual(desiredConfigs(mca(), lookup), { ready: true, objects: { submariner: own }, hashes: {} });
});

void test('missingMcaHashes fills in the hashes of the configs the ManagedClusterAddOn names itself, and only those', () => {
  const own = adc({ registries: [{ mirror: 'r.local' }] }, 'mine', 'cluster1');
  const lookup: ConfigLookup = (type, ns, name) => (type === 'deployment' && ns === 'cluster1' && name === 'mine' ? own : undefined);
  const addon = mca({
    spec: { configs: [{ group: 'addon.open-cluster-management.io', resource: 'addondeploymentconfigs', name: 'mine', namespace: 'cluster1' }] },
    status: {
      configReferences: [
        { group: 'addon.open-cluster-management.io', resource: 'addondeploymentconfigs', desiredConfig: { name: 'mine', namespace: 'cluster1', specHash: '' } },
        ref(''),
      ],
    },
  });
  const refs = missingMcaHashes(addon, lookup);
  assert.equal(refs?.[0]?.desiredConfig?.specHash, specHash(own));
  assert.equal(refs?.[1]?.desiredConfig?.specHash, '', 'a fleet-wide config is OCM\'s to roll out');
  assert.equal(missingMcaHashes({ ...addon, status: { configReferences: refs ?? [] } }, lookup), undefined);
});

void test('resolveSettings maps SubmarinerConfig and AddOnDeploymentConfig onto the render', () => {
  const s = resolveSettings({
    submariner: sc({
      cableDriver: 'libreswan',
      IPSecNATTPort: 4501,
      NATTDiscoveryPort: 4491,
      NATTEnable: false,
      forceUDPEncaps: true,
      globalCIDR: '242.1.0.0/16',
      clusterCIDR: '10.1.0.0/16',
      serviceCIDR: '10.2.0.0/16,10.3.0.0/16',
      imagePullSpecs: { submarinerImagePullSpec: 'quay.io/x/gw:1', nettestImagePullSpec: 'quay.io/x/nettest:1' },
      gatewayConfig: { gateways: 0 },
    }),
    deployment: adc({
      customizedVariables: [
        { name: 'SUBMARINER_VERSION', value: 'v0.20.1' },
        { name: 'SUBMARINER_IMAGE_OVERRIDES', value: 'submariner-gateway=ignored/gw:0,lighthouse-agent=quay.io/x/la:2' },
      ],
      nodePlacement: { nodeSelector: { infra: 'true' }, tolerations: [{ operator: 'Exists' }] },
      registries: [{ source: 'quay.io', mirror: 'mirror.local' }],
    }),
  });
  assert.deepEqual(s, {
    cableDriver: 'libreswan',
    nattPort: 4501,
    nattDiscoveryPort: 4491,
    natEnabled: false,
    forceUdpEncaps: true,
    globalCidr: '242.1.0.0/16',
    clusterCidrs: ['10.1.0.0/16'],
    serviceCidrs: ['10.2.0.0/16', '10.3.0.0/16'],
    version: '0.20.1',
    // The cluster's own SubmarinerConfig wins over the fleet's variable.
    imageOverrides: { gateway: 'quay.io/x/gw:1', 'lighthouse-agent': 'quay.io/x/la:2' },
    labelGateway: false,
    nodePlacement: { nodeSelector: { infra: 'true' }, tolerations: [{ operator: 'Exists' }] },
    registries: [{ source: 'quay.io', mirror: 'mirror.local' }],
  });
  assert.deepEqual(resolveSettings({}), { imageOverrides: {}, clusterCidrs: [], serviceCidrs: [], labelGateway: true, nodePlacement: { nodeSelector: {}, tolerations: [] }, registries: [] });
});

void test('resolveSettings refuses a bad config with the object, the field and the fix', () => {
  const bad: [Parameters<typeof resolveSettings>[0], RegExp][] = [
    [{ submariner: sc({ cableDriver: 'openvpn' }) }, /SubmarinerConfig cluster1\/submariner spec.cableDriver "openvpn" is not supported: use one of libreswan, strongswan, wireguard, vxlan/],
    [{ submariner: sc({ globalCIDR: '242.1.0.0/33' }) }, /spec.globalCIDR "242.1.0.0\/33" is not an IPv4 CIDR/],
    [{ submariner: sc({ clusterCIDR: '10.0.0.0' }) }, /spec.clusterCIDR "10.0.0.0" is not an IPv4 CIDR such as 10.0.0.0\/16/],
    [{ submariner: sc({ IPSecNATTPort: 70000 }) }, /spec.IPSecNATTPort 70000 is not a port/],
    [{ submariner: sc({ imagePullSpecs: { gatewayImage: 'x' } }) }, /spec.imagePullSpecs.gatewayImage is not a known image/],
    [{ submariner: sc({ gatewayConfig: { gateways: -1 } }) }, /gateways -1 must be a whole number/],
    [{ deployment: adc({ customizedVariables: [{ name: 'VERSION', value: '1' }] }) }, /AddOnDeploymentConfig submariner-addon\/submariner spec.customizedVariables VERSION: unknown/],
    [{ deployment: adc({ customizedVariables: [{ name: 'SUBMARINER_VERSION', value: 'not a tag' }] }) }, /SUBMARINER_VERSION "not a tag" is not an image tag/],
    [{ deployment: adc({ customizedVariables: [{ name: 'SUBMARINER_IMAGE_OVERRIDES', value: 'nope' }] }) }, /SUBMARINER_IMAGE_OVERRIDES: .*"nope" is not component=image/],
    [{ deployment: adc({ registries: [{ source: 'quay.io', mirror: '' }] }) }, /spec.registries\[0\] has no mirror/],
  ];
  for (const [objects, message] of bad) assert.throws(() => resolveSettings(objects), (err: Error) => err instanceof InvalidConfigError && message.test(err.message));
});
