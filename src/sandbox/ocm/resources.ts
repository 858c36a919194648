import { ocm } from '../../api/names.js';
import {
  ManagedClusterResource,
  ManagedClusterSetBindingResource,
  ManagedClusterSetResource,
  ManifestWorkResource,
  type ManagedCluster,
} from '../../api/ocm.js';

/** The OCM kinds the sandbox reads and writes to run a hub and join clusters to it. */
export const ocmResources = {
  managedCluster: ManagedClusterResource,
  managedClusterSet: ManagedClusterSetResource,
  managedClusterSetBinding: ManagedClusterSetBindingResource,
  manifestWork: ManifestWorkResource,
} as const;

export type { ManagedCluster };

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
