import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseDnsConfig } from '../../../../src/lighthouse/dns/config.js';

describe('DNS server configuration', () => {
  it('has defaults for everything but the cluster ID', () => {
    assert.deepEqual(parseDnsConfig({ SUBMARINER_CLUSTERID: 'east' }), {
      dnsPort: 53,
      metricsPort: 9153,
      clusterId: 'east',
      zones: ['clusterset.local'],
      ttl: 5,
      debug: false,
    });
  });

  it('reads every variable', () => {
    const config = parseDnsConfig({
      SUBMARINER_CLUSTERID: 'west',
      LIGHTHOUSE_DNS_PORT: '5353',
      LIGHTHOUSE_METRICS_PORT: '9999',
      LIGHTHOUSE_DNS_ZONES: 'clusterset.local, Example.ORG.,clusterset.local',
      LIGHTHOUSE_DNS_TTL: '0',
      SUBMARINER_DEBUG: 'true',
    });
    assert.deepEqual(config, { dnsPort: 5353, metricsPort: 9999, clusterId: 'west', zones: ['clusterset.local', 'example.org'], ttl: 0, debug: true });
  });

  const bad: [Record<string, string>, RegExp][] = [
    [{}, /SUBMARINER_CLUSTERID is not set/],
    [{ SUBMARINER_CLUSTERID: 'East_1' }, /SUBMARINER_CLUSTERID="East_1" is invalid/],
    [{ SUBMARINER_CLUSTERID: 'e', LIGHTHOUSE_DNS_PORT: '70000' }, /LIGHTHOUSE_DNS_PORT="70000" is invalid: set it to a whole number from 1 to 65535/],
    [{ SUBMARINER_CLUSTERID: 'e', LIGHTHOUSE_METRICS_PORT: 'http' }, /LIGHTHOUSE_METRICS_PORT="http" is invalid/],
    [{ SUBMARINER_CLUSTERID: 'e', LIGHTHOUSE_DNS_TTL: '3601' }, /LIGHTHOUSE_DNS_TTL="3601" is invalid: set it to a whole number from 0 to 3600/],
    [{ SUBMARINER_CLUSTERID: 'e', LIGHTHOUSE_DNS_TTL: '1.5' }, /LIGHTHOUSE_DNS_TTL="1.5" is invalid/],
    [{ SUBMARINER_CLUSTERID: 'e', LIGHTHOUSE_DNS_ZONES: 'clusterset.local,,x' }, /LIGHTHOUSE_DNS_ZONES=.* holds the invalid domain ""/],
    [{ SUBMARINER_CLUSTERID: 'e', LIGHTHOUSE_DNS_ZONES: 'bad_domain.org' }, /holds the invalid domain "bad_domain.org"/],
    [{ SUBMARINER_CLUSTERID: 'e', SUBMARINER_DEBUG: 'yes' }, /SUBMARINER_DEBUG="yes" is invalid: set it to true or false/],
  ];
  for (const [env, message] of bad) {
    it(`fails naming the variable: ${message.source}`, () => {
      assert.throws(() => parseDnsConfig(env), (err: unknown) => err instanceof ConfigError && message.test(err.message));
    });
  }
});
