import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { toYaml } from '../../../src/render/index.js';
import { applyPlacement, maxWorkBytes, mirrorImage, renderWorks, splitObjects, uninstallMode } from '../../../addon/works.js';
import { clusterObjects, hashes, owner, works } from './fixtures.js';

const golden = fileURLToPath(new URL('./golden/works.yaml', import.meta.url));
const update = process.env.UPDATE_GOLDEN === '1';

/** The works with each manifest as `Kind namespace/name`: the golden file pins names, order, split and rules, not renderCluster's output. */
function summary(list = works()): unknown {
  return list.map((w) => ({
    ...w,
    spec: {
      ...w.spec,
      workload: {
        manifests: w.spec.workload.manifests.map((m) => {
          const meta = m.metadata as { name: string; namespace?: string };
          return `${String(m.kind)} ${meta.namespace ? `${meta.namespace}/` : ''}${meta.name}`;
        }),
      },
    },
  }));
}

void test('golden: a cluster\'s works are exactly golden/works.yaml', () => {
  const rendered = toYaml(summary() as never);
  if (update) writeFileSync(golden, rendered);
  assert.equal(rendered, readFileSync(golden, 'utf8'), 'golden/works.yaml differs; review the change and rerun with UPDATE_GOLDEN=1');
});

void test('works deliver exactly renderCluster\'s objects, in order, each work under the size limit', () => {
  const objects = clusterObjects();
  for (const limit of [maxWorkBytes, 60 * 1024, 8 * 1024]) {
    const list = renderWorks(objects, { namespace: 'cluster1', owner, hashes, maxBytes: limit });
    assert.deepEqual(list.flatMap((w) => w.spec.workload.manifests), objects);
    assert.deepEqual(list.map((w) => w.metadata.name), list.map((_, i) => `addon-submariner-deploy-${i}`));
    for (const w of list) {
      const bytes = Buffer.byteLength(JSON.stringify(w.spec.workload.manifests));
      assert.ok(bytes <= limit || w.spec.workload.manifests.length === 1, `${w.metadata.name ?? ''} holds ${bytes} bytes over ${limit}`);
    }
  }
  assert.ok(renderWorks(objects, { namespace: 'cluster1', owner, hashes, maxBytes: 8 * 1024 }).length > 3);
});

void test('every work is labelled as the addon\'s, carries the config hashes and is owned by the ManagedClusterAddOn', () => {
  for (const w of renderWorks(clusterObjects(), { namespace: 'cluster1', owner, hashes, maxBytes: 60 * 1024 })) {
    assert.equal(w.metadata.namespace, 'cluster1');
    assert.equal(w.metadata.labels?.['open-cluster-management.io/addon-name'], 'submariner');
    assert.deepEqual(JSON.parse(w.metadata.annotations?.['open-cluster-management.io/config-spec-hash'] ?? ''), hashes);
    assert.deepEqual(w.metadata.ownerReferences, [
      { apiVersion: 'addon.open-cluster-management.io/v1alpha1', kind: 'ManagedClusterAddOn', name: 'submariner', uid: owner.uid, controller: true, blockOwnerDeletion: true },
    ]);
    // Every agent in the work has its feedback rule in the same work.
    const workloads = w.spec.workload.manifests.filter((m) => m.kind === 'DaemonSet' || m.kind === 'Deployment').map((m) => (m.metadata as { name: string }).name);
    assert.deepEqual(w.spec.manifestConfigs?.filter((c) => c.resourceIdentifier.group === 'apps').map((c) => c.resourceIdentifier.name), workloads);
  }
});

void test('the owner reference takes the apiVersion it is given, the one the garbage collector observes the owner at', () => {
  const [w] = renderWorks(clusterObjects(), { namespace: 'cluster1', owner: { ...owner, apiVersion: 'addon.open-cluster-management.io/v1beta1' }, hashes });
  assert.equal(w?.metadata.ownerReferences?.[0]?.apiVersion, 'addon.open-cluster-management.io/v1beta1');
  assert.equal(w?.metadata.ownerReferences?.[0]?.uid, owner.uid);
});

void test('splitObjects keeps order and puts an object larger than the limit alone', () => {
  const big = 'x'.repeat(100);
  assert.deepEqual(splitObjects(['a', big, 'b', 'c'], 20), [['a'], [big], ['b', 'c']]);
  assert.deepEqual(splitObjects([], 20), []);
});

void test('node placement and registry mirrors reach every agent pod and nothing else', () => {
  const placed = applyPlacement(clusterObjects(), {
    nodePlacement: { nodeSelector: { 'node-role.kubernetes.io/infra': '' }, tolerations: [{ key: 'infra', operator: 'Exists', effect: 'NoSchedule' }] },
    registries: [{ source: 'kubectl-submariner', mirror: 'registry.local:5000/mirror' }],
  });
  const workloads = placed.filter((o) => o.kind === 'DaemonSet' || o.kind === 'Deployment') as unknown as { spec: { template: { spec: { nodeSelector?: object; tolerations?: unknown[]; containers: { image: string }[] } } } }[];
  assert.ok(workloads.length >= 5);
  for (const w of workloads) {
    assert.equal((w.spec.template.spec.nodeSelector as Record<string, string>)['node-role.kubernetes.io/infra'], '');
    assert.deepEqual(w.spec.template.spec.tolerations?.at(-1), { key: 'infra', operator: 'Exists', effect: 'NoSchedule' });
    for (const c of w.spec.template.spec.containers) assert.match(c.image, /^registry\.local:5000\/mirror\//);
  }
  assert.deepEqual(placed.filter((o) => o.kind !== 'DaemonSet' && o.kind !== 'Deployment'), clusterObjects().filter((o) => o.kind !== 'DaemonSet' && o.kind !== 'Deployment'));
});

void test('mirrorImage: the last matching registry wins; an empty source replaces any registry', () => {
  assert.equal(mirrorImage('quay.io/submariner/submariner-gateway:0.1.0', [{ source: 'quay.io', mirror: 'a.io' }]), 'a.io/submariner/submariner-gateway:0.1.0');
  assert.equal(mirrorImage('quay.io/submariner/gw:1', [{ source: 'quay.io', mirror: 'a.io' }, { source: 'quay.io/submariner', mirror: 'b.io/s' }]), 'b.io/s/gw:1');
  assert.equal(mirrorImage('quay.io/submariner/gw:1', [{ source: '', mirror: 'local:5000/m/' }]), 'local:5000/m/gw:1');
  assert.equal(mirrorImage('docker.io/x:1', [{ source: 'quay.io', mirror: 'a.io' }]), 'docker.io/x:1');
});

void test('uninstall mode switches only the agents of one kind, with a readiness probe on their clean-up marker', () => {
  const objects = clusterObjects();
  const switched = uninstallMode(objects, 'DaemonSet');
  for (const [i, o] of switched.entries()) {
    const containers = (o as unknown as { spec?: { template?: { spec?: { containers?: { env?: { name: string; value?: string }[]; readinessProbe?: unknown }[] } } } }).spec?.template?.spec?.containers;
    if (o.kind !== 'DaemonSet') {
      assert.deepEqual(o, objects[i]);
      continue;
    }
    for (const c of containers ?? []) {
      assert.equal(c.env?.filter((e) => e.name === 'SUBMARINER_UNINSTALL').length, 1);
      assert.equal(c.env?.find((e) => e.name === 'SUBMARINER_UNINSTALL')?.value, 'true');
      assert.deepEqual(c.readinessProbe, { exec: { command: ['test', '-f', '/tmp/submariner-uninstalled'] }, periodSeconds: 2 });
    }
  }
  assert.deepEqual(uninstallMode(switched, 'DaemonSet'), switched, 'switching twice changes nothing');
});
