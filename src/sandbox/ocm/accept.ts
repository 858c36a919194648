import { setTimeout as sleep } from 'node:timers/promises';
import { CertificatesV1Api, type KubeConfig, type KubernetesObject, type V1CertificateSigningRequest } from '@kubernetes/client-node';
import { ocm } from '../../api/names.js';
import { applyObjects } from '../../kube/apply.js';
import { conditionTrue } from '../../kube/conditions.js';
import { resourceClient } from '../../kube/resource-client.js';
import { bootstrapUser } from './names.js';
import { ocmResources, type ManagedCluster } from './resources.js';

function isDecided(csr: V1CertificateSigningRequest): boolean {
  return (csr.status?.conditions ?? []).some((c) => c.type === 'Approved' || c.type === 'Denied');
}

/**
 * Accepts a managed cluster as `clusteradm accept` does: once its klusterlet has created the ManagedCluster,
 * approves the pending CSRs it made with the bootstrap credentials and sets hubAcceptsClient. Waits for both
 * (default 60 s).
 */
export async function acceptCluster(hub: KubeConfig, clusterName: string, timeoutMs = 60_000): Promise<void> {
  const certs = hub.makeApiClient(CertificatesV1Api);
  const clusters = resourceClient<typeof ocmResources.managedCluster, ManagedCluster>(hub, ocmResources.managedCluster);
  const deadline = Date.now() + timeoutMs;
  // CSRs approved earlier (a cluster that joined before) do not count: only one approved now, or a klusterlet
  // that still holds a valid hub certificate and so is Joined without a new CSR.
  let approved = 0;
  for (;;) {
    let cluster = await clusters.get(clusterName);
    // The klusterlet creates its ManagedCluster with the bootstrap credentials, then asks for a certificate. A CSR
    // approved before the ManagedCluster exists ends that bootstrap early (a busy host): the klusterlet then holds
    // a certificate the hub grants nothing to, as the hub's RBAC for it comes with the ManagedCluster, and it never
    // creates the cluster. So its CSRs are approved only once its ManagedCluster is there.
    if (cluster) {
      const csrs = (await certs.listCertificateSigningRequest({ labelSelector: `${ocm.labels.csrClusterName}=${clusterName}` })).items;
      const pending = csrs.filter((c) => !isDecided(c) && c.spec.username === bootstrapUser);
      for (const csr of pending) {
        const conditions = [
          ...(csr.status?.conditions ?? []),
          { type: 'Approved', status: 'True', reason: 'AcceptedManagedCluster', message: `managed cluster ${clusterName} accepted`, lastUpdateTime: new Date() },
        ];
        await certs.replaceCertificateSigningRequestApproval({ name: csr.metadata?.name ?? '', body: { ...csr, status: { ...csr.status, conditions } } });
        approved++;
      }
      if (cluster.spec?.hubAcceptsClient !== true) cluster = await clusters.patch(clusterName, { spec: { hubAcceptsClient: true } });
    }
    const joined = conditionTrue(cluster?.status?.conditions, ocm.clusterConditions.joined);
    if (cluster?.spec?.hubAcceptsClient === true && (approved > 0 || joined)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `managed cluster ${clusterName} could not be accepted within ${timeoutMs / 1000}s: ` +
          (cluster ? 'its klusterlet made no CSR' : 'its klusterlet has not created its ManagedCluster') +
          ' (see the klusterlet log)',
      );
    }
    await sleep(250);
  }
}

/** Waits until the hub reports the cluster Joined and Available (default 120 s). */
export async function waitClusterAvailable(hub: KubeConfig, clusterName: string, timeoutMs = 120_000): Promise<ManagedCluster> {
  const clusters = resourceClient<typeof ocmResources.managedCluster, ManagedCluster>(hub, ocmResources.managedCluster);
  const deadline = Date.now() + timeoutMs;
  let seen = 'no ManagedCluster';
  for (;;) {
    const cluster = await clusters.get(clusterName);
    const conditions = cluster?.status?.conditions;
    if (conditionTrue(conditions, ocm.clusterConditions.joined) && conditionTrue(conditions, ocm.clusterConditions.available)) return cluster as ManagedCluster;
    if (cluster) seen = (conditions ?? []).map((c) => `${c.type}=${c.status}`).join(', ') || 'no conditions';
    if (Date.now() > deadline) throw new Error(`managed cluster ${clusterName} not Joined and Available after ${timeoutMs / 1000}s (${seen})`);
    await sleep(250);
  }
}

export interface ClusterSetSpec {
  name: string;
  /** The namespace the set is bound to (ManagedClusterSetBinding): Placements there may select its clusters. */
  namespace: string;
}

/** The set `sandbox up --hub` puts every member cluster in, bound where Placements usually live. */
export const defaultClusterSet: ClusterSetSpec = { name: 'submariner', namespace: 'default' };

/**
 * Puts clusters in a ManagedClusterSet (selected by the exclusive clusterset label, as `clusteradm clusterset
 * set` does) and binds the set to a namespace (`clusteradm clusterset bind`).
 */
export async function addToClusterSet(hub: KubeConfig, set: ClusterSetSpec, clusterNames: readonly string[]): Promise<void> {
  const { cluster } = ocm.groups;
  await applyObjects(hub, [
    {
      apiVersion: `${cluster}/${ocmResources.managedClusterSet.version}`,
      kind: ocmResources.managedClusterSet.kind,
      metadata: { name: set.name },
      spec: { clusterSelector: { selectorType: 'ExclusiveClusterSetLabel' } },
    } as KubernetesObject,
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: set.namespace } },
    {
      apiVersion: `${cluster}/${ocmResources.managedClusterSetBinding.version}`,
      kind: ocmResources.managedClusterSetBinding.kind,
      metadata: { name: set.name, namespace: set.namespace },
      spec: { clusterSet: set.name },
    } as KubernetesObject,
  ]);
  const clusters = resourceClient<typeof ocmResources.managedCluster, ManagedCluster>(hub, ocmResources.managedCluster);
  for (const name of clusterNames) await clusters.patch(name, { metadata: { labels: { [ocm.labels.clusterSet]: set.name } } });
}
