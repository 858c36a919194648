import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { CoreV1Api, DiscoveryV1Api } from '@kubernetes/client-node';
import { useFleet, type TestFleet } from '../../support/fleet.js';

let fleet: TestFleet;
before(async () => {
  fleet = await useFleet();
});

describe('control planes side by side', () => {
  it('has one context per cluster', () => {
    for (const c of ['broker', 'cluster1', 'cluster2']) assert.ok(fleet.contexts.includes(c), c);
  });

  it('keeps the clusters independent: a namespace made in cluster1 does not exist in cluster2', async () => {
    const name = `independent-${Date.now()}`;
    const one = fleet.kubeConfig('cluster1').makeApiClient(CoreV1Api);
    const two = fleet.kubeConfig('cluster2').makeApiClient(CoreV1Api);
    await one.createNamespace({ body: { metadata: { name } } });
    try {
      const names = (await two.listNamespace()).items.map((n) => n.metadata?.name);
      assert.ok(!names.includes(name));
      assert.ok((await one.listNamespace()).items.some((n) => n.metadata?.name === name));
    } finally {
      await one.deleteNamespace({ name });
    }
  });

  it('runs the controllers: the default ServiceAccount appears in a new namespace and the kubernetes Service has endpoints', async () => {
    const core = fleet.kubeConfig('cluster2').makeApiClient(CoreV1Api);
    const name = `controllers-${Date.now()}`;
    await core.createNamespace({ body: { metadata: { name } } });
    try {
      const deadline = Date.now() + 30_000;
      let found = false;
      while (!found && Date.now() < deadline) {
        found = (await core.listNamespacedServiceAccount({ namespace: name })).items.some((s) => s.metadata?.name === 'default');
        if (!found) await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(found, 'serviceaccount-controller created "default"');
      const svc = await core.readNamespacedService({ name: 'kubernetes', namespace: 'default' });
      assert.match(svc.spec?.clusterIP ?? '', /^10\.142\.0\.1$/);
      const slices = await fleet.kubeConfig('cluster2').makeApiClient(DiscoveryV1Api).listNamespacedEndpointSlice({
        namespace: 'default',
        labelSelector: 'kubernetes.io/service-name=kubernetes',
      });
      assert.ok(slices.items.some((s) => (s.endpoints ?? []).some((e) => e.addresses.length > 0)), 'the apiserver publishes its endpoint');
    } finally {
      await core.deleteNamespace({ name });
    }
  });
});
