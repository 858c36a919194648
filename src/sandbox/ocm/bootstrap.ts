import type { KubernetesObject } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { groups, ocm } from '../../api/names.js';
import { bootstrapClusterRole, bootstrapServiceAccount, ocmNamespaces } from './names.js';

/**
 * What a hub needs before klusterlets can join it, as OCM's cluster-manager chart installs it: the controllers'
 * namespace, and the bootstrap ServiceAccount with the ClusterRole that lets it create its ManagedCluster and CSRs.
 */
export function renderHubBootstrap(): KubernetesObject[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ocmNamespaces.hub } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ocmNamespaces.bootstrap } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: bootstrapServiceAccount, namespace: ocmNamespaces.bootstrap } },
    {
      apiVersion: `${groups.rbac}/v1`,
      kind: 'ClusterRole',
      metadata: { name: bootstrapClusterRole },
      rules: [
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
        { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'], verbs: ['create', 'get', 'list', 'watch'] },
        { apiGroups: [ocm.groups.cluster], resources: ['managedclusters'], verbs: ['get', 'create', 'list', 'watch'] },
        { apiGroups: [ocm.groups.cluster], resources: ['managedclustersets/join'], verbs: ['create'] },
      ],
    } as KubernetesObject,
    {
      apiVersion: `${groups.rbac}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name: `${bootstrapClusterRole}:agent-registration` },
      roleRef: { apiGroup: groups.rbac, kind: 'ClusterRole', name: bootstrapClusterRole },
      subjects: [{ kind: 'ServiceAccount', name: bootstrapServiceAccount, namespace: ocmNamespaces.bootstrap }],
    } as KubernetesObject,
  ];
}

/** The namespaces a klusterlet works in on its managed cluster (the klusterlet operator creates both). */
export function renderKlusterletNamespaces(): KubernetesObject[] {
  return [ocmNamespaces.agent, ocmNamespaces.addonAgents].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
}

/**
 * ClusterClaims of a managed cluster (cluster.open-cluster-management.io/v1alpha1): its klusterlet copies them into the
 * ManagedCluster's status, where the hub reads facts about the cluster (the hub addon: its Pod and Service CIDRs).
 */
export function renderClusterClaims(claims: Readonly<Record<string, string>>): KubernetesObject[] {
  return Object.entries(claims).map(([name, value]) => ({ apiVersion: `${ocm.groups.cluster}/v1alpha1`, kind: 'ClusterClaim', metadata: { name }, spec: { value } }) as KubernetesObject);
}

/** The bootstrap kubeconfig handed to klusterlets: the hub's URL and CA, and the bootstrap ServiceAccount's token. */
export function renderBootstrapKubeconfig(server: string, caPem: string, token: string): string {
  return yaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'hub', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: 'bootstrap', user: { token } }],
    contexts: [{ name: 'bootstrap', context: { cluster: 'hub', user: 'bootstrap' } }],
    'current-context': 'bootstrap',
  });
}
