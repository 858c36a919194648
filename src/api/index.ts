// The Kubernetes API of kubectl-submariner: the types of every CRD in manifests/crds (generated.ts), their
// resource descriptors, the names of well-known objects, labels and annotations, and installCrds.
import { registerApiSerializers } from './serializers.js';

export * from './generated.js';
export * from './names.js';
export { installCrds, apiMessage, type InstallCrdsOptions, type InstalledCrd } from './install.js';
export { registerApiSerializers } from './serializers.js';

/** Where a kind is served: what client-node's CustomObjectsApi and KubernetesObjectApi need to address it. */
export interface ResourceDescriptor {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

/** `<group>/<version>`, the apiVersion of the kind's objects. */
export function apiVersionOf(resource: ResourceDescriptor): string {
  return `${resource.group}/${resource.version}`;
}

/** `<plural>.<group>`, the name of the kind's CRD. */
export function crdNameOf(resource: ResourceDescriptor): string {
  return `${resource.plural}.${resource.group}`;
}

// Any module that loads the API at run time can use KubernetesObjectApi with these kinds.
registerApiSerializers();
