// What GlobalNet's allocations mean for the packet filter: a pure function from the intent (global IPs
// and what they stand for) to the owner's rule set and ipsets.

import { parseIp } from '../net/cidr.js';
import type { Proto, Rule, RuleSet } from '../net/packetfilter/model.js';
import { chains, egressOrder, globalnetMark, packetFilterOwner, routeAgentPostrouting } from './constants.js';
import { ipRange } from './ipam.js';

/** One port of an exported ClusterIP Service. */
export interface ServicePort {
  proto: Extract<Proto, 'tcp' | 'udp' | 'sctp'>;
  port: number;
  /** kube-proxy's chain for this port (KUBE-SVC-...), when it has one: the packet enters it. */
  kubeProxyChain?: string | undefined;
}

/** A global IP and the ClusterIP Service it leads to. */
export interface ServiceIngress {
  globalIp: string;
  clusterIp: string;
  ports: readonly ServicePort[];
}

/** A global IP of one backend of a headless Service: traffic to it is DNATed to the backend, and the backend's own traffic leaves as it. */
export interface BackendIngress {
  globalIp: string;
  ip: string;
}

/** Global IPs used as source by the members of an ipset (a GlobalEgressIP's pods). */
export interface SetEgress {
  set: string;
  ips: readonly string[];
}

/** Everything GlobalNet programs on the active gateway. */
export interface GlobalnetIntent {
  /** Remote clusters' global CIDRs: traffic to them is marked, and only marked traffic is SNATed. */
  remoteCidrs: readonly string[];
  /** The ClusterGlobalEgressIP: the cluster's pod and service CIDRs leave as these. */
  clusterEgress?: { sources: readonly string[]; ips: readonly string[] } | undefined;
  /** GlobalEgressIPs with a pod selector. */
  podEgress: readonly SetEgress[];
  /** GlobalEgressIPs of whole namespaces. */
  namespaceEgress: readonly SetEgress[];
  services: readonly ServiceIngress[];
  headlessPods: readonly BackendIngress[];
  headlessEndpoints: readonly BackendIngress[];
  /** The gateway's own global IP: remote health-check pings reach its CNI address. */
  gateway?: { globalIp: string; cniIp: string } | undefined;
  /** Members of each ipset the rules name. */
  ipsets: ReadonlyMap<string, readonly string[]>;
}

export const emptyIntent = (): GlobalnetIntent => ({
  remoteCidrs: [],
  podEgress: [],
  namespaceEgress: [],
  services: [],
  headlessPods: [],
  headlessEndpoints: [],
  ipsets: new Map(),
});

const byIp = <T>(ip: (t: T) => string) => (a: T, b: T): number => parseIp(ip(a)) - parseIp(ip(b));
const bySet = (a: SetEgress, b: SetEgress): number => (a.set < b.set ? -1 : a.set > b.set ? 1 : 0);
const snat = (ips: readonly string[]) => ({ type: 'snat', toSource: ipRange(ips) }) as const;

/**
 * GlobalNet's nat chains for an intent. Entries are ordered by address or set name, so the same
 * allocations always give the same rules, whatever order the objects were seen in.
 */
export function planRules(intent: GlobalnetIntent): RuleSet {
  const mark = globalnetMark;
  const ingress: Rule[] = [];
  if (intent.gateway) ingress.push({ dst: intent.gateway.globalIp, proto: 'icmp', action: { type: 'dnat', toDestination: intent.gateway.cniIp } });
  for (const s of [...intent.services].sort(byIp((x) => x.globalIp))) {
    for (const p of s.ports) {
      const match = { dst: s.globalIp, proto: p.proto, dport: p.port };
      ingress.push(
        p.kubeProxyChain !== undefined
          ? { ...match, action: { type: 'jump', chain: p.kubeProxyChain } }
          : { ...match, action: { type: 'dnat', toDestination: `${s.clusterIp}:${p.port}` } },
      );
    }
  }
  const backends = (list: readonly BackendIngress[]) => [...list].sort(byIp((b) => b.ip));
  for (const b of [...intent.headlessPods, ...intent.headlessEndpoints].sort(byIp((x) => x.globalIp))) {
    ingress.push({ dst: b.globalIp, action: { type: 'dnat', toDestination: b.ip } });
  }
  const setRules = (list: readonly SetEgress[]): Rule[] => [...list].sort(bySet).map((e) => ({ mark, srcSet: e.set, action: snat(e.ips) }));
  const backendRules = (list: readonly BackendIngress[]): Rule[] => backends(list).map((b) => ({ src: b.ip, mark, action: snat([b.globalIp]) }));
  const cluster = intent.clusterEgress;
  const rules: Record<(typeof egressOrder)[number], Rule[]> = {
    [chains.mark]: [...new Set(intent.remoteCidrs)].sort().map((dst) => ({ dst, action: { type: 'mark', set: mark } })),
    [chains.egressPods]: setRules(intent.podEgress),
    [chains.egressHeadlessPods]: backendRules(intent.headlessPods),
    [chains.egressHeadlessEndpoints]: backendRules(intent.headlessEndpoints),
    [chains.egressNamespace]: setRules(intent.namespaceEgress),
    [chains.egressCluster]: cluster && cluster.ips.length > 0 ? cluster.sources.map((src) => ({ src, mark, action: snat(cluster.ips) })) : [],
  };
  return {
    owner: packetFilterOwner,
    chains: [
      { table: 'nat', name: chains.ingress, hook: { from: 'PREROUTING' }, rules: ingress },
      { table: 'nat', name: chains.egress, hook: { from: routeAgentPostrouting }, rules: egressOrder.map((chain) => ({ action: { type: 'jump', chain } })) },
      ...egressOrder.map((name) => ({ table: 'nat' as const, name, rules: rules[name] })),
    ],
  };
}
