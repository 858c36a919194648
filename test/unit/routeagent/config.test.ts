import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseRouteAgentConfig } from '../../../src/routeagent/config.js';

const base = {
  SUBMARINER_NAMESPACE: 'submariner-operator',
  SUBMARINER_CLUSTERID: 'east',
  NODE_NAME: 'east-worker',
  SUBMARINER_CLUSTERCIDR: '10.244.0.0/16',
  SUBMARINER_SERVICECIDR: '10.96.0.0/16',
};

void describe('route agent config', () => {
  void it('parses the environment the DaemonSet sets, with defaults', () => {
    assert.deepEqual(parseRouteAgentConfig({ ...base, SUBMARINER_GLOBALCIDR: '', SUBMARINER_NETWORKPLUGIN: 'Calico' }), {
      namespace: 'submariner-operator',
      clusterId: 'east',
      nodeName: 'east-worker',
      clusterCidrs: ['10.244.0.0/16'],
      serviceCidrs: ['10.96.0.0/16'],
      globalCidrs: [],
      networkPlugin: 'calico',
      unknownNetworkPlugin: undefined,
      healthCheck: { enabled: true, intervalSeconds: 1, maxPacketLossCount: 5 },
      uninstall: false,
      debug: false,
    });
  });

  void it('reads lists, leaves out IPv6 entries and treats an unknown plugin as generic', () => {
    const c = parseRouteAgentConfig({
      ...base,
      SUBMARINER_CLUSTERCIDR: '10.244.0.0/16, fd00::/64,10.245.0.0/16',
      SUBMARINER_GLOBALCIDR: '242.0.0.0/16',
      SUBMARINER_NETWORKPLUGIN: 'cilium',
      SUBMARINER_UNINSTALL: 'true',
      SUBMARINER_HEALTHCHECKENABLED: 'false',
    });
    assert.deepEqual(c.clusterCidrs, ['10.244.0.0/16', '10.245.0.0/16']);
    assert.deepEqual(c.globalCidrs, ['242.0.0.0/16']);
    assert.equal(c.networkPlugin, 'generic');
    assert.equal(c.unknownNetworkPlugin, 'cilium');
    assert.equal(c.uninstall, true);
    assert.equal(c.healthCheck.enabled, false);
  });

  void it('fails fast, naming the bad variable', () => {
    const bad: [Record<string, string>, RegExp][] = [
      [{ NODE_NAME: '' }, /^NODE_NAME is not set/],
      [{ SUBMARINER_CLUSTERID: 'East_1' }, /^SUBMARINER_CLUSTERID="East_1" is invalid/],
      [{ SUBMARINER_CLUSTERCIDR: '' }, /^SUBMARINER_CLUSTERCIDR is not set: set it to the cluster's pod CIDRs/],
      [{ SUBMARINER_CLUSTERCIDR: '10.244.0.1/16' }, /^SUBMARINER_CLUSTERCIDR="10.244.0.1\/16" is invalid: .*did you mean 10.244.0.0\/16/],
      [{ SUBMARINER_SERVICECIDR: '10.96.0.0' }, /^SUBMARINER_SERVICECIDR="10.96.0.0" is invalid/],
      [{ SUBMARINER_HEALTHCHECKINTERVAL: '0' }, /^SUBMARINER_HEALTHCHECKINTERVAL="0" is invalid: set it to a whole number from 1 to 3600/],
      [{ SUBMARINER_UNINSTALL: 'yes' }, /^SUBMARINER_UNINSTALL="yes" is invalid: set it to true or false/],
    ];
    for (const [env, message] of bad) {
      assert.throws(() => parseRouteAgentConfig({ ...base, ...env }), (err: unknown) => err instanceof ConfigError && message.test(err.message));
    }
  });
});
