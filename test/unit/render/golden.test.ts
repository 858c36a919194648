import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadCrdFiles } from '../../../src/api/crd-files.js';
import { parseClusterValues, renderCluster, toYaml, type ClusterValuesInput, type KubeObject } from '../../../src/render/index.js';
import { baseValues } from './fixtures.js';

const goldenDir = fileURLToPath(new URL('./golden/', import.meta.url));
const update = process.env.UPDATE_GOLDEN === '1';

const cases: Record<string, ClusterValuesInput> = {
  libreswan: baseValues({ cableDriver: 'libreswan' }),
  strongswan: baseValues(),
  wireguard: baseValues({ cableDriver: 'wireguard', nattPort: 4501, healthCheck: { intervalSeconds: 2, maxPacketLossCount: 10 } }),
  vxlan: baseValues({ cableDriver: 'vxlan', natEnabled: false, nattDiscoveryPort: 0, preferredServer: true }),
  'globalnet-on': baseValues({
    clusterCidrs: ['10.0.0.0/16'],
    serviceCidrs: ['100.64.0.0/16'],
    globalnet: { enabled: true, globalCidr: '242.1.0.0/16' },
  }),
  'globalnet-off': baseValues({
    namespace: 'submariner',
    globalnet: { enabled: false },
    customDomains: ['example.org', 'corp.internal'],
    gatewayNodeSelector: 'node-role.kubernetes.io/gateway=yes',
    broker: { server: 'broker.example.org:6443', ca: baseValues().broker!.ca!, token: baseValues().broker!.token!, namespace: 'team-broker', insecure: true },
    debug: true,
    airGapped: true,
  }),
  'image-overrides': baseValues({
    repository: 'registry.local:5000/submariner',
    version: '0.19.0',
    imageOverrides: ['submariner-gateway=registry.local:5000/custom/gateway:dev', 'lighthouse-dns=registry.local:5000/dns:1'],
  }),
  'service-discovery-only': {
    clusterId: 'sd-only',
    componentsEnabled: ['service-discovery'],
    broker: baseValues().broker!,
    customDomains: ['example.org'],
    dnsTtlSeconds: 30,
    version: '0.1.0',
  },
};

/** The render without its leading CRDs, which are manifests/crds as they are (checked below, not copied into golden/). */
const withoutCrds = (objects: KubeObject[]): KubeObject[] => objects.filter((o) => o.kind !== 'CustomResourceDefinition');

void test('golden: every cluster renders the CRDs of manifests/crds first, as written, with the common labels', () => {
  for (const input of Object.values(cases)) {
    const objects = renderCluster(parseClusterValues(input));
    const crds = loadCrdFiles().map((f) => f.crd);
    const labels = { 'app.kubernetes.io/managed-by': 'kubectl-submariner', 'app.kubernetes.io/part-of': 'submariner' };
    assert.deepEqual(objects.slice(0, crds.length), crds.map((c) => ({ ...c, metadata: { ...c.metadata, labels } })));
    assert.equal(withoutCrds(objects).length, objects.length - crds.length);
  }
});

for (const [name, input] of Object.entries(cases)) {
  void test(`golden: ${name} renders exactly golden/${name}.yaml`, () => {
    const rendered = toYaml(withoutCrds(renderCluster(parseClusterValues(input))));
    const file = `${goldenDir}${name}.yaml`;
    if (update) writeFileSync(file, rendered);
    assert.equal(rendered, readFileSync(file, 'utf8'), `golden/${name}.yaml differs; review the change and rerun with UPDATE_GOLDEN=1`);
  });
}

void test('golden: every file in golden/ belongs to a case', () => {
  const files = readdirSync(goldenDir).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, ''));
  assert.deepEqual(files.sort(), Object.keys(cases).sort());
});
