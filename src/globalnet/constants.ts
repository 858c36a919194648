import { leaderElection as agentLeaderElection } from '../api/agent-env.js';
import type { Mark, Owner } from '../net/packetfilter/model.js';

/** GlobalNet's nat chains (Submariner's names). */
export const chains = {
  /** DNAT of global IPs to their targets; hooked first in PREROUTING. */
  ingress: 'SUBMARINER-GN-INGRESS',
  /** Jumped to first from the route agent's SUBMARINER-POSTROUTING; jumps to the chains below in order. */
  egress: 'SUBMARINER-GN-EGRESS',
  /** Marks traffic towards remote global CIDRs. */
  mark: 'SUBMARINER-GN-MARK',
  egressPods: 'SM-GN-EGRESS-PODS',
  egressHeadlessPods: 'SM-GN-EGRESS-HDLS-PODS',
  egressHeadlessEndpoints: 'SM-GN-EGRESS-HDLS-EPS',
  egressNamespace: 'SM-GN-EGRESS-NS',
  egressCluster: 'SM-GN-EGRESS-CLUSTER',
} as const;

/** The order SUBMARINER-GN-EGRESS jumps in: the first SNAT wins, so pod selector > headless pod > namespace > cluster. */
export const egressOrder = [
  chains.mark,
  chains.egressPods,
  chains.egressHeadlessPods,
  chains.egressHeadlessEndpoints,
  chains.egressNamespace,
  chains.egressCluster,
] as const;

/** The route agent's nat chain GlobalNet's egress is hooked from. */
export const routeAgentPostrouting = 'SUBMARINER-POSTROUTING';

/** kube-proxy's per-service-port chains, which ingress rules jump into. */
export const kubeProxyServiceChainPrefix = 'KUBE-SVC-';

/** GlobalNet as an owner of packet-filter chains: uninstall removes exactly these. */
export const packetFilterOwner: Owner = {
  name: 'globalnet',
  chains: [chains.ingress, chains.egress, ...egressOrder].map((name) => ({ table: 'nat' as const, name })),
  jumpsInto: [kubeProxyServiceChainPrefix],
};

/** Every SNAT matches this mark, set by SUBMARINER-GN-MARK on traffic to remote global CIDRs. */
export const globalnetMark: Mark = { value: 0xc0000, mask: 0xc0000 };

/** Prefix of GlobalNet's ipsets (`SM-GN-` + 25 characters of a hash). */
export const ipsetPrefix = 'SM-GN-';

/** Most IPs one GlobalEgressIP or ClusterGlobalEgressIP may ask for. */
export const maxEgressIPs = 20;

/**
 * Leader election among the GlobalNet pods of the gateway nodes: the gateway's timings (Submariner uses 20 s,
 * 15 s and 2 s), so that GlobalNet follows a gateway failover as quickly as the gateway itself fails over.
 */
export const leaderElection = {
  leaseDurationMs: Number(agentLeaderElection.leaseDuration) * 1000,
  renewDeadlineMs: Number(agentLeaderElection.renewDeadline) * 1000,
  retryPeriodMs: Number(agentLeaderElection.retryPeriod) * 1000,
} as const;

/**
 * How long one iptables-save, iptables-restore or ipset run may take: a gateway exporting tens of thousands of
 * Services writes that many rules in one batch, which takes longer than the command runner's default on a busy node.
 */
export const kernelTimeoutMs = 120_000;

/** Full re-sync interval: repairs rules changed behind the agent's back. */
export const resyncMs = 30_000;

/** Prometheus metric names (Submariner's). */
export const metricNames = {
  availability: 'submariner_global_IP_availability',
  allocated: 'submariner_global_IP_allocated',
} as const;
