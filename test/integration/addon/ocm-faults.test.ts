// Faults in a rollout on a real OCM hub (test/support/ocm.ts): a cluster whose work agent cannot apply the new
// config (an admission policy on cluster1 refuses the agents' new image tag) holds a Progressive rollout as
// maxFailures says, and a cluster whose klusterlet stopped (cluster2) reads Unknown, keeps its addon and is not
// counted failed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubernetesObjectApi, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { ClusterManagementAddOnResource, ManagedClusterResource, type ManagedClusterAddOn } from '../../../src/api/index.js';
import { MemoryReporter } from '../../../src/base/reporter.js';
import { resourceClient } from '../../../src/kube/resource-client.js';
import { addonStatus, rolloutAddon, uninstallAddon } from '../../../addon/cli.js';
import type { AddonController } from '../../../addon/controller.js';
import { eventually } from '../../support/kubectl.js';
import { startTestOcm, type TestOcm } from '../../support/ocm.js';
import { addonNamespace as ns, addonOf, agentImages, conditionOf, startAddon, truthy, worksOf } from './support.js';

let ocm: TestOcm;
let hub: KubeConfig;
let controller: AddonController | undefined;

const mcaOf = async (cluster: string): Promise<ManagedClusterAddOn> => {
  const mca = await addonOf(hub, cluster);
  assert.ok(mca, `${cluster}'s ManagedClusterAddOn`);
  return mca;
};
/** The image tags the cluster's works on the hub deliver to its agents. */
const tagsOf = async (cluster: string): Promise<string[]> => {
  const images = agentImages(await worksOf(hub, cluster));
  return [...new Set(images.map((i) => i.slice(i.lastIndexOf(':') + 1)))];
};
/** The config (AddOnDeploymentConfig spec hash) OCM marks desired for the cluster, and the one it last recorded applied. */
const configOf = async (cluster: string) => {
  const ref = (await mcaOf(cluster)).status?.configReferences?.find((r) => r.resource === 'addondeploymentconfigs');
  return { desired: ref?.desiredConfig?.specHash, applied: ref?.lastAppliedConfig?.specHash };
};
const progressionMessage = async (): Promise<string> =>
  (await resourceClient(hub, ClusterManagementAddOnResource).get('submariner'))?.status?.installProgressions?.[0]?.conditions?.find((c) => c.type === 'Progressing')?.message ?? '';

/** On cluster1: an admission policy that refuses the agents' workloads with images tagged 0.0.3. */
const refuse003: KubernetesObject[] = [
  {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: 'no-agents-0.0.3' },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['daemonsets', 'deployments'] }] },
      validations: [{ expression: "!object.spec.template.spec.containers.exists(c, c.image.endsWith(':0.0.3'))", message: 'images tagged 0.0.3 are not allowed here' }],
    },
  } as KubernetesObject,
  {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: 'no-agents-0.0.3' },
    spec: { policyName: 'no-agents-0.0.3', validationActions: ['Deny'] },
  } as KubernetesObject,
];

before(async () => {
  ocm = await startTestOcm();
  hub = ocm.kubeConfig(ocm.hub);
  // A short lease (OCM's grace is 5 leases) so that a stopped klusterlet reads Unknown within seconds.
  for (const c of ocm.clusters) await resourceClient(hub, ManagedClusterResource).patch(c, { spec: { leaseDurationSeconds: 2 } });
  controller = await startAddon(ocm);
  for (const cluster of ocm.clusters) {
    await eventually(truthy(async () => (await conditionOf(hub, cluster, 'Progressing'))?.reason === 'Completed'), 120_000, `${cluster}'s first rollout completed`);
  }
  const objects = KubernetesObjectApi.makeApiClient(ocm.kubeConfig('cluster1'));
  for (const o of refuse003) await objects.create(o);
  // The API server enforces a new policy a moment after it is created: wait until a dry-run create is refused.
  const probe = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'policy-probe', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'probe' } }, template: { metadata: { labels: { app: 'probe' } }, spec: { containers: [{ name: 'c', image: 'probe:0.0.3' }] } } },
  } as KubernetesObject;
  await eventually(truthy(async () => objects.create(probe, undefined, 'All').then(() => false, (err: unknown) => /images tagged 0\.0\.3 are not allowed here/.test(String(err)))), 30_000, 'cluster1 enforcing the policy');
});

// The clusters are left as they were found, for the tests after this file: cluster2's klusterlet back, cluster1's
// policy gone, and the addon uninstalled while the controller runs (its finalizers and works removed).
after(async () => {
  try {
    await ocm?.fleet.klusterlets.find((k) => k.clusterName === 'cluster2')?.restart();
    const objects = KubernetesObjectApi.makeApiClient(ocm.kubeConfig('cluster1'));
    for (const o of [...refuse003].reverse()) await objects.delete(o).catch(() => undefined);
    if (controller) await uninstallAddon(hub, { namespace: ns, timeoutMs: 180_000 }, new MemoryReporter());
  } finally {
    await controller?.stop();
    await ocm?.stop();
  }
});

void describe('faults in a rollout on a real OCM hub', () => {
  let before003: string[];

  void it('a cluster whose work fails to apply stops a Progressive rollout with maxFailures 0; the clusters after it keep their config', async () => {
    before003 = await tagsOf('cluster2');
    const oldConfig = await configOf('cluster2');
    const reporter = new MemoryReporter();
    await assert.rejects(
      rolloutAddon(hub, { namespace: ns, version: '0.0.3', imageOverrides: [], strategy: 'progressive', maxConcurrency: '1', maxFailures: '0', progressDeadline: '15s', timeoutMs: 120_000 }, reporter),
      /OCM stopped the rollout: cluster1 \(.*images tagged 0\.0\.3 are not allowed here.*\); maxFailures tolerates 0\. Left on their previous config: cluster2/,
    );
    // cluster1 has the new config on the hub, refused by its API server; the addon says why.
    assert.deepEqual(await tagsOf('cluster1'), ['0.0.3']);
    const applied = await conditionOf(hub, 'cluster1', 'ManifestApplied');
    assert.equal(applied?.status, 'False');
    assert.equal(applied?.reason, 'ManifestWorkApplyFailed');
    assert.match(applied?.message ?? '', /images tagged 0\.0\.3 are not allowed here/);
    const row = (await addonStatus(hub)).find((r) => r.cluster === 'cluster1');
    assert.equal(row?.applied, 'False (ManifestWorkApplyFailed)');
    assert.ok(row?.messages.some((m) => /^ManifestApplied: .*images tagged 0\.0\.3 are not allowed here/.test(m)), row?.messages.join('\n'));
    // OCM counts it timed out and goes no further: cluster2 stays on its config, given time to move if it were to.
    await eventually(truthy(async () => /1 timeout/.test(await progressionMessage())), 30_000, 'OCM counting cluster1 timed out');
    await sleep(5_000);
    assert.deepEqual(await configOf('cluster2'), oldConfig);
    assert.deepEqual(await tagsOf('cluster2'), before003);
    assert.notDeepEqual(before003, ['0.0.3']);
  });

  void it('with maxFailures 1 the rollout goes on past the failed cluster', async () => {
    const result = await rolloutAddon(
      hub,
      { namespace: ns, version: '0.0.3', imageOverrides: [], strategy: 'progressive', maxConcurrency: '1', maxFailures: '1', progressDeadline: '15s', timeoutMs: 120_000 },
      new MemoryReporter(),
    );
    const [c1, c2] = result.clusters;
    assert.equal(c1?.cluster, 'cluster1');
    assert.ok(c1?.failedMs !== undefined && c1.completedMs === undefined, JSON.stringify(c1));
    assert.match(c1.problem ?? '', /images tagged 0\.0\.3 are not allowed here/);
    assert.equal(c2?.cluster, 'cluster2');
    assert.ok(c2?.completedMs !== undefined && c2.failedMs === undefined, JSON.stringify(c2));
    assert.deepEqual(await tagsOf('cluster2'), ['0.0.3']);
    const config = await configOf('cluster2');
    assert.equal(config.applied, result.specHash);
    assert.equal((await configOf('cluster1')).applied === result.specHash, false);
  });

  void it('a cluster whose klusterlet stopped reads Unknown, keeps its addon, and is not counted failed', async () => {
    const klusterlet = ocm.fleet.klusterlets.find((k) => k.clusterName === 'cluster2');
    assert.ok(klusterlet);
    await klusterlet.stop();
    const clusters = resourceClient(hub, ManagedClusterResource);
    await eventually(
      truthy(async () => (await clusters.get('cluster2'))?.status?.conditions?.find((c) => c.type === 'ManagedClusterConditionAvailable')?.status === 'Unknown'),
      60_000,
      'cluster2 Unknown on the hub',
    );
    const available = await eventually(truthy(async () => {
      const c = await conditionOf(hub, 'cluster2', 'Available');
      return c?.status === 'Unknown' ? c : undefined;
    }), 30_000, 'cluster2\'s addon Unknown');
    assert.equal(available.reason, 'ManagedClusterLeaseUpdateStopped');
    await eventually(truthy(async () => (await conditionOf(hub, 'cluster2', 'SubmarinerAgentDegraded'))?.status === 'Unknown'), 30_000, 'cluster2\'s agent status Unknown');
    // Tainted unreachable, the cluster stays selected: its addon and its works stay.
    await eventually(
      truthy(async () => (await clusters.get('cluster2'))?.spec?.taints?.some((t) => t.key === 'cluster.open-cluster-management.io/unreachable')),
      30_000,
      'cluster2 tainted unreachable',
    );
    await sleep(5_000);
    const decisions = await resourceClient(hub, { group: 'cluster.open-cluster-management.io', version: 'v1beta1', kind: 'PlacementDecision', plural: 'placementdecisions', namespaced: true }).list({ namespace: ns });
    assert.deepEqual(decisions.flatMap((d) => ((d as { status?: { decisions?: { clusterName: string }[] } }).status?.decisions ?? []).map((x) => x.clusterName)).sort(), ['cluster1', 'cluster2']);
    assert.equal((await mcaOf('cluster2')).metadata.deletionTimestamp, undefined);
    assert.deepEqual(await tagsOf('cluster2'), ['0.0.3']);
    const mca = await mcaOf('cluster2');
    assert.deepEqual(mca.status?.conditions?.filter((c) => /fail/i.test(c.reason)).map((c) => c.type), []);
    const row = (await addonStatus(hub)).find((r) => r.cluster === 'cluster2');
    assert.equal(row?.available, 'Unknown (ManagedClusterLeaseUpdateStopped)');
    assert.equal(row?.agents, 'ManagedClusterLeaseUpdateStopped');
  });

  void it('a rollout reaching the stopped cluster delivers it on the hub and waits for it, without counting it failed', async () => {
    // 0.0.4 passes cluster1's policy: cluster1 applies it, then OCM hands it to cluster2, whose agent is gone.
    await assert.rejects(
      rolloutAddon(hub, { namespace: ns, version: '0.0.4', imageOverrides: [], strategy: 'progressive', maxConcurrency: '1', timeoutMs: 60_000 }, new MemoryReporter()),
      /did not complete within 60s; still pending: cluster2 \(the cluster stopped reporting: Registration agent stopped updating its lease\.\)/,
    );
    assert.deepEqual(await tagsOf('cluster1'), ['0.0.4']);
    assert.equal((await conditionOf(hub, 'cluster1', 'Progressing'))?.reason, 'Completed');
    // cluster2's works carry 0.0.4 for its work agent to apply when it is back; OCM sees it progressing, not failed.
    assert.deepEqual(await tagsOf('cluster2'), ['0.0.4']);
    const progressing = await conditionOf(hub, 'cluster2', 'Progressing');
    assert.equal(progressing?.status, 'True');
    assert.equal(progressing?.reason, 'Progressing');
    assert.match(await progressionMessage(), /0 failed 0 timeout/);
    assert.equal((await conditionOf(hub, 'cluster2', 'Available'))?.status, 'Unknown');
  });
});
