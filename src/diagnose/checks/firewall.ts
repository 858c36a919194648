import { backendConfig } from '../../api/names.js';
import type { ExecResult } from '../../kube/exec.js';
import { ports } from '../../api/agent-env.js';
import { names } from '../../api/names.js';
import { vxlan } from '../../routeagent/constants.js';
import { fail, pass, skip, type CheckResult, type Finding } from '../model.js';
import { activeGateway, agentPods, clusterIdOf, nodeIp, podRunning, type ClusterInputs } from '../inputs.js';

/** The UDP paths Submariner needs: gateway to gateway on the tunnel and NAT-discovery ports, node to gateway on VXLAN. */
export type ProbeKind = 'tunnel' | 'nat-discovery' | 'vxlan';

export interface ProbeEnd {
  context: string;
  node: string;
  /** The host-network agent pod the probe runs in (it shares the node's network namespace). */
  pod: { namespace: string; name: string; container: string };
}

/** One probe to send: real UDP packets from one node to another's port. */
export interface ProbePlan {
  kind: ProbeKind;
  port: number;
  from: ProbeEnd;
  to: ProbeEnd & { ip: string };
}

/** A probe as it ran: the sender's output (its source ports), and the receiver's connection-tracking table and rules afterwards. */
export interface ProbeRecord extends ProbePlan {
  /** A port nothing filters, probed alongside to tell a blocked port from a path that loses everything. */
  controlPort: number;
  sender: ExecResult;
  /** `cat /proc/net/nf_conntrack` in the receiver's network namespace. */
  conntrack: ExecResult;
  /** `iptables-save` of the receiver, then of the sender, to name the rule that drops the probe. */
  receiverRules?: string | undefined;
  senderRules?: string | undefined;
}

export const probeCount = 5;

/**
 * The sender, run with `node -e` in the sending agent pod: binds two UDP sockets to ephemeral ports, sends
 * `probeCount` datagrams from each (one to the probed port, one to the control port) and prints both source ports.
 */
export const senderScript = [
  "const d=require('dgram');const [ip,port,ctl,n]=process.argv.slice(1);",
  "const a=d.createSocket('udp4'),b=d.createSocket('udp4');const m=Buffer.from('kubectl-submariner diagnose firewall');",
  "a.on('error',()=>{});b.on('error',()=>{});",
  'a.bind(0,()=>b.bind(0,()=>{let i=0;const t=setInterval(()=>{a.send(m,+port,ip);b.send(m,+ctl,ip);',
  "if(++i>=+n){clearInterval(t);setTimeout(()=>{console.log(a.address().port+' '+b.address().port);process.exit(0)},200)}},50)}));",
].join('');

export interface ConntrackEntry {
  protocol: string;
  src: string;
  dst: string;
  sport: number;
  dport: number;
}

/** The original-direction tuples of /proc/net/nf_conntrack. */
export function parseConntrack(text: string): ConntrackEntry[] {
  return text
    .split('\n')
    .map((line) => {
      const protocol = /^\S+\s+\d+\s+(\S+)/.exec(line)?.[1];
      const field = (k: string): string | undefined => new RegExp(`\\b${k}=(\\S+)`).exec(line)?.[1];
      const src = field('src');
      const dst = field('dst');
      const sport = field('sport');
      const dport = field('dport');
      if (!protocol || !src || !dst || !sport || !dport) return undefined;
      return { protocol, src, dst, sport: Number(sport), dport: Number(dport) };
    })
    .filter((e): e is ConntrackEntry => e !== undefined);
}

/** Rules of an iptables-save dump that drop or reject UDP to `port`. */
export function blockingRules(iptablesSave: string | undefined, port: number): string[] {
  if (!iptablesSave) return [];
  return iptablesSave
    .split('\n')
    .filter((l) => l.startsWith('-A ') && / -j (DROP|REJECT)\b/.test(l))
    .filter((l) => new RegExp(`--dport ${port}\\b|--dports (\\S*,)?${port}\\b`).test(l) && !/ -p tcp\b/.test(l));
}

const kindText: Record<ProbeKind, string> = { tunnel: 'tunnel', 'nat-discovery': 'NAT discovery', vxlan: 'VXLAN' };

/** The verdict on one probe: passed, blocked (naming the rule when one is found), or lost on the whole path. */
export function probeVerdict(r: ProbeRecord): Finding {
  const what = `UDP ${r.port} (${kindText[r.kind]}) from ${r.from.node} to ${r.to.node}`;
  const [sport, controlSport] = r.sender.stdout.trim().split(/\s+/).map(Number);
  if (r.sender.code !== 0 || !sport || !controlSport) return skip(`could not send ${what}: ${r.sender.stderr.trim() || `exit ${r.sender.code}`}`);
  if (r.conntrack.code !== 0) return skip(`cannot tell whether ${what} arrives: the connection tracking table of ${r.to.node} is not readable (${r.conntrack.stderr.trim()})`);
  const entries = parseConntrack(r.conntrack.stdout).filter((e) => e.protocol === 'udp');
  const seen = (sp: number, dp: number): boolean => entries.some((e) => e.sport === sp && e.dport === dp);
  if (seen(sport, r.port)) return pass(`${what} passes`);
  const rules = [...blockingRules(r.receiverRules, r.port).map((l) => `${l} (on ${r.to.node})`), ...blockingRules(r.senderRules, r.port).map((l) => `${l} (on ${r.from.node})`)];
  const named = rules.length > 0 ? `; the rule ${rules.map((l) => `\`${l}\``).join(' and ')} drops it` : '';
  if (seen(controlSport, r.controlPort)) {
    return fail(`${what} is blocked${named}`, `allow UDP ${r.port} from ${r.from.node} to ${r.to.node} in the firewalls between them (cloud security groups, host iptables)${rules.length > 0 ? ', and delete the rule named' : ''}`);
  }
  return fail(`no UDP from ${r.from.node} reaches ${r.to.node} (${r.to.ip}): neither port ${r.port} nor the control port ${r.controlPort}${named}`, `check the routes and firewalls between ${r.from.node} and ${r.to.ip}`);
}

const gatewayPod = (c: ClusterInputs): ProbeEnd | undefined => {
  const gw = activeGateway(c);
  const node = gw?.metadata.name;
  const pod = agentPods(c, 'gateway').find((p) => podRunning(p) && p.spec?.nodeName === node);
  if (!gw || !node || !pod) return undefined;
  return { context: c.context, node, pod: { namespace: c.namespace, name: pod.metadata?.name ?? '', container: names.workload.gateway } };
};

/** The probes between the clusters' active gateways (each direction) and from each node to its active gateway. */
export function planProbes(clusters: readonly ClusterInputs[]): { plans: ProbePlan[]; skipped: { context: string; finding: Finding }[] } {
  const plans: ProbePlan[] = [];
  const skipped: { context: string; finding: Finding }[] = [];
  for (const to of clusters) {
    if (!to.submariner) continue;
    const receiver = gatewayPod(to);
    if (!receiver) {
      skipped.push({ context: to.context, finding: skip('no active gateway pod to receive probes') });
      continue;
    }
    const toId = clusterIdOf(to);
    const gwNode = to.nodes.find((n) => n.metadata?.name === receiver.node);
    // node -> gateway on VXLAN, from every other node's route-agent pod
    for (const p of agentPods(to, 'routeagent').filter(podRunning)) {
      const node = p.spec?.nodeName ?? '';
      const ip = nodeIp(gwNode);
      if (node === receiver.node || !ip) continue;
      const ra = agentPods(to, 'routeagent').find((q) => podRunning(q) && q.spec?.nodeName === receiver.node);
      if (!ra) continue;
      plans.push({
        kind: 'vxlan',
        port: vxlan.port,
        from: { context: to.context, node, pod: { namespace: to.namespace, name: p.metadata?.name ?? '', container: names.workload.routeagent } },
        to: { context: to.context, node: receiver.node, ip, pod: { namespace: to.namespace, name: ra.metadata?.name ?? '', container: names.workload.routeagent } },
      });
    }
    for (const from of clusters) {
      if (from === to || !from.submariner) continue;
      const sender = gatewayPod(from);
      if (!sender) {
        skipped.push({ context: to.context, finding: skip(`${from.context} has no active gateway pod to send probes from`) });
        continue;
      }
      const conn = activeGateway(from)?.status?.connections.find((c) => c.endpoint.cluster_id === toId);
      const ep = to.endpoints.find((e) => e.spec.cluster_id === toId)?.spec;
      const ip = conn?.usingIP ?? conn?.endpoint.private_ip ?? ep?.private_ip;
      if (!ip) {
        skipped.push({ context: to.context, finding: skip(`${from.context} has no address for ${toId}'s gateway (no connection or Endpoint yet)`) });
        continue;
      }
      const config = ep?.backend_config ?? conn?.endpoint.backend_config ?? {};
      const natt = Number(config[backendConfig.udpPort] ?? to.submariner.spec.ceIPSecNATTPort ?? ports.defaultNatt);
      const discovery = Number(config[backendConfig.nattDiscoveryPort] ?? ports.defaultNattDiscovery);
      plans.push({ kind: 'tunnel', port: natt, from: sender, to: { ...receiver, ip } });
      if (discovery > 0) plans.push({ kind: 'nat-discovery', port: discovery, from: sender, to: { ...receiver, ip } });
    }
  }
  return { plans, skipped };
}

/** The firewall verdict of one cluster: the probes it received. */
export function checkFirewall(context: string, records: readonly ProbeRecord[], skipped: readonly Finding[], single: boolean): CheckResult {
  const findings = [...records.filter((r) => r.to.context === context).map(probeVerdict), ...skipped];
  if (single) findings.push(skip('the tunnel and NAT-discovery ports need a second cluster: pass --contexts with both, or leave --contexts out to use every context'));
  if (findings.length === 0) findings.push(skip('nothing to probe (no gateway, and no node besides the gateway)'));
  return {
    check: 'firewall',
    context,
    lookedAt: `UDP probes sent by node -e from the agent pods of the sending nodes, and /proc/net/nf_conntrack and iptables-save of the receiving node (a probe that passes the receiver's firewall leaves a connection-tracking entry)`,
    findings,
  };
}
