// What GlobalNet reads and writes in its cluster: watch-fed caches of every kind it follows, and
// the few writes it makes (its own objects, their status, the Gateway's annotation).

import type { KubeConfig, KubernetesObject, V1Pod, V1Service } from '@kubernetes/client-node';
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
import { PodResource, ServiceResource, type ResourceDescriptor } from '../api/index.js';
import { resourceClient } from '../kube/resource-client.js';
import { watchResource, type ResourceWatch } from '../kube/watch/index.js';
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

/** A write refused because the leader's lease is past its renew deadline. */
export class FencedError extends Error {
  constructor() {
    super('not leading GlobalNet with a fresh lease: the write waits until the lease is renewed');
    this.name = 'FencedError';
  }
}

/**
 * The same caches, with every write refused (FencedError) while `mayWrite` is false: a leader past its renew deadline
 * (paused, or cut off from the API server) starts no write, even before it notices it lost the lease.
 */
export function fencedKube(kube: GlobalnetKube, mayWrite: () => boolean): GlobalnetKube {
  const check = (): void => {
    if (!mayWrite()) throw new FencedError();
  };
  const fence = <T>(w: Writable<T>): Writable<T> => ({
    list: (ns) => w.list(ns),
    get: (name, ns) => w.get(name, ns),
    create: async (obj) => {
      check();
      return w.create(obj);
    },
    replaceStatus: async (obj) => {
      check();
      return w.replaceStatus(obj);
    },
    delete: async (name, ns) => {
      check();
      return w.delete(name, ns);
    },
  });
  return {
    ...kube,
    clusterEgressIps: fence(kube.clusterEgressIps),
    egressIps: fence(kube.egressIps),
    ingressIps: fence(kube.ingressIps),
    gateways: {
      list: (ns) => kube.gateways.list(ns),
      get: (name, ns) => kube.gateways.get(name, ns),
      annotate: async (name, annotations) => {
        check();
        return kube.gateways.annotate(name, annotations);
      },
    },
  };
}

/** Watch-fed caches and their lifecycle; `onChange` hears every add, update and delete. */
export interface GlobalnetWatches {
  kube: GlobalnetKube;
  onChange(fn: (kind: WatchedKind, obj: KubernetesObject) => void): void;
  /** Calls `fn` each time every watch has listed (again). */
  onSynced(fn: () => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  synced(): boolean;
}

/** Real watches (src/kube/watch) and writes (src/kube/resource-client). */
export function watchGlobalnet(kc: KubeConfig, submarinerNamespace: string, log: Logger): GlobalnetWatches {
  const listeners: ((kind: WatchedKind, obj: KubernetesObject) => void)[] = [];
  const syncedListeners: (() => void)[] = [];
  const watches: ResourceWatch<KubernetesObject>[] = [];

  function watch<T extends KubernetesObject>(kind: WatchedKind, resource: ResourceDescriptor, namespace?: string): Cache<T> {
    const w = watchResource<ResourceDescriptor, T>(kc, resource, { namespace, log, name: kind });
    w.onChange((obj) => {
      for (const fn of listeners) fn(kind, obj);
    });
    w.onSynced(() => {
      if (watches.every((x) => x.synced)) for (const fn of syncedListeners) fn();
    });
    watches.push(w);
    return { list: (ns) => w.list(ns), get: (name, ns) => w.get(name, ns) };
  }

  function writable<T extends KubernetesObject>(kind: WatchedKind, resource: ResourceDescriptor): Writable<T> {
    const client = resourceClient<ResourceDescriptor, T>(kc, resource);
    return {
      ...watch<T>(kind, resource),
      create: (obj) => client.create(obj),
      replaceStatus: (obj) => client.replaceStatus(obj),
      delete: (name, namespace) => client.delete(name, namespace),
    };
  }

  const gatewayClient = resourceClient(kc, GatewayResource, { namespace: submarinerNamespace });
  const kube: GlobalnetKube = {
    clusterEgressIps: writable('clusterEgressIps', ClusterGlobalEgressIPResource),
    egressIps: writable('egressIps', GlobalEgressIPResource),
    ingressIps: writable('ingressIps', GlobalIngressIPResource),
    serviceExports: watch('serviceExports', ServiceExportResource),
    services: watch('services', ServiceResource),
    pods: watch('pods', PodResource),
    clusters: watch('clusters', ClusterResource, submarinerNamespace),
    endpoints: watch('endpoints', EndpointResource, submarinerNamespace),
    gateways: {
      ...watch<Gateway>('gateways', GatewayResource, submarinerNamespace),
      annotate: async (name, annotations) => {
        await gatewayClient.patch(name, { metadata: { annotations } });
      },
    },
  };
  return {
    kube,
    onChange: (fn) => void listeners.push(fn),
    onSynced: (fn) => void syncedListeners.push(fn),
    start: async () => {
      await Promise.all(watches.map((w) => w.start()));
    },
    stop: async () => {
      await Promise.all(watches.map((w) => w.stop()));
    },
    synced: () => watches.every((w) => w.synced),
  };
}
