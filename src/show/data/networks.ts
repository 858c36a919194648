import type { Submariner } from '../../api/generated.js';

export interface NetworkRow {
  context: string;
  cluster: string;
  networkPlugin: string;
  serviceCidrs: string;
  clusterCidrs: string;
  globalCidr: string;
}

/** The cluster's networks as the Submariner object reports them (its spec where the status is silent). */
export function networkRows(context: string, s: Submariner | undefined): NetworkRow[] {
  if (!s) return [];
  return [
    {
      context,
      cluster: s.spec.clusterID ?? '',
      networkPlugin: s.status?.networkPlugin ?? 'generic',
      serviceCidrs: s.status?.serviceCIDR ?? s.spec.serviceCIDR ?? '',
      clusterCidrs: s.status?.clusterCIDR ?? s.spec.clusterCIDR ?? '',
      globalCidr: s.status?.globalCIDR ?? s.spec.globalCIDR ?? '',
    },
  ];
}
