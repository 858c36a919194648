import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { wellKnown } from '../../../src/api/names.js';
import { allocateGlobalCidr } from '../../../src/broker/globalnet.js';
import { renderBroker } from '../../../src/broker/objects.js';
import { FakeApiServer } from '../kube/fake-apiserver.js';

const NS = 'submariner-k8s-broker';

void describe("the broker's global CIDR allocator", () => {
  const api = new FakeApiServer();
  let kc: KubeConfig;
  before(async () => {
    kc = await api.start();
  });
  after(() => api.stop());

  void it('gives the seed range 169.254.0.0/16 with 8192 IPs per cluster: 169.254.0.0/19, then 169.254.32.0/19', async () => {
    const objects = renderBroker({
      namespace: NS,
      components: ['connectivity', 'service-discovery'],
      customDomains: [],
      globalnet: { enabled: true, cidrRange: '169.254.0.0/16', clusterSize: 8192 },
      clustersetIp: { enabled: false, cidrRange: '243.0.0.0/8' },
    });
    const cm = objects.find((o: KubernetesObject) => o.kind === 'ConfigMap' && o.metadata?.name === wellKnown.globalnetInfoConfigMap);
    assert.ok(cm);
    api.put(`/api/v1/namespaces/${NS}/configmaps`, { ...cm, metadata: { ...cm.metadata, namespace: NS } });
    assert.equal(await allocateGlobalCidr(kc, NS, 'cluster1'), '169.254.0.0/19');
    assert.equal(await allocateGlobalCidr(kc, NS, 'cluster2'), '169.254.32.0/19');
    assert.equal(await allocateGlobalCidr(kc, NS, 'cluster1'), '169.254.0.0/19', 'a cluster joining again keeps its CIDR');
  });
});
