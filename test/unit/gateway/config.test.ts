import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, DEFAULT_LEADER_TIMING, parseDuration, parseGatewayConfig } from '../../../src/gateway/config.js';

const base: NodeJS.ProcessEnv = {
  SUBMARINER_NAMESPACE: 'submariner-operator',
  SUBMARINER_CLUSTERID: 'cluster1',
  SUBMARINER_CLUSTERCIDR: '10.1.0.0/16',
  SUBMARINER_SERVICECIDR: '100.1.0.0/16',
  SUBMARINER_CABLEDRIVER: 'wireguard',
  CE_IPSEC_PSK: 'c2VjcmV0',
  NODE_NAME: 'cluster1-gateway',
  POD_NAME: 'submariner-gateway-abcde',
};

const fails = (env: NodeJS.ProcessEnv, pattern: RegExp) => assert.throws(() => parseGatewayConfig({ ...base, ...env }), (e: unknown) => e instanceof ConfigError && pattern.test(e.message));

void describe('gateway configuration', () => {
  void it('parses the environment the renderer sets, with Submariner defaults', () => {
    const c = parseGatewayConfig(base);
    assert.equal(c.clusterId, 'cluster1');
    assert.deepEqual([c.clusterCidrs, c.serviceCidrs, c.globalCidrs], [['10.1.0.0/16'], ['100.1.0.0/16'], []]);
    assert.equal(c.cableDriver, 'wireguard');
    assert.deepEqual(c.healthCheck, { enabled: true, intervalMs: 1000, maxPacketLoss: 5 });
    assert.equal(c.nattDiscoveryPort, 4490);
    assert.deepEqual(c.driver, { psk: 'c2VjcmV0', nattPort: 4500, forceEncaps: false, debug: false });
    assert.deepEqual(c.leader, DEFAULT_LEADER_TIMING);
    assert.equal(c.uninstall, false);
  });

  void it('takes leader election timing in seconds or as durations', () => {
    const c = parseGatewayConfig({ ...base, LEADERSHIP_LEASEDURATION: '3', LEADERSHIP_RENEWDEADLINE: '2s', LEADERSHIP_RETRYPERIOD: '500ms' });
    assert.deepEqual(c.leader, { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 });
    assert.equal(parseDuration('X', '0.5'), 500);
  });

  void it('names the variable and the fix when a value is bad', () => {
    fails({ SUBMARINER_CLUSTERID: '' }, /^SUBMARINER_CLUSTERID is not set/);
    fails({ SUBMARINER_CLUSTERID: 'Cluster_1' }, /^SUBMARINER_CLUSTERID="Cluster_1" is invalid/);
    fails({ SUBMARINER_CLUSTERCIDR: '10.1.0.0/33' }, /^SUBMARINER_CLUSTERCIDR="10.1.0.0\/33" is invalid: "10.1.0.0\/33" is not a CIDR/);
    fails({ SUBMARINER_CABLEDRIVER: 'openvpn' }, /^SUBMARINER_CABLEDRIVER="openvpn" is invalid: use one of libreswan, strongswan, wireguard, vxlan/);
    fails({ CE_IPSEC_PSK: '' }, /^CE_IPSEC_PSK is not set: the wireguard cable driver needs/);
    fails({ CE_IPSEC_NATTPORT: '70000' }, /^CE_IPSEC_NATTPORT="70000" is invalid: set it to a whole number from 1 to 65535/);
    fails({ SUBMARINER_NATENABLED: 'yes' }, /^SUBMARINER_NATENABLED="yes" is invalid: set it to true or false/);
    fails({ SUBMARINER_HEALTHCHECKINTERVAL: '0' }, /^SUBMARINER_HEALTHCHECKINTERVAL="0" is invalid/);
    fails({ NODE_NAME: '' }, /^NODE_NAME is not set/);
    fails({ LEADERSHIP_RETRYPERIOD: 'soon' }, /^LEADERSHIP_RETRYPERIOD="soon" is invalid/);
    fails({ LEADERSHIP_LEASEDURATION: '2', LEADERSHIP_RENEWDEADLINE: '3' }, /lease must be longer than the renew deadline/);
    fails({ SUBMARINER_CLUSTERCIDR: '', SUBMARINER_SERVICECIDR: '' }, /SUBMARINER_CLUSTERCIDR and SUBMARINER_SERVICECIDR are empty/);
  });

  void it('does not need a PSK for the unencrypted vxlan driver', () => {
    assert.equal(parseGatewayConfig({ ...base, SUBMARINER_CABLEDRIVER: 'vxlan', CE_IPSEC_PSK: '' }).driver.psk, '');
  });

  void it('never puts the PSK in an error message', () => {
    try {
      parseGatewayConfig({ ...base, CE_IPSEC_PSK: 'sec"ret' });
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      assert.doesNotMatch(e.message, /sec"ret/);
    }
  });
});
