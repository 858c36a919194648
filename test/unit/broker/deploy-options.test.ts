import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateBrokerOptions } from '../../../src/broker/deploy.js';
import { brokerOptions } from '../../support/join.js';

void test('deploy-broker: a GlobalNet range in the link-local block is refused with service discovery, naming the range and the fix', () => {
  const o = brokerOptions('/tmp/broker-info.subm', { globalnet: true, globalnetCidrRange: '169.254.0.0/16', globalnetClusterSize: 8192 });
  assert.throws(() => validateBrokerOptions(o), /--globalnet-cidr-range 169\.254\.0\.0\/16 overlaps the link-local range .* such as the default 242\.0\.0\.0\/8/);
  assert.doesNotThrow(() => validateBrokerOptions({ ...o, components: ['connectivity'] }), 'without service discovery no EndpointSlice carries a global IP');
  assert.doesNotThrow(() => validateBrokerOptions({ ...o, globalnetCidrRange: '242.0.0.0/16' }));
});
