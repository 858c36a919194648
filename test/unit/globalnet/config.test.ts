import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseGlobalnetConfig } from '../../../src/globalnet/config.js';

const env = {
  SUBMARINER_NAMESPACE: 'submariner-operator',
  SUBMARINER_CLUSTERID: 'cluster1',
  NODE_NAME: 'cluster1-gateway',
  POD_NAME: 'submariner-globalnet-x',
  SUBMARINER_CLUSTERCIDR: '10.244.0.0/16',
  SUBMARINER_SERVICECIDR: '10.96.0.0/12',
  SUBMARINER_GLOBALCIDR: '169.254.0.0/19',
  SUBMARINER_METRICSPORT: '32781',
};

void describe('GlobalNet configuration', () => {
  void it('reads the environment the renderer writes', () => {
    assert.deepEqual(parseGlobalnetConfig(env), {
      namespace: 'submariner-operator',
      clusterId: 'cluster1',
      nodeName: 'cluster1-gateway',
      podName: 'submariner-globalnet-x',
      clusterCidrs: ['10.244.0.0/16'],
      serviceCidrs: ['10.96.0.0/12'],
      globalCidr: '169.254.0.0/19',
      metricsPort: 32781,
      uninstall: false,
      debug: false,
    });
  });

  void it('waits for the Cluster object when no GlobalCIDR is rendered; refuses two', () => {
    assert.equal(parseGlobalnetConfig({ ...env, SUBMARINER_GLOBALCIDR: '' }).globalCidr, undefined);
    assert.throws(() => parseGlobalnetConfig({ ...env, SUBMARINER_GLOBALCIDR: '169.254.0.0/19,169.254.32.0/19' }), ConfigError);
  });

  void it('names the variable that is missing or wrong', () => {
    assert.throws(() => parseGlobalnetConfig({ ...env, SUBMARINER_CLUSTERCIDR: '' }), /SUBMARINER_CLUSTERCIDR is not set/);
    assert.throws(() => parseGlobalnetConfig({ ...env, SUBMARINER_GLOBALCIDR: '169.254.0.1/19' }), /SUBMARINER_GLOBALCIDR=.* is invalid/);
    assert.equal(parseGlobalnetConfig({ ...env, SUBMARINER_CLUSTERCIDR: '', SUBMARINER_UNINSTALL: 'true' }).uninstall, true, 'uninstall needs no CIDRs');
  });
});
