// The Kubernetes API of kubectl-submariner: the types of every CRD in manifests/crds (generated.ts), their
// resource descriptors and those of the core kinds the agents use (core-resources.ts), the names of well-known
// objects, labels and annotations, the agents' environment contract, and installCrds.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { CoreObjects } from './core-resources.js';
import type { ApiObjects } from './generated.js';
import type { OcmObjects } from './ocm.js';
import { registerApiSerializers } from './serializers.js';

export * from './generated.js';
export * from './core-resources.js';
export * from './names.js';
export * from './agent-env.js';
export * from './ocm.js';
export { installCrds, apiMessage, type InstallCrdsOptions, type InstalledCrd } from './install.js';
export { registerApiSerializers } from './serializers.js';

/** Where a kind is served: what resourceClient and watchResource (src/kube) need to address it. */
export interface ResourceDescriptor {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

/** The type of the objects of every kind with a descriptor, by `<group>/<kind>`. */
export interface KnownObjects extends ApiObjects, CoreObjects, OcmObjects {}

/** The type of a descriptor's objects: the generated or client-node type of its kind, else a plain KubernetesObject. */
export type ObjectOf<R extends ResourceDescriptor> = R extends ResourceDescriptor
  ? `${R['group']}/${R['kind']}` extends keyof KnownObjects
    ? KnownObjects[`${R['group']}/${R['kind']}`]
    : KubernetesObject
  : never;

/** The group, version and plural that CustomObjectsApi's calls take to address the kind. */
export function customObjectRef(resource: ResourceDescriptor): { group: string; version: string; plural: string } {
  return { group: resource.group, version: resource.version, plural: resource.plural };
}

/** The apiVersion of a kind's objects: `<group>/<version>`, or `<version>` in the core group. */
export type ApiVersionOf<R extends ResourceDescriptor> = R['group'] extends '' ? R['version'] : `${R['group']}/${R['version']}`;

export function apiVersionOf<R extends ResourceDescriptor>(resource: R): ApiVersionOf<R> {
  return (resource.group === '' ? resource.version : `${resource.group}/${resource.version}`) as ApiVersionOf<R>;
}

/** `<plural>.<group>`, the name of the kind's CRD. */
export function crdNameOf(resource: ResourceDescriptor): string {
  return `${resource.plural}.${resource.group}`;
}

// Any module that loads the API at run time can use KubernetesObjectApi with these kinds.
registerApiSerializers();
