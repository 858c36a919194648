// Resource descriptors of the Kubernetes kinds the agents watch and write, typed with client-node's models,
// next to the generated ones of our CRDs.
import type { V1ConfigMap, V1EndpointSlice, V1Lease, V1Namespace, V1Node, V1Pod, V1Secret, V1Service, V1ServiceAccount } from '@kubernetes/client-node';

export const NodeResource = { group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false } as const;
export const NamespaceResource = { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false } as const;
export const PodResource = { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true } as const;
export const ServiceResource = { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true } as const;
export const ConfigMapResource = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true } as const;
export const SecretResource = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true } as const;
export const ServiceAccountResource = { group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true } as const;
export const EndpointSliceResource = { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', kind: 'EndpointSlice', namespaced: true } as const;
export const LeaseResource = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true } as const;

/** The type of the objects of each kind above, by `<group>/<kind>` (the core group is ''). */
export interface CoreObjects {
  '/Node': V1Node;
  '/Namespace': V1Namespace;
  '/Pod': V1Pod;
  '/Service': V1Service;
  '/ConfigMap': V1ConfigMap;
  '/Secret': V1Secret;
  '/ServiceAccount': V1ServiceAccount;
  'discovery.k8s.io/EndpointSlice': V1EndpointSlice;
  'coordination.k8s.io/Lease': V1Lease;
}
