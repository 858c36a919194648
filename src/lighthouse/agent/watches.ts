import {
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  makeInformer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type ObjectCache,
  type V1EndpointSlice,
  type V1Namespace,
  type V1Service,
} from '@kubernetes/client-node';
import {
  ClusterResource,
  GatewayResource,
  GlobalIngressIPResource,
  ServiceExportResource,
  ServiceImportResource,
  type Cluster,
  type Gateway,
  type GlobalIngressIP,
  type ServiceExport,
  type ServiceImport,
} from '../../api/generated.js';
import { labels, lighthouseManagedBy } from '../../api/names.js';
import type { ResourceDescriptor } from '../../api/index.js';
import { InformerSupervisor } from '../../kube/informer-supervisor.js';
import type { Logger } from '../../base/log.js';
import type { ServiceKey } from './model.js';

/** A watch cache that also finds the Lighthouse objects of one service by their labels. */
export interface ServiceIndexedCache<T> extends ObjectCache<T> {
  /** The objects labelled with the service's name and source namespace. */
  forService(key: ServiceKey): T[];
}

/** What the agent reads, from watch caches. */
export interface AgentCaches {
  serviceExports: ObjectCache<ServiceExport>;
  services: ObjectCache<V1Service>;
  /** The Services' own EndpointSlices. */
  endpointSlices: ObjectCache<V1EndpointSlice>;
  /** The EndpointSlices the agent keeps in the services' namespaces. */
  lighthouseSlices: ServiceIndexedCache<V1EndpointSlice>;
  serviceImports: ObjectCache<ServiceImport>;
  namespaces: ObjectCache<V1Namespace>;
  gateways: ObjectCache<Gateway>;
  globalIngressIps: ObjectCache<GlobalIngressIP>;
  brokerImports: ServiceIndexedCache<ServiceImport>;
  brokerSlices: ServiceIndexedCache<V1EndpointSlice>;
  brokerClusters: ObjectCache<Cluster>;
}

export type WatchedKind = keyof AgentCaches;
export type Verb = 'add' | 'update' | 'delete';

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
  const localCustom = o.local.makeApiClient(CustomObjectsApi);
  const brokerCustom = o.broker.makeApiClient(CustomObjectsApi);
  const core = o.local.makeApiClient(CoreV1Api);
  const discovery = o.local.makeApiClient(DiscoveryV1Api);
  const brokerDiscovery = o.broker.makeApiClient(DiscoveryV1Api);
  const lighthouseSelector = `${labels.managedBy}=${lighthouseManagedBy}`;
  const optional = new Set<WatchedKind>();
  const supervisors = new Map<WatchedKind, { synced: boolean; start(): Promise<void>; stop(): Promise<void> }>();

  const custom = <T extends KubernetesObject>(api: CustomObjectsApi, r: ResourceDescriptor, namespace?: string) => () =>
    (namespace === undefined
      ? api.listClusterCustomObject({ group: r.group, version: r.version, plural: r.plural })
      : api.listNamespacedCustomObject({ group: r.group, version: r.version, plural: r.plural, namespace })) as Promise<KubernetesListObject<T>>;

  function watch<T extends KubernetesObject>(
    kind: WatchedKind,
    kc: KubeConfig,
    path: string,
    list: () => Promise<KubernetesListObject<T>>,
    labelSelector?: string,
    missing?: (present: boolean) => void,
  ): ServiceIndexedCache<T> {
    const informer = makeInformer<T>(kc, path, list, labelSelector);
    const index = new ServiceIndex<T>();
    for (const verb of ['add', 'update', 'delete'] as const) {
      informer.on(verb, (obj) => {
        // The cache keeps the object handed to this first handler: drop what the agent never reads.
        if (obj.metadata?.managedFields !== undefined) delete obj.metadata.managedFields;
        index.update(verb, obj);
        o.onChange(kind, verb, obj);
      });
    }
    const supervisor = new InformerSupervisor<T>(informer, {
      name: kind,
      log: o.log,
      onSynced: () => {
        optional.delete(kind);
        missing?.(true);
        o.onSynced();
      },
      onError: (err) => {
        const status = apiStatusOf(err);
        if (missing === undefined || (status !== 404 && status !== 403) || optional.has(kind)) return;
        if (status === 403) o.log.warn(`not allowed to watch ${kind}: carrying on without them`, { informer: kind });
        optional.add(kind);
        missing(false);
        o.onSynced();
      },
    });
    supervisors.set(kind, supervisor);
    return Object.assign(informer, { forService: (key: ServiceKey) => index.get(key) });
  }

  const crPath = (r: ResourceDescriptor, namespace?: string) => `/apis/${r.group}/${r.version}${namespace ? `/namespaces/${namespace}` : ''}/${r.plural}`;
  const bns = o.brokerNamespace;
  const caches: AgentCaches = {
    serviceExports: watch('serviceExports', o.local, crPath(ServiceExportResource), custom(localCustom, ServiceExportResource)),
    services: watch('services', o.local, '/api/v1/services', () => core.listServiceForAllNamespaces()),
    endpointSlices: watch(
      'endpointSlices',
      o.local,
      '/apis/discovery.k8s.io/v1/endpointslices',
      () => discovery.listEndpointSliceForAllNamespaces({ labelSelector: labels.kubeServiceName }),
      labels.kubeServiceName,
    ),
    lighthouseSlices: watch(
      'lighthouseSlices',
      o.local,
      '/apis/discovery.k8s.io/v1/endpointslices',
      () => discovery.listEndpointSliceForAllNamespaces({ labelSelector: lighthouseSelector }),
      lighthouseSelector,
    ),
    serviceImports: watch('serviceImports', o.local, crPath(ServiceImportResource), custom(localCustom, ServiceImportResource)),
    namespaces: watch('namespaces', o.local, '/api/v1/namespaces', () => core.listNamespace()),
    gateways: watch('gateways', o.local, crPath(GatewayResource, o.submarinerNamespace), custom(localCustom, GatewayResource, o.submarinerNamespace), undefined, o.onGatewayApi),
    globalIngressIps: o.globalnet
      ? watch('globalIngressIps', o.local, crPath(GlobalIngressIPResource), custom(localCustom, GlobalIngressIPResource), undefined, () => {})
      : { get: () => undefined, list: () => [], forService: () => [] },
    brokerImports: watch('brokerImports', o.broker, crPath(ServiceImportResource, bns), custom(brokerCustom, ServiceImportResource, bns)),
    brokerSlices: watch(
      'brokerSlices',
      o.broker,
      `/apis/discovery.k8s.io/v1/namespaces/${bns}/endpointslices`,
      () => brokerDiscovery.listNamespacedEndpointSlice({ namespace: bns, labelSelector: lighthouseSelector }),
      lighthouseSelector,
    ),
    brokerClusters: watch('brokerClusters', o.broker, crPath(ClusterResource, bns), custom(brokerCustom, ClusterResource, bns)),
  };

  return {
    caches,
    start: async () => {
      await Promise.all([...supervisors.values()].map((s) => s.start()));
    },
    stop: async () => {
      await Promise.all([...supervisors.values()].map((s) => s.stop()));
    },
    synced: () => [...supervisors].every(([kind, s]) => s.synced || optional.has(kind)),
  };
}

/** Objects by the service their Lighthouse labels name (`<sourceNamespace>/<service-name>`). */
class ServiceIndex<T extends KubernetesObject> {
  private readonly byService = new Map<string, Map<string, T>>();
  private readonly serviceOf = new Map<string, string>();

  update(verb: Verb, obj: T): void {
    const id = `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
    const old = this.serviceOf.get(id);
    if (old !== undefined) {
      this.byService.get(old)?.delete(id);
      if (this.byService.get(old)?.size === 0) this.byService.delete(old);
      this.serviceOf.delete(id);
    }
    const l = obj.metadata?.labels ?? {};
    const ns = l[labels.sourceNamespace];
    const name = l[labels.serviceName];
    if (verb === 'delete' || !ns || !name) return;
    const key = `${ns}/${name}`;
    const objects = this.byService.get(key) ?? new Map<string, T>();
    objects.set(id, obj);
    this.byService.set(key, objects);
    this.serviceOf.set(id, key);
  }

  get(key: ServiceKey): T[] {
    return [...(this.byService.get(`${key.namespace}/${key.name}`)?.values() ?? [])];
  }
}

function apiStatusOf(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown } | undefined;
  const code = e?.code ?? e?.statusCode;
  return typeof code === 'number' ? code : undefined;
}
