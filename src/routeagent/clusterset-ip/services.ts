import { isIP } from 'node:net';
import type { V1EndpointSlice } from '@kubernetes/client-node';
import type { ServiceImport } from '../../api/generated.js';
import { annotations, labels, lighthouseManagedBy } from '../../api/names.js';

export type L4Protocol = 'TCP' | 'UDP' | 'SCTP';

/** One port of a clusterset IP and the ready backends serving it, each an address and the port it listens on. */
export interface VipPort {
  name: string;
  protocol: L4Protocol;
  port: number;
  /** `address:port`, without repeats, local cluster first then in cluster order. */
  backends: string[];
}

/** A service with a clusterset IP, as the route agent programs it. */
export interface VipService {
  namespace: string;
  name: string;
  vip: string;
  /** ClientIP session affinity: how long a client sticks to its backend. */
  affinitySeconds?: number | undefined;
  ports: VipPort[];
}

/**
 * The services to program from the imported ServiceImports and the Lighthouse EndpointSlices beside them: every
 * ClusterSetIP import with an IPv4 clusterset IP in spec.ips, balanced over the ready pods each cluster publishes
 * (local pods and remote ones alike, by pod IP), or, for a cluster that publishes no pods (GlobalNet), its service's
 * global IP. Pure.
 */
export function vipServices(imports: readonly ServiceImport[], slices: readonly V1EndpointSlice[], localCluster: string): VipService[] {
  const byService = new Map<string, V1EndpointSlice[]>();
  for (const s of slices) {
    const l = s.metadata?.labels ?? {};
    // Only the copies in the service's namespace: a broker on this cluster holds every member's in its own.
    if (l[labels.managedBy] !== lighthouseManagedBy || s.addressType !== 'IPv4' || l[labels.sourceNamespace] !== s.metadata?.namespace) continue;
    const key = `${s.metadata?.namespace ?? ''}/${l[labels.serviceName] ?? ''}`;
    byService.set(key, [...(byService.get(key) ?? []), s]);
  }
  const out: VipService[] = [];
  for (const si of imports) {
    const vip = (si.spec?.ips ?? []).find((ip) => isIP(ip) === 4);
    const { namespace = '', name = '' } = si.metadata ?? {};
    // The merged imports the Lighthouse agent keeps, not a member's export on a broker that lives in this cluster.
    const merged = si.metadata?.labels?.[labels.appManagedBy] === lighthouseManagedBy;
    if (!merged || si.spec?.type !== 'ClusterSetIP' || vip === undefined || namespace === '' || name === '') continue;
    const own = byService.get(`${namespace}/${name}`) ?? [];
    const clusters = [...new Set(own.map(cluster))].sort((a, b) => (a === localCluster ? -1 : b === localCluster ? 1 : a.localeCompare(b)));
    const ports: VipPort[] = (si.spec.ports ?? []).map((p) => {
      const protocol = (p.protocol ?? 'TCP');
      const backends = new Set<string>();
      for (const c of clusters) for (const b of clusterBackends(own.filter((s) => cluster(s) === c), p.name ?? '', protocol, p.port)) backends.add(b);
      return { name: p.name ?? '', protocol, port: p.port, backends: [...backends] };
    });
    const affinity = si.spec.sessionAffinity === 'ClientIP' ? (si.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800) : undefined;
    out.push({ namespace, name, vip, ...(affinity !== undefined ? { affinitySeconds: affinity } : {}), ports });
  }
  return out.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
}

function cluster(s: V1EndpointSlice): string {
  return s.metadata?.labels?.[labels.sourceCluster] ?? '';
}

/** A cluster's ready backends of one service port: its pods with the matching slice port, else its service address. */
function clusterBackends(slices: readonly V1EndpointSlice[], portName: string, protocol: L4Protocol, servicePort: number): string[] {
  const pods = slices.filter((s) => s.metadata?.labels?.[labels.podEndpoints] === 'true');
  const out: string[] = [];
  if (pods.length > 0) {
    for (const s of pods) {
      const target = (s.ports ?? []).find((sp) => (sp.name ?? '') === portName && (sp.protocol ?? 'TCP') === protocol)?.port;
      if (target === undefined || target === null) continue;
      for (const address of readyAddresses(s)) out.push(`${address}:${target}`);
    }
    return out;
  }
  for (const s of slices.filter((x) => x.metadata?.labels?.[labels.isHeadless] !== 'true')) {
    for (const address of readyAddresses(s)) out.push(`${address}:${servicePort}`);
  }
  return out;
}

function readyAddresses(s: V1EndpointSlice): string[] {
  const anyReady = s.metadata?.annotations?.[annotations.publishNotReadyAddresses] === 'true';
  return (s.endpoints ?? []).filter((e) => anyReady || e.conditions?.ready !== false).flatMap((e) => (e.addresses ?? []).filter((a) => isIP(a) === 4).slice(0, 1));
}
