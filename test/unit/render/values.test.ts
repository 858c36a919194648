import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidValuesError, parseClusterValues } from '../../../src/render/index.js';
import { baseValues, secrets } from './fixtures.js';

function rejects(input: unknown, field: string, pattern: RegExp): InvalidValuesError {
  let caught: unknown;
  try {
    parseClusterValues(input);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof InvalidValuesError, `expected an InvalidValuesError for ${field}, got ${String(caught)}`);
  assert.equal(caught.field, field);
  assert.match(caught.message, new RegExp(`^invalid value for ${field.replace(/[[\].]/g, '\\$&')}: `));
  assert.match(caught.message, pattern);
  return caught;
}

void test('values: defaults follow subctl join', () => {
  const v = parseClusterValues(baseValues());
  assert.equal(v.namespace, 'submariner-operator');
  assert.equal(v.broker.namespace, 'submariner-k8s-broker');
  assert.equal(v.cableDriver, 'strongswan');
  assert.equal(v.natEnabled, true);
  assert.equal(v.nattPort, 4500);
  assert.equal(v.nattDiscoveryPort, 4490);
  assert.deepEqual(v.healthCheck, { enabled: true, intervalSeconds: 1, maxPacketLossCount: 5 });
  assert.deepEqual(v.componentsEnabled, ['connectivity', 'service-discovery']);
  assert.deepEqual(v.gatewayNodeSelector, { 'submariner.io/gateway': 'true' });
  assert.deepEqual(v.globalnet, { enabled: false, globalCidr: '' });
  // One image of this project runs every component.
  assert.equal(v.images.gateway, 'kubectl-submariner/kubectl-submariner-agent:0.1.0');
  assert.equal(v.images['lighthouse-dns'], 'kubectl-submariner/kubectl-submariner-agent:0.1.0');
});

void test('values: repository and version name the agent image for every component', () => {
  const v = parseClusterValues(baseValues({ repository: 'registry.local:5000/team', version: '0.2.0' }));
  for (const image of Object.values(v.images)) assert.equal(image, 'registry.local:5000/team/kubectl-submariner-agent:0.2.0');
});

void test('values: parsing its own output gives the same values', () => {
  const once = parseClusterValues(baseValues({ imageOverrides: ['routeagent=r/ra:1'], gatewayNodeSelector: 'a=b,c=d' }));
  assert.deepEqual(parseClusterValues(once), once);
});

void test('values: broker URL without scheme becomes https and is stored without trailing slash', () => {
  const v = parseClusterValues(baseValues({ broker: { ...baseValues().broker, server: '10.0.0.1:6443/' } }));
  assert.equal(v.broker.server, 'https://10.0.0.1:6443');
});

void test('values: image overrides accept agent and subctl component names', () => {
  const v = parseClusterValues(
    baseValues({ imageOverrides: { 'submariner-routeagent': 'r/ra:1', 'lighthouse-agent': 'r/lh:2' } }),
  );
  assert.equal(v.images.routeagent, 'r/ra:1');
  assert.equal(v.images['lighthouse-agent'], 'r/lh:2');
  assert.equal(v.images.gateway, 'kubectl-submariner/kubectl-submariner-agent:0.1.0');
});

void test('values: each bad field is rejected with its name', () => {
  rejects(baseValues({ clusterId: 'Cluster_A' }), 'clusterId', /"Cluster_A" is not a DNS-1123 label/);
  rejects({ ...baseValues(), clusterId: undefined }, 'clusterId', /is required/);
  rejects(baseValues({ namespace: '-bad' }), 'namespace', /DNS-1123/);
  rejects(baseValues({ cableDriver: 'openvpn' as never }), 'cableDriver', /"openvpn" is not one of libreswan, strongswan, wireguard, vxlan/);
  rejects(baseValues({ nattPort: 70000 }), 'nattPort', /from 1 to 65535, got 70000/);
  rejects(baseValues({ nattDiscoveryPort: 1.5 }), 'nattDiscoveryPort', /whole number/);
  rejects(baseValues({ natEnabled: 'yes' as never }), 'natEnabled', /expected true or false, got a string/);
  rejects(baseValues({ healthCheck: { intervalSeconds: 0 } }), 'healthCheck.intervalSeconds', /from 1 to 3600/);
  rejects(baseValues({ clusterCidrs: ['10.0.0.0/16', '10.1.0.0/33'] }), 'clusterCidrs[1]', /"10.1.0.0\/33" is not an IPv4 CIDR/);
  rejects(baseValues({ clusterCidrs: [] }), 'clusterCidrs', /at least one Pod CIDR/);
  rejects(baseValues({ serviceCidrs: ['fd00::/64'] }), 'serviceCidrs[0]', /IPv4 CIDR/);
  rejects(baseValues({ globalnet: { enabled: true } }), 'globalnet.globalCidr', /required when Globalnet is enabled/);
  rejects(baseValues({ customDomains: ['ok.org', 'Bad_Domain'] }), 'customDomains[1]', /not a DNS domain name/);
  rejects(baseValues({ componentsEnabled: ['connectivity', 'dns' as never] }), 'componentsEnabled[1]', /not one of connectivity, service-discovery/);
  rejects(baseValues({ componentsEnabled: [] }), 'componentsEnabled', /at least one/);
  rejects(baseValues({ imageOverrides: ['gateway'] }), 'imageOverrides[0]', /not component=image/);
  rejects(baseValues({ imageOverrides: ['metrics-proxy=x/y:1'] }), 'imageOverrides.metrics-proxy', /unknown component/);
  rejects(baseValues({ gatewayNodeSelector: 'bad key=x' }), 'gatewayNodeSelector', /"bad key" is not a valid label key/);
  rejects(baseValues({ dnsTtlSeconds: 4000 }), 'dnsTtlSeconds', /from 0 to 3600/);
  rejects(baseValues({ version: 'v1 beta' }), 'version', /not a valid image tag/);
  rejects({ ...baseValues(), cabledriver: 'vxlan' }, 'cabledriver', /unknown field; known fields are clusterId, /);
  rejects({ ...baseValues(), broker: undefined }, 'broker', /is required/);
  rejects(baseValues({ broker: { ...baseValues().broker, server: 'http://broker:6443' } }), 'broker.server', /must use https/);
  rejects(baseValues({ broker: { ...baseValues().broker, server: 'https://[bad' } }), 'broker.server', /is not a URL/);
  rejects(baseValues({ broker: { ...baseValues().broker, extra: 1 } as never }), 'broker.extra', /unknown field/);
});

void test('values: secret fields are rejected without showing the secret', () => {
  const badPsk = 'not base64 !!! psk-secret-value';
  const e1 = rejects(baseValues({ ipsecPsk: badPsk }), 'ipsecPsk', /not base64/);
  assert.ok(!e1.message.includes('psk-secret-value'));
  const badToken = 'token with spaces-secret-value';
  const e2 = rejects(baseValues({ broker: { ...baseValues().broker, token: badToken } }), 'broker.token', /without whitespace/);
  assert.ok(!e2.message.includes('secret-value'));
  const e3 = rejects(baseValues({ broker: { ...baseValues().broker, ca: 'ca$secret-value' } }), 'broker.ca', /not base64/);
  assert.ok(!e3.message.includes('secret-value'));
  rejects({ ...baseValues(), ipsecPsk: undefined }, 'ipsecPsk', /is required/);
});

void test('values: service discovery alone needs neither a PSK nor CIDRs', () => {
  const v = parseClusterValues({ clusterId: 'sd', componentsEnabled: ['service-discovery'], broker: baseValues().broker });
  assert.equal(v.ipsecPsk, '');
  assert.deepEqual(v.clusterCidrs, []);
  assert.equal(v.broker.token, secrets.token);
});
