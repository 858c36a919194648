// The one place GlobalNet's rules and ipsets are programmed: controllers contribute their part of the
// intent by key, and each program() makes the kernel hold the whole of it in one batch.

import type { IpSets } from '../net/ipset.js';
import type { PacketFilter } from '../net/packetfilter/model.js';
import { ipsetPrefix, packetFilterOwner } from './constants.js';
import { emptyIntent, planRules, type BackendIngress, type GlobalnetIntent, type ServicePort } from './plan.js';

/** One controller's part of the intent, stored under the key of the object it comes from. */
export type Contribution =
  | { kind: 'remote'; cidrs: readonly string[] }
  | { kind: 'cluster-egress'; sources: readonly string[]; ips: readonly string[] }
  | { kind: 'pod-egress' | 'namespace-egress'; set: string; ips: readonly string[]; members: readonly string[] }
  /** `kubeProxyChain` of each port is kube-proxy's chain name; it is used only when kube-proxy has the chain. */
  | { kind: 'service'; globalIp: string; clusterIp: string; ports: readonly (ServicePort & { kubeProxyChain: string })[] }
  | ({ kind: 'headless-pod' | 'headless-endpoints' } & BackendIngress)
  | { kind: 'gateway'; globalIp: string; cniIp: string };

export interface DataplaneDeps {
  packetFilter: PacketFilter;
  ipsets: IpSets;
}

export interface ProgramResult {
  changed: boolean;
  /** Ports whose kube-proxy chain does not exist (yet): they are DNATed to the ClusterIP meanwhile. */
  missingKubeProxyChains: number;
}

export class Dataplane {
  private readonly parts = new Map<string, Contribution>();

  constructor(private readonly deps: DataplaneDeps) {}

  set(key: string, part: Contribution): void {
    this.parts.set(key, part);
  }

  delete(key: string): void {
    this.parts.delete(key);
  }

  clear(): void {
    this.parts.clear();
  }

  get size(): number {
    return this.parts.size;
  }

  /** The intent of every contribution; a service port enters kube-proxy's chain only when it is in `natChains`, the nat table's chains. */
  intent(natChains: ReadonlySet<string> = new Set()): { intent: GlobalnetIntent; missing: number } {
    const i = emptyIntent();
    const remote: string[] = [];
    const podEgress: GlobalnetIntent['podEgress'][number][] = [];
    const namespaceEgress: GlobalnetIntent['namespaceEgress'][number][] = [];
    const services: GlobalnetIntent['services'][number][] = [];
    const headlessPods: BackendIngress[] = [];
    const headlessEndpoints: BackendIngress[] = [];
    const ipsets = new Map<string, readonly string[]>();
    let clusterEgress: GlobalnetIntent['clusterEgress'];
    let gateway: GlobalnetIntent['gateway'];
    let missing = 0;
    for (const p of this.parts.values()) {
      switch (p.kind) {
        case 'remote':
          remote.push(...p.cidrs);
          break;
        case 'cluster-egress':
          clusterEgress = { sources: p.sources, ips: p.ips };
          break;
        case 'pod-egress':
        case 'namespace-egress':
          (p.kind === 'pod-egress' ? podEgress : namespaceEgress).push({ set: p.set, ips: p.ips });
          ipsets.set(p.set, [...p.members].sort());
          break;
        case 'service':
          services.push({
            globalIp: p.globalIp,
            clusterIp: p.clusterIp,
            ports: p.ports.map((port) => {
              const present = natChains.has(port.kubeProxyChain);
              if (!present) missing++;
              return { proto: port.proto, port: port.port, kubeProxyChain: present ? port.kubeProxyChain : undefined };
            }),
          });
          break;
        case 'headless-pod':
          headlessPods.push({ globalIp: p.globalIp, ip: p.ip });
          break;
        case 'headless-endpoints':
          headlessEndpoints.push({ globalIp: p.globalIp, ip: p.ip });
          break;
        case 'gateway':
          gateway = { globalIp: p.globalIp, cniIp: p.cniIp };
          break;
      }
    }
    const intent: GlobalnetIntent = { ...i, remoteCidrs: remote, clusterEgress, podEgress, namespaceEgress, services, headlessPods, headlessEndpoints, gateway, ipsets };
    return { intent, missing };
  }

  /** Makes the kernel hold the intent: sets first (the rules name them), then the rules, then sets no rule names go. */
  async program(): Promise<ProgramResult> {
    const { intent } = this.intent();
    const sets = await this.deps.ipsets.sync(intent.ipsets);
    let missing = 0;
    const rules = await this.deps.packetFilter.apply({
      owner: packetFilterOwner,
      // kube-proxy's chains are looked up in the same read of the nat table the rules are compared with.
      plan: (existing) => {
        const planned = this.intent(existing('nat'));
        missing = planned.missing;
        return planRules(planned.intent).chains;
      },
    });
    const stale = [...(await this.deps.ipsets.list(ipsetPrefix)).keys()].filter((n) => !intent.ipsets.has(n));
    const destroyed = stale.length > 0 ? await this.deps.ipsets.destroy(stale) : { changed: false };
    return { changed: sets.changed || rules.changed || destroyed.changed, missingKubeProxyChains: missing };
  }

  /** Removes every GlobalNet chain, rule and ipset from the node. */
  async uninstall(): Promise<{ changed: boolean }> {
    this.parts.clear();
    const rules = await this.deps.packetFilter.remove(packetFilterOwner);
    const sets = await this.deps.ipsets.destroy([...(await this.deps.ipsets.list(ipsetPrefix)).keys()]);
    return { changed: rules.changed || sets.changed };
  }
}
