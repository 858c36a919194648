import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateJoinOptions, type JoinOptions } from '../../../src/broker/join.js';

const options = (o: Partial<JoinOptions> = {}): JoinOptions => ({
  brokerInfoFile: 'broker-info.subm', clusterId: 'east', cableDriver: 'strongswan', natt: true, nattPort: 4500, healthCheck: true,
  preferredServer: false, forceUdpEncaps: false, airGapped: false, imageOverrides: [], gatewayNodes: [], labelGateway: true, ...o,
});

test('join accepts a registry path and a tag for the agent image', () => {
  validateJoinOptions(options({ repository: 'registry.example.com:5000/team', version: '0.1.0' }));
});

test('join refuses a repository or version that cannot name an image, naming the value', () => {
  assert.throws(() => validateJoinOptions(options({ repository: 'registry.example.com/team:' })), /--repository "registry.example.com\/team:" is not a registry path/);
  assert.throws(() => validateJoinOptions(options({ repository: 'has space' })), /--repository "has space"/);
  assert.throws(() => validateJoinOptions(options({ version: 'v1/2' })), /--version "v1\/2" is not an image tag: use e.g. 0.1.0/);
});
