// OCM's real hub controllers on `broker` and klusterlets on cluster1 and cluster2 (test/support/ocm.ts):
// clusters join through OCM's bootstrap and CSR flow, and the work agent applies, reports and removes a ManifestWork.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, kubectlFor, type Kubectl } from '../../support/kubectl.js';
import { startTestOcm, type TestOcm } from '../../support/ocm.js';

let ocm: TestOcm;
let hub: Kubectl;
let cluster1: Kubectl;
let cluster2: Kubectl;
const ns = `ocm-work-${process.pid}`;
const work = 'web';

interface Condition {
  type: string;
  status: string;
  reason?: string;
}
interface Cluster {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { hubAcceptsClient?: boolean; managedClusterClientConfigs?: { url: string }[] };
  status?: { conditions?: Condition[] };
}
interface FeedbackValue {
  name: string;
  fieldValue: { type: string; integer?: number; string?: string };
}
interface Work {
  metadata: { generation: number };
  status?: {
    conditions?: (Condition & { observedGeneration?: number })[];
    resourceStatus?: { manifests?: { resourceMeta: { kind: string; name: string }; statusFeedback?: { values?: FeedbackValue[] }; conditions: Condition[] }[] };
  };
}

const isTrue = (conditions: Condition[] | undefined, type: string): boolean => conditions?.some((c) => c.type === type && c.status === 'True') ?? false;

before(async () => {
  ocm = await startTestOcm();
  hub = kubectlFor(ocm.kubeconfigPath, ocm.hub);
  cluster1 = kubectlFor(ocm.kubeconfigPath, 'cluster1');
  cluster2 = kubectlFor(ocm.kubeconfigPath, 'cluster2');
});
after(async () => {
  await hub(['delete', 'manifestwork', '-n', 'cluster1', work, '--ignore-not-found', '--wait=false']).catch(() => undefined);
  await ocm?.stop();
});

describe('an OCM hub with two klusterlets', () => {
  it('has both clusters accepted, Joined and Available, with their apiserver URLs, in the ManagedClusterSet submariner', async () => {
    const clusters = (JSON.parse(await hub(['get', 'managedclusters', '-o', 'json'])) as { items: Cluster[] }).items;
    assert.deepEqual(clusters.map((c) => c.metadata.name).sort(), ['cluster1', 'cluster2']);
    for (const c of clusters) {
      assert.equal(c.spec.hubAcceptsClient, true, c.metadata.name);
      for (const type of ['HubAcceptedManagedCluster', 'ManagedClusterJoined', 'ManagedClusterConditionAvailable']) {
        assert.ok(isTrue(c.status?.conditions, type), `${c.metadata.name} ${type}`);
      }
      assert.equal(c.metadata.labels?.['cluster.open-cluster-management.io/clusterset'], 'submariner');
      assert.equal(c.spec.managedClusterClientConfigs?.[0]?.url, ocm.kubeConfig(c.metadata.name).getCurrentCluster()?.server);
    }
    const csrs = JSON.parse(await hub(['get', 'csr', '-l', 'open-cluster-management.io/cluster-name=cluster1', '-o', 'json'])) as {
      items: { status: { conditions?: Condition[]; certificate?: string } }[];
    };
    assert.ok(csrs.items.some((c) => isTrue(c.status.conditions, 'Approved') && (c.status.certificate ?? '') !== ''), 'an approved and signed CSR');
    const set = await eventually(async () => {
      const s = JSON.parse(await hub(['get', 'managedclusterset', 'submariner', '-o', 'json'])) as { status?: { conditions?: Condition[] } };
      return s.status?.conditions?.some((c) => c.type === 'ClusterSetEmpty' && c.status === 'False') ? s : undefined;
    }, 30_000, 'ManagedClusterSet submariner not empty');
    assert.ok(set);
    const binding = await eventually(async () => {
      const b = JSON.parse(await hub(['get', 'managedclustersetbinding', '-n', 'default', 'submariner', '-o', 'json'])) as { status?: { conditions?: Condition[] } };
      return isTrue(b.status?.conditions, 'Bound') ? b : undefined;
    }, 30_000, 'ManagedClusterSetBinding Bound');
    assert.ok(binding);
  });

  it('applies a ManifestWork with a ConfigMap and a Deployment in cluster1 only, with status feedback', async () => {
    const manifestWork = {
      apiVersion: 'work.open-cluster-management.io/v1',
      kind: 'ManifestWork',
      metadata: { name: work, namespace: 'cluster1' },
      spec: {
        workload: {
          manifests: [
            { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
            { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace: ns }, data: { greeting: 'hello from the hub' } },
            {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              metadata: { name: 'web', namespace: ns },
              spec: {
                replicas: 2,
                selector: { matchLabels: { app: 'web' } },
                template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'registry.example/web:1.0' }] } },
              },
            },
          ],
        },
        manifestConfigs: [
          { resourceIdentifier: { group: 'apps', resource: 'deployments', name: 'web', namespace: ns }, feedbackRules: [{ type: 'WellKnownStatus' }, { type: 'JSONPaths', jsonPaths: [{ name: 'image', path: '.spec.template.spec.containers[0].image' }] }] },
          { resourceIdentifier: { group: '', resource: 'configmaps', name: 'web-config', namespace: ns }, feedbackRules: [{ type: 'JSONPaths', jsonPaths: [{ name: 'greeting', path: '.data.greeting' }] }] },
        ],
      },
    };
    await hub(['apply', '-f', '-'], JSON.stringify(manifestWork));

    const status = await eventually(async () => {
      const w = JSON.parse(await hub(['get', 'manifestwork', '-n', 'cluster1', work, '-o', 'json'])) as Work;
      const conditions = w.status?.conditions ?? [];
      const current = (type: string): boolean => conditions.some((c) => c.type === type && c.status === 'True' && c.observedGeneration === w.metadata.generation);
      const feedback = (kind: string): FeedbackValue[] => w.status?.resourceStatus?.manifests?.find((m) => m.resourceMeta.kind === kind)?.statusFeedback?.values ?? [];
      const replicas = feedback('Deployment').find((v) => v.name === 'Replicas');
      return current('Applied') && current('Available') && replicas?.fieldValue.integer === 2 ? w : undefined;
    }, 60_000, 'ManifestWork web Applied, Available, with Replicas feedback');
    const values = (kind: string): Record<string, unknown> =>
      Object.fromEntries(
        (status.status?.resourceStatus?.manifests?.find((m) => m.resourceMeta.kind === kind)?.statusFeedback?.values ?? []).map((v) => [v.name, v.fieldValue.integer ?? v.fieldValue.string]),
      );
    assert.equal(values('Deployment').image, 'registry.example/web:1.0');
    assert.equal(values('ConfigMap').greeting, 'hello from the hub');

    assert.equal((await cluster1(['get', 'configmap', '-n', ns, 'web-config', '-o', 'jsonpath={.data.greeting}'])).trim(), 'hello from the hub');
    const deployment = JSON.parse(await cluster1(['get', 'deployment', '-n', ns, 'web', '-o', 'json'])) as {
      spec: { replicas: number };
      metadata: { ownerReferences?: { kind: string; name: string }[] };
    };
    assert.equal(deployment.spec.replicas, 2);
    const owner = deployment.metadata.ownerReferences?.find((r) => r.kind === 'AppliedManifestWork');
    assert.ok(owner !== undefined && owner.name.endsWith(`-${work}`), 'owned by its AppliedManifestWork');
    assert.match(await cluster1(['get', 'appliedmanifestworks', '-o', 'name']), new RegExp(`/${owner.name}$`, 'm'));
    assert.equal((await cluster2.result(['get', 'namespace', ns])).code, 1, 'cluster2 gets nothing');
  });

  it('removes the objects from cluster1 when the ManifestWork is deleted', async () => {
    await hub(['delete', 'manifestwork', '-n', 'cluster1', work, '--timeout=90s']);
    await eventually(async () => ((await cluster1.result(['get', 'namespace', ns])).code === 1 ? true : undefined), 60_000, `namespace ${ns} gone from cluster1`);
    assert.equal((await cluster1(['get', 'appliedmanifestworks', '-o', 'name'])).trim(), '');
  });
});
