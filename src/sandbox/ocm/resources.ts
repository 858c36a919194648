import type { KubernetesObject } from '@kubernetes/client-node';
import type { Condition } from '../../api/generated.js';
import { ocm } from '../../api/names.js';

/** The OCM kinds the sandbox reads and writes to run a hub and join clusters to it. */
export const ocmResources = {
  managedCluster: { group: ocm.groups.cluster, version: 'v1', plural: 'managedclusters', kind: 'ManagedCluster', namespaced: false },
  managedClusterSet: { group: ocm.groups.cluster, version: 'v1beta2', plural: 'managedclustersets', kind: 'ManagedClusterSet', namespaced: false },
  managedClusterSetBinding: {
    group: ocm.groups.cluster,
    version: 'v1beta2',
    plural: 'managedclustersetbindings',
    kind: 'ManagedClusterSetBinding',
    namespaced: true,
  },
  manifestWork: { group: ocm.groups.work, version: 'v1', plural: 'manifestworks', kind: 'ManifestWork', namespaced: true },
} as const;

export interface ManagedCluster extends KubernetesObject {
  spec?: {
    hubAcceptsClient?: boolean;
    managedClusterClientConfigs?: { url: string; caBundle?: string }[];
    leaseDurationSeconds?: number;
  };
  status?: { conditions?: Condition[]; version?: { kubernetes?: string } };
}

/** How `sandbox status` sums up a ManagedCluster, in the order a join goes through. */
export type ManagedClusterState = 'Unregistered' | 'NotAccepted' | 'Accepted' | 'Joined' | 'Available' | 'Unknown' | 'Unavailable';

export function managedClusterState(cluster: ManagedCluster | undefined): ManagedClusterState {
  if (!cluster) return 'Unregistered';
  if (cluster.spec?.hubAcceptsClient !== true) return 'NotAccepted';
  const conditions = cluster.status?.conditions ?? [];
  const status = (type: string): string | undefined => conditions.find((c) => c.type === type)?.status;
  const available = status(ocm.clusterConditions.available);
  if (available === 'True') return 'Available';
  // The registration controller sets Unknown when the klusterlet stops renewing its lease.
  if (available === 'Unknown') return 'Unknown';
  if (available === 'False') return 'Unavailable';
  return status(ocm.clusterConditions.joined) === 'True' ? 'Joined' : 'Accepted';
}
