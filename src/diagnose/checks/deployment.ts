import type { V1Container, V1DaemonSet, V1Deployment, V1Pod } from '@kubernetes/client-node';
import { cidrsOverlap } from '../../net/cidr.js';
import { agentComponents, componentEnv, gatewayEnv, type AgentComponent } from '../../api/agent-env.js';
import { names } from '../../api/names.js';
import { vxlan } from '../../routeagent/constants.js';
import { fail, pass, skip, type CheckResult, type Finding } from '../model.js';
import { podRunning, type ClusterInputs } from '../inputs.js';

/** Restarts from which a pod counts as crash-looping. */
export const maxRestarts = 5;
/** TCP and IPv4 headers under the MSS. */
const tcpIpHeaders = 40;

/**
 * Variables of the contract a workload may leave out: optional ones with defaults, and ones an agent does without,
 * so that a workload rendered before they were added is not out of date for them.
 */
const optionalEnv = new Set<string>(['LIGHTHOUSE_DISCONNECT_GRACE_SECONDS', 'SUBMARINER_DEBUG', gatewayEnv.goMaxProcs]);

type Workload = { kind: 'DaemonSet'; obj: V1DaemonSet } | { kind: 'Deployment'; obj: V1Deployment };

function componentOf(name: string | undefined): AgentComponent | undefined {
  return agentComponents.find((c) => names.workload[c] === name);
}

function workloadReady(w: Workload): Finding {
  const name = `${w.kind} ${w.obj.metadata?.name ?? ''}`;
  if (w.kind === 'DaemonSet') {
    const s = w.obj.status;
    const want = s?.desiredNumberScheduled ?? 0;
    const ready = s?.numberReady ?? 0;
    return ready === want && want > 0
      ? pass(`${name} has ${ready}/${want} pods ready`)
      : fail(`${name} has ${ready}/${want} pods ready`, `kubectl -n ${w.obj.metadata?.namespace ?? ''} describe daemonset ${w.obj.metadata?.name ?? ''}, then read the log of the pods that are not ready`);
  }
  const want = w.obj.spec?.replicas ?? 1;
  const ready = w.obj.status?.readyReplicas ?? 0;
  return ready >= want
    ? pass(`${name} has ${ready}/${want} replicas ready`)
    : fail(`${name} has ${ready}/${want} replicas ready`, `kubectl -n ${w.obj.metadata?.namespace ?? ''} describe deployment ${w.obj.metadata?.name ?? ''}, then read the log of its pods`);
}

type Env = NonNullable<V1Container['env']>;
const envText = (e: Env[number]): string => (e.value !== undefined ? `${e.name}=${e.value}` : `${e.name} from ${JSON.stringify(e.valueFrom ?? {})}`);

/** The rendered contract against the workload: every variable the agent reads is set, with the Submariner object's values. */
function contractFindings(inputs: Pick<ClusterInputs, 'submariner'>, component: AgentComponent, w: Workload): Finding[] {
  const container = w.obj.spec?.template.spec?.containers[0];
  const env = container?.env ?? [];
  const name = `${w.kind} ${w.obj.metadata?.name ?? ''}`;
  const findings: Finding[] = [];
  const missing = Object.values(componentEnv[component]).filter((v) => !optionalEnv.has(v) && !env.some((e) => e.name === v));
  if (missing.length > 0) {
    findings.push(fail(`${name} does not set ${[...new Set(missing)].join(', ')}, which the ${component} agent reads`, 'join the cluster again with this version of kubectl-submariner so that the agents are rendered anew'));
  }
  const s = inputs.submariner?.spec;
  if (s && (component === 'gateway' || component === 'routeagent' || component === 'globalnet')) {
    const expected: Record<string, string | undefined> = {
      [gatewayEnv.clusterId]: s.clusterID,
      [gatewayEnv.namespace]: s.namespace,
      ...(component === 'gateway'
        ? { [gatewayEnv.cableDriver]: s.cableDriver, [gatewayEnv.nattPort]: s.ceIPSecNATTPort === undefined ? undefined : String(s.ceIPSecNATTPort) }
        : {}),
    };
    for (const [k, want] of Object.entries(expected)) {
      const got = env.find((e) => e.name === k)?.value;
      if (want !== undefined && got !== undefined && got !== want) {
        findings.push(fail(`${name} runs with ${k}=${got} but the Submariner object says ${want}`, 'join the cluster again so that the agents match the Submariner object'));
      }
    }
  }
  return findings;
}

/** A pod against its workload's template: same image and environment, running, ready, not crash-looping. */
function podFindings(p: V1Pod, template: V1Container | undefined): Finding[] {
  const name = p.metadata?.name ?? '';
  const where = p.spec?.nodeName ? ` on ${p.spec.nodeName}` : '';
  const findings: Finding[] = [];
  if (!podRunning(p)) findings.push(fail(`pod ${name}${where} is ${p.status?.phase ?? 'unknown'}`, `kubectl -n ${p.metadata?.namespace ?? ''} describe pod ${name}`));
  const running = p.spec?.containers[0];
  const status = p.status?.containerStatuses?.[0];
  if (podRunning(p) && status && !status.ready) findings.push(fail(`pod ${name}${where} is running but not ready`, `kubectl -n ${p.metadata?.namespace ?? ''} logs ${name}`));
  const restarts = status?.restartCount ?? 0;
  if (restarts >= maxRestarts) {
    findings.push(fail(`pod ${name}${where} has restarted ${restarts} times`, `kubectl -n ${p.metadata?.namespace ?? ''} logs ${name} --previous shows why it stopped`));
  }
  if (template && running) {
    if (template.image !== running.image) {
      findings.push(fail(`pod ${name} runs image ${running.image ?? ''}, its workload renders ${template.image ?? ''}`, `delete the pod so that it restarts from the current template: kubectl -n ${p.metadata?.namespace ?? ''} delete pod ${name}`));
    }
    const want = (template.env ?? []).map(envText).sort().join('\n');
    const got = (running.env ?? []).map(envText).sort().join('\n');
    if (want !== got) findings.push(fail(`pod ${name} runs with an environment other than its workload's template`, `delete the pod so that it restarts from the current template: kubectl -n ${p.metadata?.namespace ?? ''} delete pod ${name}`));
  }
  if (findings.length === 0) findings.push(pass(`pod ${name}${where} runs the rendered image and environment, ready${restarts > 0 ? `, ${restarts} restarts` : ''}`));
  return findings;
}

/** `mtu N` of interface `name` in `ip -d link show` output. */
export function linkMtu(ipLink: string, name: string): number | undefined {
  const m = new RegExp(`^\\d+: ${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[:@][^\\n]* mtu (\\d+)`, 'm').exec(ipLink);
  return m ? Number(m[1]) : undefined;
}

/** The overlay MTU against the path MTU, and the MSS clamp against the overlay, per node. */
export function mtuFindings(node: string, out: Record<string, { code: number; stdout: string }>): Finding[] {
  const link = out['ip_-d_link'];
  const route = out['ip_route_default'];
  if (!link || link.code !== 0 || !route || route.code !== 0) return [skip(`cannot read the links and default route of ${node}`)];
  const vx = linkMtu(link.stdout, vxlan.name);
  if (vx === undefined) return [skip(`${node} has no ${vxlan.name} interface yet`)];
  const dev = /\bdev (\S+)/.exec(route.stdout)?.[1];
  const path = dev ? linkMtu(link.stdout, dev) : undefined;
  if (path === undefined) return [skip(`${node} has no default route, so there is no path MTU to compare ${vxlan.name} with`)];
  const findings: Finding[] = [];
  findings.push(
    vx + vxlan.overhead <= path
      ? pass(`${vxlan.name} on ${node} has MTU ${vx}, within the path MTU ${path} of ${dev ?? ''} less ${vxlan.overhead} bytes of VXLAN`)
      : fail(`${vxlan.name} on ${node} has MTU ${vx}, but ${dev ?? ''} carries only ${path}: packets over ${path - vxlan.overhead} bytes are dropped`, `restart the route-agent pod on ${node} so that it sizes ${vxlan.name} from the path MTU`),
  );
  const mangle = out['iptables-save_mangle'];
  if (mangle?.code === 0) {
    const set = [...mangle.stdout.matchAll(/-j TCPMSS --set-mss (\d+)/g)].map((m) => Number(m[1]));
    const clamp = mangle.stdout.includes('--clamp-mss-to-pmtu');
    const largest = Math.max(0, ...set);
    if (set.length > 0 && largest + tcpIpHeaders > vx) {
      findings.push(fail(`the TCP MSS is clamped to ${largest} on ${node}, more than ${vxlan.name}'s MTU ${vx} allows (${vx - tcpIpHeaders})`, `lower the node annotation submariner.io/tcp-clamp-mss on ${node} to ${vx - tcpIpHeaders} or remove it`));
    } else if (set.length > 0 || clamp) {
      findings.push(pass(`the TCP MSS towards remote clusters is clamped ${clamp ? 'to the path MTU' : `to ${largest}`} on ${node}`));
    }
  }
  return findings;
}

/** The agents run as rendered (image, env, readiness), exactly one gateway is active, CIDRs do not overlap, and the overlay fits the path. */
export function checkDeployment(inputs: Pick<ClusterInputs, 'context' | 'daemonSets' | 'deployments' | 'pods' | 'gateways' | 'submariner' | 'serviceDiscovery' | 'clusters' | 'nodeOutputs'>): CheckResult {
  const lookedAt = 'the agents\' DaemonSets, Deployments and pods against the agent contract and the Submariner object, the Gateway objects, the Cluster objects, and `ip -d link`, `ip route` and `iptables-save -t mangle` on every node';
  const result = (findings: Finding[]): CheckResult => ({ check: 'deployment', context: inputs.context, lookedAt, findings });
  if (!inputs.submariner && !inputs.serviceDiscovery) return result([fail('Submariner is not installed in this cluster', 'join the cluster: kubectl submariner join broker-info.subm')]);
  const workloads: Workload[] = [
    ...inputs.daemonSets.map((obj) => ({ kind: 'DaemonSet' as const, obj })),
    ...inputs.deployments.map((obj) => ({ kind: 'Deployment' as const, obj })),
  ].filter((w) => componentOf(w.obj.metadata?.name) !== undefined);
  const findings: Finding[] = [];
  for (const w of workloads) {
    const component = componentOf(w.obj.metadata?.name) as AgentComponent;
    findings.push(workloadReady(w), ...contractFindings(inputs, component, w));
    const template = w.obj.spec?.template.spec?.containers[0];
    const app = names.workload[component];
    for (const p of inputs.pods.filter((p) => p.metadata?.labels?.app === app)) findings.push(...podFindings(p, template));
  }
  if (inputs.submariner) {
    const active = inputs.gateways.filter((g) => g.status?.haStatus === 'active');
    findings.push(
      active.length === 1
        ? pass(`exactly one gateway is active (${active[0]?.metadata.name ?? ''})`)
        : active.length === 0
          ? fail('no gateway is active', `label a node as gateway (kubectl label node NODE ${'submariner.io/gateway'}=true) and check the gateway pods`)
          : fail(`${active.length} gateways are active (${active.map((g) => g.metadata.name ?? '').join(', ')})`, 'check the gateways\' leader election (lease submariner-gateway-lock) and their logs'),
    );
    if (!inputs.submariner.spec.globalCIDR) findings.push(...overlapFindings(inputs.clusters));
    for (const [node, out] of Object.entries(inputs.nodeOutputs)) findings.push(...mtuFindings(node, out));
  }
  return result(findings);
}

/** Without Globalnet, no two clusters' Pod or Service CIDRs may overlap. */
function overlapFindings(clusters: ClusterInputs['clusters']): Finding[] {
  const findings: Finding[] = [];
  const cidrs = clusters.flatMap((c) => [...(c.spec.cluster_cidr ?? []), ...(c.spec.service_cidr ?? [])].map((cidr) => ({ cluster: c.spec.cluster_id, cidr })));
  for (const [i, a] of cidrs.entries()) {
    for (const b of cidrs.slice(i + 1)) {
      if (a.cluster !== b.cluster && cidrsOverlap(a.cidr, b.cidr)) {
        findings.push(fail(`${a.cluster}'s ${a.cidr} overlaps ${b.cluster}'s ${b.cidr}`, 'join the clusters with Globalnet (deploy-broker --globalnet) or give them distinct CIDRs'));
      }
    }
  }
  if (clusters.length > 1 && findings.length === 0) findings.push(pass(`the CIDRs of ${clusters.length} clusters do not overlap`));
  return findings;
}
