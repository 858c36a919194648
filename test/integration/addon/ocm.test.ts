// The hub addon with OCM's real hub controllers on `broker` and klusterlets on cluster1 and cluster2
// (test/support/ocm.ts): OCM's addon manager creates the ManagedClusterAddOns from the Placement, the controller
// delivers renderCluster's objects by ManifestWork, the real work agents apply them and report back, a config
// change rolls out through OCM, and removal leaves the clusters as they were.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, KubernetesObjectApi, type KubeConfig } from '@kubernetes/client-node';
import { NamespaceResource } from '../../../src/api/index.js';
import { MemoryReporter } from '../../../src/base/reporter.js';
import { resourceClient } from '../../../src/kube/resource-client.js';
import { parseClusterValues, renderCluster } from '../../../src/render/index.js';
import { addonStatus, rolloutAddon, uninstallAddon } from '../../../addon/cli.js';
import type { AddonController } from '../../../addon/controller.js';
import { eventually } from '../../support/kubectl.js';
import { startTestOcm, type TestOcm } from '../../support/ocm.js';
import { addonNamespace as ns, addonOf, agentImages, conditionOf, networks, startAddon, truthy, worksOf } from './support.js';

let ocm: TestOcm;
let hub: KubeConfig;
let controller: AddonController | undefined;
const phases: string[] = [];

before(async () => {
  ocm = await startTestOcm();
  hub = ocm.kubeConfig(ocm.hub);
  controller = await startAddon(ocm);
});

after(async () => {
  await controller?.stop();
  await ocm?.stop();
});

void describe('the hub addon on a real OCM hub', () => {
  void it('OCM adds the addon to the set\'s clusters and their work agents apply exactly renderCluster\'s objects', async () => {
    for (const cluster of ocm.clusters) {
      const works = await eventually(truthy(async () => {
        const list = await worksOf(hub, cluster);
        return list.length > 0 && list.every((w) => w.status?.conditions?.some((c) => c.type === 'Applied' && c.status === 'True')) ? list : undefined;
      }), 90_000, `${cluster}'s works applied`);
      // The values the controller rendered the cluster from: its broker account's token and CA, the set's PSK.
      const core = hub.makeApiClient(CoreV1Api);
      const account = await core.readNamespacedSecret({ name: `cluster-${cluster}-token`, namespace: 'submariner-broker' });
      const psk = await core.readNamespacedSecret({ name: 'submariner-ipsec-psk', namespace: 'submariner-broker' });
      const expected = renderCluster(
        parseClusterValues({
          clusterId: cluster,
          broker: { server: hub.getCurrentCluster()?.server ?? '', ca: account.data?.['ca.crt'] ?? '', token: Buffer.from(account.data?.token ?? '', 'base64').toString(), namespace: 'submariner-broker' },
          ipsecPsk: psk.data?.psk ?? '',
          cableDriver: 'vxlan',
          clusterCidrs: [networks[cluster]?.clusterCIDR ?? ''],
          serviceCidrs: [networks[cluster]?.serviceCIDR ?? ''],
          imageOverrides: {},
          labelGateway: true,
        }),
      );
      const delivered = works.flatMap((w) => w.spec.workload.manifests);
      assert.deepEqual(delivered, expected);
      // Every object is in the managed cluster, as rendered.
      const objects = KubernetesObjectApi.makeApiClient(ocm.kubeConfig(cluster));
      for (const o of expected) {
        const found = await objects.read(o);
        assert.equal(found.metadata?.name, o.metadata.name, `${o.kind} ${o.metadata.name}`);
        if (o.kind === 'DaemonSet' || o.kind === 'Deployment') assert.deepEqual((found as { spec?: unknown }).spec !== undefined, true);
      }
    }
  });

  void it('the work agents\' feedback reaches the addon\'s conditions, and OCM sees the rollout complete', async () => {
    for (const cluster of ocm.clusters) {
      // No node runs pods here: the DaemonSets are scheduled nowhere and the Deployments have no ready replica.
      const degraded = await eventually(truthy(async () => {
        const c = await conditionOf(hub, cluster, 'SubmarinerAgentDegraded');
        return c?.reason.includes('NoOperatorAvailable') ? c : undefined;
      }), 90_000, `${cluster}'s agent status`);
      assert.equal(degraded.status, 'True');
      assert.equal(degraded.reason, 'NoScheduledGateways,NoLighthouseAgentAvailable,NoLighthouseCoreDNSAvailable,NoOperatorAvailable');
      // The work agent may report a failed apply first (a custom resource before its CRD is served), then retries.
      await eventually(truthy(async () => (await conditionOf(hub, cluster, 'ManifestApplied'))?.reason === 'AddonManifestApplied'), 60_000, `${cluster}'s works applied`);
      assert.equal((await conditionOf(hub, cluster, 'SubmarinerGatewaysLabeled'))?.reason, 'InsufficientNodes');
      // OCM's addon manager found the works applied with the config hashes it rolled out.
      await eventually(truthy(async () => (await conditionOf(hub, cluster, 'Progressing'))?.reason === 'Completed'), 90_000, `${cluster}'s rollout completed`);
    }
    const rows = await addonStatus(hub);
    assert.deepEqual(
      rows.map((r) => [r.cluster, r.clusterSet, r.rollout, r.applied, r.agents]),
      ocm.clusters.map((c) => [c, ocm.clusterSet.name, 'Completed', 'True', 'NoScheduledGateways,NoLighthouseAgentAvailable,NoLighthouseCoreDNSAvailable,NoOperatorAvailable']),
    );
  });

  void it('a version change rolls out through OCM to every cluster', async () => {
    const result = await rolloutAddon(hub, { namespace: ns, version: '0.0.2', imageOverrides: [], strategy: 'progressive', maxConcurrency: '1', timeoutMs: 120_000 }, new MemoryReporter());
    assert.deepEqual(result.clusters.map((c) => c.cluster), ocm.clusters);
    for (const c of result.clusters) assert.ok(c.completedMs !== undefined, c.cluster);
    for (const cluster of ocm.clusters) {
      const images = agentImages(await worksOf(hub, cluster));
      assert.ok(images.length > 0 && images.every((i) => i.endsWith(':0.0.2')), images.join(' '));
    }
  });

  void it('uninstall: agents in uninstall mode, then the operator, then the works and the broker; the clusters are as before', async () => {
    const watch = setInterval(() => {
      void worksOf(hub, 'cluster1').then((list) => {
        const phase = list[0]?.metadata.annotations?.['submarineraddon.open-cluster-management.io/uninstall-phase'];
        if (phase && phases.at(-1) !== phase) phases.push(phase);
      }, () => undefined);
    }, 200);
    try {
      await uninstallAddon(hub, { namespace: ns, timeoutMs: 180_000 }, new MemoryReporter());
    } finally {
      clearInterval(watch);
    }
    assert.deepEqual(phases, ['agents', 'operator']);
    for (const cluster of ocm.clusters) {
      assert.deepEqual(await worksOf(hub, cluster), []);
      assert.equal(await addonOf(hub, cluster), undefined);
      await eventually(truthy(async () => (await resourceClient(ocm.kubeConfig(cluster), NamespaceResource).get('submariner-operator')) === undefined), 90_000, `${cluster}'s Submariner namespace gone`);
      const crds = await resourceClient(ocm.kubeConfig(cluster), { group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions', namespaced: false }).list();
      assert.deepEqual(crds.map((c) => c.metadata?.name ?? '').filter((n) => n.endsWith('.submariner.io')), []);
    }
    await eventually(truthy(async () => (await resourceClient(hub, NamespaceResource).get('submariner-broker')) === undefined), 90_000, 'the broker namespace gone');
  });
});
