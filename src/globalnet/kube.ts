// What GlobalNet reads and writes in its cluster: watch-fed caches of every kind it follows, and
// the few writes it makes (its own objects, their status, the Gateway's annotation).

import {
  CoreV1Api,
  CustomObjectsApi,
  makeInformer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type V1Pod,
  type V1Service,
} from '@kubernetes/client-node';
import {
  ClusterGlobalEgressIPResource,
  ClusterResource,
  EndpointResource,
  GatewayResource,
  GlobalEgressIPResource,
  GlobalIngressIPResource,
  ServiceExportResource,
  type Cluster,
  type ClusterGlobalEgressIP,
  type Endpoint,
  type Gateway,
  type GlobalEgressIP,
  type GlobalIngressIP,
  type ServiceExport,
} from '../api/generated.js';
import { apiVersionOf, type ResourceDescriptor } from '../api/index.js';
import { apiStatus, mergePatch } from '../kube/apply.js';
import { InformerSupervisor } from '../kube/informer-supervisor.js';
import type { Logger } from '../base/log.js';

/** A watch-fed cache of one kind. */
export interface Cache<T> {
  /** Every object, or those of one namespace. */
  list(namespace?: string): readonly T[];
  get(name: string, namespace?: string): T | undefined;
}

/** A kind GlobalNet owns: it creates and deletes the objects and writes their status. */
export interface Writable<T> extends Cache<T> {
  create(obj: T): Promise<T>;
  /** Replaces the status subresource; the object's resourceVersion makes it a compare-and-swap. */
  replaceStatus(obj: T): Promise<T>;
  /** False when there was nothing to delete. */
  delete(name: string, namespace?: string): Promise<boolean>;
}

/** The Gateways: GlobalNet only annotates them. */
export interface Annotatable<T> extends Cache<T> {
  /** Merges annotations (null removes one). */
  annotate(name: string, annotations: Record<string, string | null>): Promise<void>;
}

export interface GlobalnetKube {
  clusterEgressIps: Writable<ClusterGlobalEgressIP>;
  egressIps: Writable<GlobalEgressIP>;
  ingressIps: Writable<GlobalIngressIP>;
  serviceExports: Cache<ServiceExport>;
  services: Cache<V1Service>;
  pods: Cache<V1Pod>;
  /** In the Submariner namespace. */
  clusters: Cache<Cluster>;
  endpoints: Cache<Endpoint>;
  gateways: Annotatable<Gateway>;
}

export type WatchedKind = keyof GlobalnetKube;

/** Watch-fed caches and their lifecycle; `onChange` hears every add, update and delete. */
export interface GlobalnetWatches {
  kube: GlobalnetKube;
  onChange(fn: (kind: WatchedKind, obj: KubernetesObject) => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  synced(): boolean;
}

/** Real watches and writes over client-node. */
export function watchGlobalnet(kc: KubeConfig, submarinerNamespace: string, log: Logger): GlobalnetWatches {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const listeners: ((kind: WatchedKind, obj: KubernetesObject) => void)[] = [];
  const supervisors: InformerSupervisor<KubernetesObject>[] = [];

  function watch<T extends KubernetesObject>(kind: WatchedKind, path: string, list: () => Promise<KubernetesListObject<T>>): Cache<T> {
    const informer = makeInformer<T>(kc, path, list);
    for (const verb of ['add', 'update', 'delete'] as const) {
      informer.on(verb, (obj) => {
        if (obj.metadata?.managedFields !== undefined) delete obj.metadata.managedFields;
        for (const fn of listeners) fn(kind, obj);
      });
    }
    supervisors.push(new InformerSupervisor(informer, { name: kind, log }));
    return { list: (ns) => informer.list(ns), get: (name, ns) => informer.get(name, ns) };
  }

  const crd = <T extends KubernetesObject>(kind: WatchedKind, r: ResourceDescriptor, namespace?: string): Cache<T> =>
    watch<T>(kind, `/apis/${r.group}/${r.version}${namespace ? `/namespaces/${namespace}` : ''}/${r.plural}`, async () =>
      (namespace === undefined
        ? custom.listClusterCustomObject({ group: r.group, version: r.version, plural: r.plural })
        : custom.listNamespacedCustomObject({ group: r.group, version: r.version, plural: r.plural, namespace })) as Promise<KubernetesListObject<T>>,
    );

  function writable<T extends KubernetesObject>(kind: WatchedKind, r: ResourceDescriptor): Writable<T> {
    const cache = crd<T>(kind, r);
    const where = (namespace: string | undefined) => ({ group: r.group, version: r.version, plural: r.plural, ...(r.namespaced ? { namespace: namespace ?? '' } : {}) });
    return {
      ...cache,
      create: async (obj) => {
        const body = { ...obj, apiVersion: apiVersionOf(r), kind: r.kind };
        const ns = obj.metadata?.namespace;
        return (r.namespaced ? await custom.createNamespacedCustomObject({ ...where(ns), namespace: ns ?? '', body }) : await custom.createClusterCustomObject({ ...where(undefined), body })) as T;
      },
      replaceStatus: async (obj) => {
        const name = obj.metadata?.name ?? '';
        const ns = obj.metadata?.namespace;
        return (r.namespaced
          ? await custom.replaceNamespacedCustomObjectStatus({ ...where(ns), namespace: ns ?? '', name, body: obj })
          : await custom.replaceClusterCustomObjectStatus({ ...where(undefined), name, body: obj })) as T;
      },
      delete: async (name, namespace) => {
        try {
          if (r.namespaced) await custom.deleteNamespacedCustomObject({ ...where(namespace), namespace: namespace ?? '', name });
          else await custom.deleteClusterCustomObject({ ...where(undefined), name });
          return true;
        } catch (err) {
          if (apiStatus(err) === 404) return false;
          throw err;
        }
      },
    };
  }

  const gateways = crd<Gateway>('gateways', GatewayResource, submarinerNamespace);
  const kube: GlobalnetKube = {
    clusterEgressIps: writable('clusterEgressIps', ClusterGlobalEgressIPResource),
    egressIps: writable('egressIps', GlobalEgressIPResource),
    ingressIps: writable('ingressIps', GlobalIngressIPResource),
    serviceExports: crd('serviceExports', ServiceExportResource),
    services: watch('services', '/api/v1/services', () => core.listServiceForAllNamespaces()),
    pods: watch('pods', '/api/v1/pods', () => core.listPodForAllNamespaces()),
    clusters: crd('clusters', ClusterResource, submarinerNamespace),
    endpoints: crd('endpoints', EndpointResource, submarinerNamespace),
    gateways: {
      ...gateways,
      annotate: async (name, annotations) => {
        const r = GatewayResource;
        await custom.patchNamespacedCustomObject(
          { group: r.group, version: r.version, plural: r.plural, namespace: submarinerNamespace, name, body: { metadata: { annotations } } },
          mergePatch,
        );
      },
    },
  };
  return {
    kube,
    onChange: (fn) => void listeners.push(fn),
    start: async () => {
      await Promise.all(supervisors.map((s) => s.start()));
    },
    stop: async () => {
      await Promise.all(supervisors.map((s) => s.stop()));
    },
    synced: () => supervisors.every((s) => s.synced),
  };
}
