import type { KubeConfig, KubernetesObject, V1EndpointSlice, V1Namespace, V1Service } from '@kubernetes/client-node';
import {
  ClusterResource,
  EndpointSliceResource,
  GatewayResource,
  GlobalIngressIPResource,
  NamespaceResource,
  ServiceExportResource,
  ServiceImportResource,
  ServiceResource,
  type Cluster,
  type Gateway,
  type GlobalIngressIP,
  type ObjectOf,
  type ResourceDescriptor,
  type ServiceExport,
  type ServiceImport,
} from '../../api/index.js';
import { labels, lighthouseManagedBy } from '../../api/names.js';
import type { Logger } from '../../base/log.js';
import { watchResource, type ResourceCache, type ResourceWatch, type WatchEvent, type WatchOptions as ResourceWatchOptions } from '../../kube/watch/index.js';
import type { ServiceKey } from './model.js';

/** A watch cache that also finds the Lighthouse objects of one service by their labels. */
export interface ServiceIndexedCache<T> extends ResourceCache<T> {
  /** The objects labelled with the service's name and source namespace. */
  forService(key: ServiceKey): T[];
}

/** What the agent reads, from watch caches. */
export interface AgentCaches {
  serviceExports: ResourceCache<ServiceExport>;
  services: ResourceCache<V1Service>;
  /** The Services' own EndpointSlices. */
  endpointSlices: ResourceCache<V1EndpointSlice>;
  /** The EndpointSlices the agent keeps in the services' namespaces. */
  lighthouseSlices: ServiceIndexedCache<V1EndpointSlice>;
  serviceImports: ResourceCache<ServiceImport>;
  namespaces: ResourceCache<V1Namespace>;
  gateways: ResourceCache<Gateway>;
  globalIngressIps: ResourceCache<GlobalIngressIP>;
  brokerImports: ServiceIndexedCache<ServiceImport>;
  brokerSlices: ServiceIndexedCache<V1EndpointSlice>;
  brokerClusters: ResourceCache<Cluster>;
}

export type WatchedKind = keyof AgentCaches;
export type Verb = WatchEvent;

export interface WatchOptions {
  local: KubeConfig;
  broker: KubeConfig;
  brokerNamespace: string;
  /** Where the Gateway objects are. */
  submarinerNamespace: string;
  /** Whether to watch GlobalIngressIPs. */
  globalnet: boolean;
  log: Logger;
  onChange: (kind: WatchedKind, verb: Verb, obj: KubernetesObject) => void;
  /** Called each time a watch has listed (again); check synced(). */
  onSynced: () => void;
  /** The Gateways can be watched (true) or not, their CRD missing or access denied (false). */
  onGatewayApi: (present: boolean) => void;
}

export interface AgentWatches {
  caches: AgentCaches;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Whether every watch has listed once (the optional APIs count when missing). */
  synced(): boolean;
}

/** Watches of the local cluster and of the broker namespace, each kept running by a supervisor. */
export function watchAgentObjects(o: WatchOptions): AgentWatches {
  const lighthouseSelector = `${labels.managedBy}=${lighthouseManagedBy}`;
  const optional = new Set<WatchedKind>();
  const watches = new Map<WatchedKind, ResourceWatch<KubernetesObject>>();

  function watch<R extends ResourceDescriptor>(
    kind: WatchedKind,
    kc: KubeConfig,
    resource: R,
    where: Pick<ResourceWatchOptions<KubernetesObject>, 'namespace' | 'labelSelector'> = {},
    missing?: (present: boolean) => void,
  ): ServiceIndexedCache<ObjectOf<R>> {
    const w = watchResource(kc, resource, {
      ...where,
      name: kind,
      log: o.log,
      onError: (err) => {
        const status = apiStatusOf(err);
        if (missing === undefined || (status !== 404 && status !== 403) || optional.has(kind)) return;
        if (status === 403) o.log.warn(`not allowed to watch ${kind}: carrying on without them`, { informer: kind });
        optional.add(kind);
        missing(false);
        o.onSynced();
      },
    });
    const byService = w.index(labelKey);
    w.onChange((obj, verb) => o.onChange(kind, verb, obj));
    w.onSynced(() => {
      optional.delete(kind);
      missing?.(true);
      o.onSynced();
    });
    watches.set(kind, w);
    return Object.assign(w, { forService: (key: ServiceKey) => byService.get(`${key.namespace}/${key.name}`) });
  }

  const bns = o.brokerNamespace;
  const caches: AgentCaches = {
    serviceExports: watch('serviceExports', o.local, ServiceExportResource),
    services: watch('services', o.local, ServiceResource),
    endpointSlices: watch('endpointSlices', o.local, EndpointSliceResource, { labelSelector: labels.kubeServiceName }),
    lighthouseSlices: watch('lighthouseSlices', o.local, EndpointSliceResource, { labelSelector: lighthouseSelector }),
    serviceImports: watch('serviceImports', o.local, ServiceImportResource),
    namespaces: watch('namespaces', o.local, NamespaceResource),
    gateways: watch('gateways', o.local, GatewayResource, { namespace: o.submarinerNamespace }, o.onGatewayApi),
    globalIngressIps: o.globalnet
      ? watch('globalIngressIps', o.local, GlobalIngressIPResource, {}, () => {})
      : { get: () => undefined, list: () => [], byKey: () => undefined, forService: () => [] },
    brokerImports: watch('brokerImports', o.broker, ServiceImportResource, { namespace: bns }),
    brokerSlices: watch('brokerSlices', o.broker, EndpointSliceResource, { namespace: bns, labelSelector: lighthouseSelector }),
    brokerClusters: watch('brokerClusters', o.broker, ClusterResource, { namespace: bns }),
  };

  return {
    caches,
    start: async () => {
      await Promise.all([...watches.values()].map((w) => w.start()));
    },
    stop: async () => {
      await Promise.all([...watches.values()].map((w) => w.stop()));
    },
    synced: () => [...watches].every(([kind, w]) => w.synced || optional.has(kind)),
  };
}

/** `<sourceNamespace>/<service-name>` from a Lighthouse object's labels. */
export function labelKey(obj: KubernetesObject): string | undefined {
  const l = obj.metadata?.labels ?? {};
  const ns = l[labels.sourceNamespace];
  const name = l[labels.serviceName];
  return ns && name ? `${ns}/${name}` : undefined;
}

function apiStatusOf(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown } | undefined;
  const code = e?.code ?? e?.statusCode;
  return typeof code === 'number' ? code : undefined;
}
