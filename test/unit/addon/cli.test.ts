import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeConfig } from '@kubernetes/client-node';
import { MemoryReporter } from '../../../src/base/reporter.js';
import { maxFailuresOf, progressDeadlineMs, renderAddon, rolloutAddon, statusRow, type RolloutOptions } from '../../../addon/cli.js';
import type { ManagedCluster } from '../../../src/api/ocm.js';
import { parseClusterValues, renderCluster } from '../../../src/render/index.js';
import { baseValues } from '../render/fixtures.js';
import { clusterObjects, cond, mca, works } from './fixtures.js';

const base = { namespace: 'submariner-addon', clusterSet: 'submariner', controller: true, brokerUrl: 'https://hub.example.org:6443', image: 'quay.io/submariner/submariner-operator:0.1.0' };

void test('install renders the ClusterManagementAddOn that hands install and rollout to OCM\'s addon manager', () => {
  const objects = renderAddon(base);
  assert.deepEqual(objects.map((o) => `${o.kind ?? ''} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name ?? ''}`), [
    'Namespace submariner-addon',
    'ServiceAccount submariner-addon/submariner-addon-controller',
    'ClusterRole submariner-addon-controller',
    'ClusterRoleBinding submariner-addon-controller',
    'Deployment submariner-addon/submariner-addon-controller',
    'AddOnDeploymentConfig submariner-addon/submariner',
    'ManagedClusterSetBinding submariner-addon/submariner',
    'Placement submariner-addon/submariner',
    'ClusterManagementAddOn submariner',
  ]);
  const cma = objects.at(-1) as unknown as { metadata: { annotations: Record<string, string> }; spec: Record<string, unknown> };
  assert.equal(cma.metadata.annotations['addon.open-cluster-management.io/lifecycle'], 'addon-manager');
  assert.deepEqual(cma.spec.installStrategy, { type: 'Placements', placements: [{ name: 'submariner', namespace: 'submariner-addon', rolloutStrategy: { type: 'All' } }] });
  assert.deepEqual(cma.spec.supportedConfigs, [
    { group: 'addon.open-cluster-management.io', resource: 'addondeploymentconfigs', defaultConfig: { name: 'submariner', namespace: 'submariner-addon' } },
    { group: 'submarineraddon.open-cluster-management.io', resource: 'submarinerconfigs' },
  ]);
  const deployment = objects[4] as unknown as { spec: { template: { spec: { containers: { command: string[]; env: { name: string; value: string }[] }[] } } } };
  assert.deepEqual(deployment.spec.template.spec.containers[0]?.command, ['kubectl-submariner-agent', 'addon']);
  assert.deepEqual(deployment.spec.template.spec.containers[0]?.env, [
    { name: 'ADDON_BROKER_URL', value: 'https://hub.example.org:6443' },
    { name: 'ADDON_CLUSTERSETS', value: 'submariner' },
    // A heap limit keeps the controller's memory near its live set on a fleet's first sync.
    { name: 'NODE_OPTIONS', value: '--max-old-space-size=256' },
  ]);
});

void test('install\'s Placement keeps a cluster that stops reporting selected, so OCM does not remove its addon', () => {
  const placement = renderAddon(base).find((o) => o.kind === 'Placement') as unknown as { spec: unknown };
  assert.deepEqual(placement.spec, {
    clusterSets: ['submariner'],
    tolerations: [
      { key: 'cluster.open-cluster-management.io/unreachable', operator: 'Exists' },
      { key: 'cluster.open-cluster-management.io/unavailable', operator: 'Exists' },
    ],
  });
});

void test('rollout reads a strategy\'s progressDeadline and maxFailures as OCM does', () => {
  assert.equal(progressDeadlineMs({ type: 'Progressive', progressive: { progressDeadline: '90s' } }), 90_000);
  assert.equal(progressDeadlineMs({ type: 'All', all: { progressDeadline: '5m' } }), 300_000);
  assert.equal(progressDeadlineMs({ type: 'ProgressivePerGroup', progressivePerGroup: { progressDeadline: '1h' } }), 3_600_000);
  assert.equal(progressDeadlineMs({ type: 'Progressive', progressive: { progressDeadline: 'None' } }), undefined);
  assert.equal(progressDeadlineMs(undefined), undefined);
  assert.equal(maxFailuresOf({ type: 'Progressive', progressive: { maxFailures: 1 } }, 3), 1);
  // A percentage of the clusters, rounded up; nothing or more than every cluster: none tolerated.
  assert.equal(maxFailuresOf({ type: 'Progressive', progressive: { maxFailures: '50%' } }, 3), 2);
  assert.equal(maxFailuresOf({ type: 'All', all: { maxFailures: 4 } }, 3), 0);
  assert.equal(maxFailuresOf({ type: 'All' }, 3), 0);
});

void test('install with --placement uses that Placement and creates none', () => {
  const objects = renderAddon({ ...base, controller: false, placement: 'fleet/all-clusters' });
  assert.deepEqual(objects.map((o) => o.kind), ['Namespace', 'AddOnDeploymentConfig', 'ClusterManagementAddOn']);
  const cma = objects.at(-1) as unknown as { spec: { installStrategy: { placements: { name: string; namespace: string }[] } } };
  assert.deepEqual(cma.spec.installStrategy.placements.map((p) => `${p.namespace}/${p.name}`), ['fleet/all-clusters']);
  assert.throws(() => renderAddon({ ...base, placement: 'a/b/c' }), /--placement a\/b\/c is not NAME or NAMESPACE\/NAME/);
});

void test('rollout refuses bad flags before it talks to the hub', async () => {
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }], users: [{ name: 'u' }], contexts: [{ name: 'c', cluster: 'c', user: 'u' }], currentContext: 'c' });
  const o: RolloutOptions = { namespace: 'submariner-addon', imageOverrides: [], timeoutMs: 1000 };
  const refused: [Partial<RolloutOptions>, RegExp][] = [
    [{}, /nothing to roll out: pass --version or --image-override/],
    [{ version: 'not a tag' }, /--version not a tag is not an image tag/],
    [{ imageOverrides: ['nope'] }, /--image-override: .*"nope" is not component=image/],
    [{ version: '1.0.0', maxConcurrency: '2' }, /--max-concurrency needs --strategy progressive/],
    [{ version: '1.0.0', strategy: 'progressive', maxConcurrency: 'many' }, /--max-concurrency many is not a count/],
  ];
  for (const [flags, message] of refused) await assert.rejects(rolloutAddon(kc, { ...o, ...flags }, new MemoryReporter()), message);
});

void test('addon status: a cluster a rollout has not reached is Waiting on its old version; one being removed is Removing', () => {
  const cluster: ManagedCluster = { apiVersion: 'cluster.open-cluster-management.io/v1', kind: 'ManagedCluster', metadata: { name: 'cluster1', labels: { 'cluster.open-cluster-management.io/clusterset': 'submariner' } } };
  const delivered = works(clusterObjects());
  const waiting = statusRow(
    mca({ status: { conditions: [cond('Configured', 'False', 'ConfigurationsNotConfigured'), cond('Progressing', 'False', 'Completed'), cond('ManifestApplied', 'True', 'AddonManifestApplied')] } }),
    delivered,
    cluster,
  );
  assert.deepEqual([waiting.cluster, waiting.clusterSet, waiting.rollout, waiting.version, waiting.applied], ['cluster1', 'submariner', 'Waiting', '0.1.0', 'True']);
  const rolling = statusRow(mca({ status: { conditions: [cond('Configured', 'True', 'ConfigurationsConfigured'), cond('Progressing', 'True', 'Progressing')] } }), works(renderCluster(parseClusterValues(baseValues({ clusterId: 'cluster1', version: '0.0.2' })))), cluster);
  assert.deepEqual([rolling.rollout, rolling.version], ['Progressing', '0.0.2']);
  const removing = statusRow(mca({ metadata: { name: 'submariner', namespace: 'cluster1', deletionTimestamp: new Date() } }), [], undefined);
  assert.deepEqual([removing.rollout, removing.version, removing.clusterSet, removing.connections], ['Removing', '-', '-', '-']);
});
