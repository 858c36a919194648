import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseAgentConfig } from '../../../../src/lighthouse/agent/config.js';

const base = { SUBMARINER_NAMESPACE: 'submariner-operator', SUBMARINER_CLUSTERID: 'east' };

describe('Lighthouse agent configuration', () => {
  it('has defaults for everything but the namespace and cluster ID', () => {
    assert.deepEqual(parseAgentConfig(base), {
      namespace: 'submariner-operator',
      clusterId: 'east',
      excludeNamespaces: [],
      globalnetEnabled: false,
      clustersetIpEnabled: true,
      clustersetIpCidr: undefined,
      disconnectGraceMs: 60_000,
      debug: false,
    });
  });

  it('reads every variable the renderer sets', () => {
    const config = parseAgentConfig({
      ...base,
      SUBMARINER_EXCLUDENS: 'submariner-operator, kube-system,,kube-system',
      SUBMARINER_GLOBALNET_ENABLED: 'true',
      SUBMARINER_DEBUG: 'true',
      LIGHTHOUSE_DISCONNECT_GRACE_SECONDS: '5',
      SUBMARINER_CLUSTERSET_IP_ENABLED: 'false',
      SUBMARINER_CLUSTERSET_IP_CIDR: '243.0.16.0/20',
    });
    assert.equal(config.clustersetIpEnabled, false);
    assert.equal(config.clustersetIpCidr, '243.0.16.0/20');
    assert.deepEqual(config.excludeNamespaces, ['submariner-operator', 'kube-system']);
    assert.equal(config.globalnetEnabled, true);
    assert.equal(config.debug, true);
    assert.equal(config.disconnectGraceMs, 5000);
  });

  const bad: [Record<string, string>, RegExp][] = [
    [{ SUBMARINER_NAMESPACE: 'x' }, /SUBMARINER_CLUSTERID is not set: set it to the ID this cluster joined with/],
    [{ SUBMARINER_CLUSTERID: 'east' }, /SUBMARINER_NAMESPACE is not set/],
    [{ ...base, SUBMARINER_CLUSTERID: 'East_1' }, /SUBMARINER_CLUSTERID="East_1" is invalid: use lowercase letters, digits and '-'/],
    [{ ...base, SUBMARINER_EXCLUDENS: 'ok,Not OK' }, /SUBMARINER_EXCLUDENS="ok,Not OK" holds the invalid namespace "Not OK"/],
    [{ ...base, SUBMARINER_GLOBALNET_ENABLED: 'yes' }, /SUBMARINER_GLOBALNET_ENABLED="yes" is invalid: set it to true or false/],
    [{ ...base, SUBMARINER_CLUSTERSET_IP_CIDR: '243.0.16.1/20' }, /SUBMARINER_CLUSTERSET_IP_CIDR="243.0.16.1\/20": "243.0.16.1\/20" is not a network address \(did you mean 243.0.16.0\/20\?\)/],
    [{ ...base, LIGHTHOUSE_DISCONNECT_GRACE_SECONDS: '1m' }, /LIGHTHOUSE_DISCONNECT_GRACE_SECONDS="1m" is invalid: set it to a whole number from 0 to 86400/],
  ];
  for (const [env, message] of bad) {
    it(`refuses ${JSON.stringify(env)}`, () => {
      assert.throws(() => parseAgentConfig(env), (err: unknown) => err instanceof ConfigError && message.test(err.message));
    });
  }
});
