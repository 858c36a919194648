import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { wellKnown } from '../../../src/api/names.js';
import { allocateGlobalCidr, allocatePoolCidr, clustersetIpPool, releasePoolCidr } from '../../../src/broker/globalnet.js';
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

void describe("the broker's clusterset IP range, split per cluster", () => {
  const api = new FakeApiServer();
  let kc: KubeConfig;
  before(async () => {
    kc = await api.start();
  });
  after(() => api.stop());

  void it('is rendered with service discovery, on or off by default, and gives each cluster a /20 of 243.0.0.0/8 as Submariner does', async () => {
    const values = (enabled: boolean, components = ['connectivity', 'service-discovery']) =>
      renderBroker({ namespace: NS, components, customDomains: [], globalnet: { enabled: false, cidrRange: '242.0.0.0/8', clusterSize: 65536 }, clustersetIp: { enabled, cidrRange: '243.0.0.0/8' } });
    const find = (objects: KubernetesObject[]) => objects.find((o) => o.kind === 'ConfigMap' && o.metadata?.name === wellKnown.clustersetIpInfoConfigMap) as KubernetesObject & { data?: Record<string, string> };
    assert.equal(find(values(true, ['connectivity'])), undefined, 'no range without service discovery');
    assert.equal(find(values(false)).data?.clustersetIPEnabled, 'false');
    const cm = find(values(true));
    assert.deepEqual(cm.data, { clustersetIPEnabled: 'true', clustersetIPCidrRange: '"243.0.0.0/8"', clustersetIPClusterSize: '4096', clusterinfo: '[]' });
    api.put(`/api/v1/namespaces/${NS}/configmaps`, { ...cm, metadata: { ...cm.metadata, namespace: NS } });
    assert.equal(await allocatePoolCidr(clustersetIpPool, kc, NS, 'cluster1'), '243.0.0.0/20');
    assert.equal(await allocatePoolCidr(clustersetIpPool, kc, NS, 'cluster2'), '243.0.16.0/20');
    assert.equal(await allocatePoolCidr(clustersetIpPool, kc, NS, 'cluster1'), '243.0.0.0/20', 'a cluster joining again keeps its block');
    await assert.rejects(allocatePoolCidr(clustersetIpPool, kc, NS, 'cluster3', '243.0.16.0/20'), /--clusterset-ip-cidr 243\.0\.16\.0\/20 overlaps 243\.0\.16\.0\/20 of cluster cluster2: pick another or omit the flag/);
    await releasePoolCidr(clustersetIpPool, kc, NS, 'cluster1');
    assert.equal(await allocatePoolCidr(clustersetIpPool, kc, NS, 'cluster3'), '243.0.0.0/20', 'a released block is free again');
  });
});
