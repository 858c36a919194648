// A cluster's ManagedClusterAddOn conditions from what its works report: OCM's Applied/Available, the agents'
// rollout through status feedback, and the gateways' connections. Pure.
import type { AgentComponent } from '../src/api/agent-env.js';
import type { Condition, GatewayStatus } from '../src/api/generated.js';
import { names, ocm } from '../src/api/names.js';
import type { FeedbackValue, ManifestWork } from '../src/api/ocm.js';
import type { WantedCondition } from '../src/kube/conditions.js';
import { conditionTypes as T, reasons as R } from './names.js';
import { feedbackOf, intValue } from './works.js';

export interface ClusterObservation {
  /** The ManagedCluster's ManagedClusterConditionAvailable status. */
  clusterAvailable: string | undefined;
  /** That condition's reason and message: OCM's registration controller copies them to every addon of an Unknown cluster. */
  clusterCondition?: { reason: string; message: string } | undefined;
  works: readonly ManifestWork[];
}

/** How submariner-addon names each agent in SubmarinerAgentDegraded's reasons. */
const agentReasonNames: Record<AgentComponent, { kind: 'DaemonSet' | 'Deployment'; name: string; plural?: string; scheduled?: string }> = {
  gateway: { kind: 'DaemonSet', name: 'Gateway', plural: 'Gateways', scheduled: 'NoScheduledGateways' },
  routeagent: { kind: 'DaemonSet', name: 'RouteAgent', plural: 'RouteAgents' },
  globalnet: { kind: 'DaemonSet', name: 'Globalnet', plural: 'Globalnet', scheduled: 'NoScheduledGlobalnet' },
  'lighthouse-agent': { kind: 'Deployment', name: 'LighthouseAgent' },
  'lighthouse-dns': { kind: 'Deployment', name: 'LighthouseCoreDNS' },
  operator: { kind: 'Deployment', name: 'Operator' },
};

const componentOf = (name: string): AgentComponent | undefined =>
  (Object.keys(names.workload) as AgentComponent[]).find((c) => names.workload[c] === name);

export interface AgentRollout {
  component: AgentComponent;
  kind: 'DaemonSet' | 'Deployment';
  name: string;
  /** undefined: no feedback yet. */
  desired: number | undefined;
  ready: number;
  updated: number;
  /** Whether the workload's controller has seen its latest spec. */
  current: boolean;
  /** Whether the managed cluster's copy runs in uninstall mode. */
  uninstalling: boolean;
}

/** The agents the works deliver, with what the managed cluster reports of each. */
export function agentRollouts(works: readonly ManifestWork[]): AgentRollout[] {
  const out: AgentRollout[] = [];
  for (const w of works) {
    for (const m of w.spec.workload.manifests) {
      const kind = m.kind;
      const name = (m.metadata as { name?: string } | undefined)?.name ?? '';
      const component = componentOf(name);
      if ((kind !== 'DaemonSet' && kind !== 'Deployment') || component === undefined) continue;
      const f = feedbackOf(works, kind, name);
      const ds = kind === 'DaemonSet';
      const desired = f === undefined ? undefined : ds ? (intValue(f, 'DesiredNumberScheduled') ?? 0) : (intValue(f, 'specReplicas') ?? intValue(f, 'Replicas') ?? 0);
      const generation = intValue(f, 'generation');
      const observed = intValue(f, 'observedGeneration');
      out.push({
        component,
        kind,
        name,
        desired,
        ready: (ds ? intValue(f, 'NumberReady') : intValue(f, 'ReadyReplicas')) ?? 0,
        updated: intValue(f, 'updated') ?? 0,
        current: generation === undefined || (observed !== undefined && observed >= generation),
        uninstalling: f?.get('uninstall')?.string === 'true',
      });
    }
  }
  return out;
}

/** Whether an agent runs its latest spec on every pod it should have, all ready. */
export function rolledOut(a: AgentRollout): boolean {
  return a.desired !== undefined && a.current && a.updated >= a.desired && a.ready >= a.desired;
}

/** A feedback value the work agent reports as a string for one result and as a JSON list for several. */
function stringList(value: FeedbackValue['fieldValue'] | undefined): string[] | undefined {
  if (value?.type === 'String' && value.string !== undefined) return [value.string];
  if (value?.type !== 'JsonRaw' || value.jsonRaw === undefined) return undefined;
  try {
    const parsed = JSON.parse(value.jsonRaw) as unknown;
    return Array.isArray(parsed) ? parsed.map(String) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The gateways' HA state and the active gateway's connections, as the deploy work's feedback on the Submariner object
 * reports them (works.ts gatewayFeedback); undefined while no gateway has reported.
 */
export function gatewayStatuses(works: readonly ManifestWork[]): Pick<GatewayStatus, 'haStatus' | 'connections'>[] | undefined {
  const f = feedbackOf(works, 'Submariner', names.submarinerCR);
  const ha = stringList(f?.get('gatewayHA'));
  if (ha === undefined) return undefined;
  const clusters = stringList(f?.get('connectionClusters')) ?? [];
  const states = stringList(f?.get('connectionStates')) ?? [];
  // RTTs are missing for connections not measured yet; they are shown only when every connection has one.
  const rtts = stringList(f?.get('connectionRTTs')) ?? [];
  const connections = clusters.map((cluster_id, i) => ({
    endpoint: { cluster_id },
    status: states[i] ?? 'unknown',
    ...(rtts.length === clusters.length ? { latencyRTT: { average: rtts[i] } } : {}),
  }));
  return ha.map((haStatus) => ({ haStatus, connections: haStatus === 'active' ? connections : [] }) as Pick<GatewayStatus, 'haStatus' | 'connections'>);
}

const workCondition = (w: ManifestWork, type: string): Condition | undefined => w.status?.conditions?.find((c) => c.type === type);

/** Why the work agent could not apply a work: each refused manifest with its API server's answer, else the work's message. */
function applyFailure(w: ManifestWork): string {
  const refused = (w.status?.resourceStatus?.manifests ?? []).flatMap((m) => {
    const c = m.conditions?.find((x) => x.type === ocm.workConditions.applied && x.status === 'False');
    const { kind, namespace, name } = m.resourceMeta;
    return c === undefined ? [] : [`${kind ?? ''} ${namespace ? `${namespace}/` : ''}${name ?? ''}: ${c.message}`];
  });
  return `${w.metadata.name ?? ''}: ${refused.length > 0 ? refused.join('; ') : (workCondition(w, ocm.workConditions.applied)?.message ?? '')}`;
}

function manifestApplied(works: readonly ManifestWork[]): WantedCondition {
  const c = (status: 'True' | 'False' | 'Unknown', reason: string, message: string): WantedCondition => ({ type: T.manifestApplied, status, reason, message });
  if (works.length === 0) return c('False', R.workNotFound, 'no ManifestWork delivers the agents yet');
  const failed = works.filter((w) => workCondition(w, ocm.workConditions.applied)?.status === 'False');
  if (failed.length > 0) return c('False', R.manifestApplyFailed, failed.map(applyFailure).join('; '));
  const pending = works.filter((w) => {
    const applied = workCondition(w, ocm.workConditions.applied);
    return applied?.status !== 'True' || (applied.observedGeneration ?? 0) < (w.metadata.generation ?? 0);
  });
  if (pending.length > 0) return c('Unknown', R.manifestPending, `waiting for the work agent to apply ${pending.map((w) => w.metadata.name ?? '').join(', ')}`);
  return c('True', R.manifestApplied, `${works.length} ManifestWork${works.length > 1 ? 's' : ''} applied`);
}

function agentDegraded(agents: readonly AgentRollout[]): WantedCondition {
  const problems: string[] = [];
  const details: string[] = [];
  for (const a of agents) {
    const n = agentReasonNames[a.component];
    if (a.desired === undefined) {
      problems.push(`No${n.name}${a.kind}`);
      details.push(`no status of ${a.kind} ${a.name} yet`);
    } else if (a.desired === 0 && n.scheduled !== undefined) {
      problems.push(n.scheduled);
      details.push(`${a.kind} ${a.name} is scheduled on no node`);
    } else if (!rolledOut(a)) {
      problems.push(a.kind === 'DaemonSet' ? `${n.plural ?? n.name}Unavailable` : `No${n.name}Available`);
      details.push(`${a.kind} ${a.name}: ${a.ready}/${a.desired} ready, ${a.updated} updated`);
    }
  }
  if (problems.length === 0) return { type: T.agentDegraded, status: 'False', reason: R.agentDeployed, message: 'the Submariner agents are deployed and ready' };
  return { type: T.agentDegraded, status: 'True', reason: problems.join(','), message: details.join('; ') };
}

function connectionDegraded(gateways: readonly Pick<GatewayStatus, 'haStatus' | 'connections'>[] | undefined, connectivity: boolean): WantedCondition[] {
  if (!connectivity) return [];
  const active = gateways?.find((g) => g.haStatus === 'active');
  if (active === undefined) {
    return [{ type: T.connectionDegraded, status: 'Unknown', reason: R.noGatewayStatus, message: 'no active gateway has reported its connections' }];
  }
  const conns = active.connections;
  if (conns.length === 0) return [{ type: T.connectionDegraded, status: 'True', reason: R.connectionsNotEstablished, message: 'no connection to another cluster yet' }];
  const bad = conns.filter((c) => c.status !== 'connected');
  if (bad.length > 0) {
    return [
      {
        type: T.connectionDegraded,
        status: 'True',
        reason: R.connectionsDegraded,
        message: bad.map((c) => `${c.endpoint.cluster_id}: ${c.status}${c.statusMessage ? ` (${c.statusMessage})` : ''}`).join('; '),
      },
    ];
  }
  return [{ type: T.connectionDegraded, status: 'False', reason: R.connectionsEstablished, message: `connected to ${conns.map((c) => c.endpoint.cluster_id).join(', ')}` }];
}

/**
 * Route agents carry traffic to the active gateway; without their own status on the hub, their connections count as
 * established when every route agent runs its latest spec and the gateway's connections are up.
 */
function routeAgentDegraded(agents: readonly AgentRollout[], connection: WantedCondition | undefined): WantedCondition[] {
  const ra = agents.find((a) => a.component === 'routeagent');
  if (ra === undefined) return [];
  const type = T.routeAgentConnectionDegraded;
  if (!rolledOut(ra)) return [{ type, status: 'True', reason: R.connectionsDegraded, message: `route agents: ${ra.ready}/${ra.desired ?? '?'} ready` }];
  if (connection?.status !== 'False') return [{ type, status: 'Unknown', reason: connection?.reason ?? R.noGatewayStatus, message: 'the gateway connections are not established' }];
  return [{ type, status: 'False', reason: R.connectionsEstablished, message: `${ra.ready} route agent${ra.ready === 1 ? '' : 's'} ready` }];
}

function gatewaysLabeled(agents: readonly AgentRollout[]): WantedCondition[] {
  const gw = agents.find((a) => a.component === 'gateway');
  if (gw === undefined || gw.desired === undefined) return [];
  const type = T.gatewaysLabeled;
  if (gw.desired === 0) return [{ type, status: 'False', reason: R.insufficientNodes, message: 'no node is labelled as a gateway' }];
  return [{ type, status: 'True', reason: R.gatewaysLabeled, message: `${gw.desired} gateway node${gw.desired === 1 ? '' : 's'} labelled` }];
}

/**
 * The ManagedClusterAddOn conditions for what a cluster's works report. A cluster that has gone away (its
 * ManagedCluster not Available) reads Unknown rather than failed: Available as OCM's registration controller sets it
 * for an Unknown cluster (the cluster's own reason and message), and each agent condition Unknown with what it last
 * reported, as Kubernetes does with the conditions of a node that stopped reporting.
 */
export function addonConditions(o: ClusterObservation): WantedCondition[] {
  const applied = manifestApplied(o.works);
  const agents = agentRollouts(o.works);
  const connectivity = agents.some((a) => a.component === 'gateway');
  const degraded = agentDegraded(agents);
  const [connection] = connectionDegraded(gatewayStatuses(o.works), connectivity);
  const reported = [degraded, ...(connection ? [connection] : []), ...routeAgentDegraded(agents, connection), ...gatewaysLabeled(agents)];
  if (o.clusterAvailable !== 'True') {
    const away =
      o.clusterAvailable === 'Unknown' && o.clusterCondition !== undefined
        ? { reason: o.clusterCondition.reason, message: o.clusterCondition.message }
        : { reason: R.clusterUnavailable, message: `the managed cluster is ${o.clusterAvailable === 'False' ? 'not available' : 'not reporting'}: its status is unknown` };
    const unknown = (c: WantedCondition): WantedCondition => ({ type: c.type, status: 'Unknown', reason: away.reason, message: `${away.message} (last reported: ${c.status} ${c.reason})` });
    return [applied, { type: T.available, status: 'Unknown', ...away }, ...reported.map(unknown)];
  }
  const worksAvailable = o.works.length > 0 && o.works.every((w) => workCondition(w, ocm.workConditions.available)?.status === 'True');
  const available: WantedCondition =
    applied.status === 'True' && worksAvailable && degraded.status === 'False'
      ? { type: T.available, status: 'True', reason: R.probeAvailable, message: 'the Submariner agents are available' }
      : { type: T.available, status: 'False', reason: R.probeUnavailable, message: applied.status !== 'True' ? applied.message : degraded.status !== 'False' ? degraded.message : 'the works are not available yet' };
  return [applied, available, ...reported];
}

/** The connections of a cluster's active gateway, for `addon status`: remote cluster, state and average RTT. */
export function connectionSummary(works: readonly ManifestWork[]): { cluster: string; status: string; rtt: string | undefined }[] {
  const active = gatewayStatuses(works)?.find((g) => g.haStatus === 'active');
  return (active?.connections ?? []).map((c) => ({ cluster: c.endpoint.cluster_id, status: c.status, rtt: c.latencyRTT?.average }));
}
