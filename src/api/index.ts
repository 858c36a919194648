// The Kubernetes API of kubectl-submariner: the types of every CRD in manifests/crds (generated.ts), their
// resource descriptors, the names of well-known objects, labels and annotations, the agents' environment
// contract, and installCrds.
import { registerApiSerializers } from './serializers.js';

export * from './generated.js';
export * from './names.js';
export * from './agent-env.js';
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

/** The group, version and plural that CustomObjectsApi's calls take to address the kind. */
export function customObjectRef(resource: ResourceDescriptor): { group: string; version: string; plural: string } {
  return { group: resource.group, version: resource.version, plural: resource.plural };
}

/** `<group>/<version>`, the apiVersion of the kind's objects. */
export function apiVersionOf<R extends ResourceDescriptor>(resource: R): `${R['group']}/${R['version']}` {
  return `${resource.group}/${resource.version}`;
}

/** `<plural>.<group>`, the name of the kind's CRD. */
export function crdNameOf(resource: ResourceDescriptor): string {
  return `${resource.plural}.${resource.group}`;
}

// Any module that loads the API at run time can use KubernetesObjectApi with these kinds.
registerApiSerializers();
