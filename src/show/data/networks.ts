import type { ClusterGlobalEgressIP, Submariner } from '../../api/generated.js';

export interface NetworkRow {
  context: string;
  cluster: string;
  networkPlugin: string;
  serviceCidrs: string;
  clusterCidrs: string;
  globalCidr: string;
  /** With Globalnet: the global IPs the cluster's traffic leaves as (the ClusterGlobalEgressIP's). */
  globalEgressIps?: string;
}

/**
 * The cluster's networks as the Submariner object reports them (its spec where the status is silent), with
 * the global egress IPs of the cluster's ClusterGlobalEgressIP when GlobalNet allocated them.
 */
export function networkRows(context: string, s: Submariner | undefined, clusterEgress?: ClusterGlobalEgressIP): NetworkRow[] {
  if (!s) return [];
  const egress = clusterEgress?.status?.allocatedIPs ?? [];
  return [
    {
      context,
      cluster: s.spec.clusterID ?? '',
      networkPlugin: s.status?.networkPlugin ?? 'generic',
      serviceCidrs: s.status?.serviceCIDR ?? s.spec.serviceCIDR ?? '',
      clusterCidrs: s.status?.clusterCIDR ?? s.spec.clusterCIDR ?? '',
      globalCidr: s.status?.globalCIDR ?? s.spec.globalCIDR ?? '',
      ...(egress.length > 0 ? { globalEgressIps: egress.join(', ') } : {}),
    },
  ];
}
