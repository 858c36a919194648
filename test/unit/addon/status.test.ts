import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FeedbackValue } from '../../../src/api/ocm.js';
import { addonConditions, agentRollouts, connectionSummary, rolledOut } from '../../../addon/status.js';
import { cond, daemonSetFeedback, deploymentFeedback, withStatus, works } from './fixtures.js';

/**
 * The feedback OCM's work agent reports on the Submariner object (works.ts' rules): a string for one result, a JSON
 * list for several, nothing for none.
 */
function gateways(connections: { cluster_id: string; status: string; average?: string }[], ha = ['active']): FeedbackValue[] {
  const value = (name: string, list: string[]): FeedbackValue[] =>
    list.length === 0 ? [] : [{ name, fieldValue: list.length === 1 ? { type: 'String', string: list[0] ?? '' } : { type: 'JsonRaw', jsonRaw: JSON.stringify(list) } }];
  return [
    ...value('gatewayHA', ha),
    ...value('connectionClusters', connections.map((c) => c.cluster_id)),
    ...value('connectionStates', connections.map((c) => c.status)),
    ...value('connectionRTTs', connections.flatMap((c) => (c.average ? [c.average] : []))),
  ];
}

/** A healthy cluster: 2 gateway nodes, 3 route agents, every Deployment ready, connected to cluster2. */
function healthy(kind: string, name: string, gws = gateways([{ cluster_id: 'cluster2', status: 'connected', average: '1.2ms' }])): FeedbackValue[] | undefined {
  if (kind === 'DaemonSet') return name === 'submariner-gateway' ? daemonSetFeedback(2, 2) : daemonSetFeedback(3, 3);
  if (kind === 'Deployment') return deploymentFeedback(1, 1);
  if (kind === 'Submariner') return gws;
  return undefined;
}

const byType = (list: ReturnType<typeof addonConditions>) => Object.fromEntries(list.map((c) => [c.type, `${c.status} ${c.reason}`]));

void test('a healthy, connected cluster: applied, available, not degraded, gateways labelled', () => {
  const conditions = addonConditions({ clusterAvailable: 'True', works: withStatus(works(), (k, n) => healthy(k, n)) });
  assert.deepEqual(byType(conditions), {
    ManifestApplied: 'True AddonManifestApplied',
    Available: 'True ProbeAvailable',
    SubmarinerAgentDegraded: 'False SubmarinerAgentDeployed',
    SubmarinerConnectionDegraded: 'False ConnectionsEstablished',
    RouteAgentConnectionDegraded: 'False ConnectionsEstablished',
    SubmarinerGatewaysLabeled: 'True Success',
  });
  assert.equal(conditions.find((c) => c.type === 'SubmarinerGatewaysLabeled')?.message, '2 gateway nodes labelled');
});

void test('no feedback yet: every agent is reported missing with submariner-addon\'s reasons', () => {
  const conditions = addonConditions({ clusterAvailable: 'True', works: withStatus(works(), () => undefined) });
  const degraded = conditions.find((c) => c.type === 'SubmarinerAgentDegraded');
  assert.equal(degraded?.status, 'True');
  assert.equal(
    degraded?.reason,
    'NoGatewayDaemonSet,NoRouteAgentDaemonSet,NoLighthouseAgentDeployment,NoLighthouseCoreDNSDeployment,NoOperatorDeployment',
  );
  assert.equal(byType(conditions).Available, 'False ProbeUnavailable');
  assert.equal(byType(conditions).SubmarinerConnectionDegraded, 'Unknown NoGatewayStatus');
});

void test('no gateway node, pods not ready, a broken connection', () => {
  const list = withStatus(works(), (kind, name) => {
    if (name === 'submariner-gateway') return daemonSetFeedback(0, 0);
    if (name === 'submariner-routeagent') return daemonSetFeedback(3, 1);
    if (name === 'submariner-operator') return deploymentFeedback(1, 0);
    return healthy(kind, name, gateways([{ cluster_id: 'cluster2', status: 'connected' }, { cluster_id: 'cluster3', status: 'error' }]));
  });
  const conditions = addonConditions({ clusterAvailable: 'True', works: list });
  assert.deepEqual(byType(conditions), {
    ManifestApplied: 'True AddonManifestApplied',
    Available: 'False ProbeUnavailable',
    SubmarinerAgentDegraded: 'True NoScheduledGateways,RouteAgentsUnavailable,NoOperatorAvailable',
    SubmarinerConnectionDegraded: 'True ConnectionsDegraded',
    RouteAgentConnectionDegraded: 'True ConnectionsDegraded',
    SubmarinerGatewaysLabeled: 'False InsufficientNodes',
  });
  assert.equal(conditions.find((c) => c.type === 'SubmarinerConnectionDegraded')?.message, 'cluster3: error');
});

void test('no connection yet reads as not established', () => {
  const list = withStatus(works(), (k, n) => healthy(k, n, gateways([])));
  assert.equal(byType(addonConditions({ clusterAvailable: 'True', works: list })).SubmarinerConnectionDegraded, 'True ConnectionsNotEstablished');
});

void test('a work that failed to apply, and works not applied yet', () => {
  const failed = addonConditions({ clusterAvailable: 'True', works: withStatus(works(), () => undefined, 'False') });
  assert.equal(byType(failed).ManifestApplied, 'False ManifestWorkApplyFailed');
  assert.match(failed[0]?.message ?? '', /addon-submariner-deploy-0: Failed to apply manifest work/);
  // A manifest the managed cluster's API server refused: its answer, as the work agent records it, names the cause.
  const refused = withStatus(works(), () => undefined, 'False').map((w, i) => {
    if (i > 0) return w;
    const manifests = (w.status?.resourceStatus?.manifests ?? []).map((m) =>
      m.resourceMeta.kind !== 'DaemonSet' || m.resourceMeta.name !== 'submariner-gateway'
        ? m
        : {
            ...m,
            conditions: [
              cond('Applied', 'False', 'AppliedManifestFailed', 'Failed to apply manifest: daemonsets.apps "submariner-gateway" is forbidden: ValidatingAdmissionPolicy \'no-0.0.3\' with binding \'no-0.0.3\' denied request: images tagged 0.0.3 are not allowed here'),
            ],
          },
    );
    return { ...w, status: { ...w.status, resourceStatus: { manifests } } };
  });
  assert.equal(
    addonConditions({ clusterAvailable: 'True', works: refused }).find((c) => c.type === 'ManifestApplied')?.message.split('; ')[0],
    'addon-submariner-deploy-0: DaemonSet submariner-operator/submariner-gateway: Failed to apply manifest: daemonsets.apps "submariner-gateway" is forbidden: ValidatingAdmissionPolicy \'no-0.0.3\' with binding \'no-0.0.3\' denied request: images tagged 0.0.3 are not allowed here',
  );
  const pending = addonConditions({ clusterAvailable: 'True', works: works() });
  assert.equal(byType(pending).ManifestApplied, 'Unknown ManifestWorkNotApplied');
  assert.equal(byType(addonConditions({ clusterAvailable: 'True', works: [] })).ManifestApplied, 'False WorkNotFound');
});

void test('a cluster that went away is Unknown, not failed: Available as OCM sets it, each agent condition Unknown with what it last reported', () => {
  // The ManagedCluster's condition as the registration controller writes it.
  const lease = { type: 'ManagedClusterConditionAvailable', status: 'Unknown', reason: 'ManagedClusterLeaseUpdateStopped', message: 'Registration agent stopped updating its lease.' };
  const unknown = addonConditions({ clusterAvailable: 'Unknown', clusterCondition: lease, works: withStatus(works(), (k, n) => healthy(k, n)) });
  assert.deepEqual(byType(unknown), {
    ManifestApplied: 'True AddonManifestApplied',
    Available: 'Unknown ManagedClusterLeaseUpdateStopped',
    SubmarinerAgentDegraded: 'Unknown ManagedClusterLeaseUpdateStopped',
    SubmarinerConnectionDegraded: 'Unknown ManagedClusterLeaseUpdateStopped',
    RouteAgentConnectionDegraded: 'Unknown ManagedClusterLeaseUpdateStopped',
    SubmarinerGatewaysLabeled: 'Unknown ManagedClusterLeaseUpdateStopped',
  });
  assert.equal(unknown.find((c) => c.type === 'Available')?.message, 'Registration agent stopped updating its lease.');
  assert.equal(
    unknown.find((c) => c.type === 'SubmarinerAgentDegraded')?.message,
    'Registration agent stopped updating its lease. (last reported: False SubmarinerAgentDeployed)',
  );
  // Without the cluster's condition (not accepted yet) or with the cluster's API server down: ours.
  for (const state of ['False', 'Unknown', undefined]) {
    const conditions = addonConditions({ clusterAvailable: state, works: withStatus(works(), () => undefined) });
    assert.equal(byType(conditions).Available, 'Unknown ClusterUnavailable');
    assert.equal(byType(conditions).ManifestApplied, 'True AddonManifestApplied');
    assert.deepEqual(conditions.filter((c) => c.status === 'True' && c.type !== 'ManifestApplied'), [], 'nothing degraded');
  }
});

void test('rollout of an agent counts only once its controller has seen the latest spec', () => {
  const stale = withStatus(works(), (kind, name) => (name === 'submariner-routeagent' ? daemonSetFeedback(3, 3, { generation: 2, observed: 1 }) : healthy(kind, name)));
  const ra = agentRollouts(stale).find((a) => a.component === 'routeagent');
  assert.equal(ra?.current, false);
  assert.equal(rolledOut(ra), false);
  const uninstalling = withStatus(works(), (kind, name) => (kind === 'DaemonSet' ? daemonSetFeedback(3, 3, { uninstall: true }) : healthy(kind, name)));
  assert.deepEqual(agentRollouts(uninstalling).filter((a) => a.uninstalling).map((a) => a.name), ['submariner-gateway', 'submariner-routeagent']);
});

void test('connectionSummary lists the active gateway\'s connections with their RTT', () => {
  assert.deepEqual(connectionSummary(withStatus(works(), (k, n) => healthy(k, n))), [{ cluster: 'cluster2', status: 'connected', rtt: '1.2ms' }]);
  assert.deepEqual(connectionSummary(works()), []);
});

void test('connectionSummary reads several connections from JSON lists, and RTTs only when every connection has one', () => {
  const two = gateways([{ cluster_id: 'cluster2', status: 'connected', average: '1.2ms' }, { cluster_id: 'cluster3', status: 'connecting' }], ['passive', 'active']);
  assert.deepEqual(connectionSummary(withStatus(works(), (k, n) => healthy(k, n, two))), [
    { cluster: 'cluster2', status: 'connected', rtt: undefined },
    { cluster: 'cluster3', status: 'connecting', rtt: undefined },
  ]);
  const measured = gateways([{ cluster_id: 'cluster2', status: 'connected', average: '1.2ms' }, { cluster_id: 'cluster3', status: 'connected', average: '2.5ms' }]);
  assert.deepEqual(connectionSummary(withStatus(works(), (k, n) => healthy(k, n, measured))).map((c) => c.rtt), ['1.2ms', '2.5ms']);
});
