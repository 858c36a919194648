import type { KubernetesObject, V1Pod, V1Service } from '@kubernetes/client-node';
import type { Cluster, ClusterGlobalEgressIP, Endpoint, Gateway, GlobalEgressIP, GlobalIngressIP, ServiceExport } from '../../api/generated.js';
import type { Annotatable, GlobalnetKube, GlobalnetWatches, WatchedKind, Writable } from '../kube.js';

/** An API error as client-node throws it. */
export class FakeApiError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

/**
 * One kind held in memory with the API server's behaviour that matters to GlobalNet: resource versions
 * (409 on a stale status write, 409 on creating an existing name), 404s, and change notifications.
 */
export class FakeStore<T extends KubernetesObject> implements Writable<T>, Annotatable<T> {
  private readonly objects = new Map<string, T>();
  private version = 0;
  /** Writes made through the API (create, replaceStatus, delete, annotate), for "nothing was written" checks. */
  writes = 0;

  constructor(private readonly notify: (obj: T) => void) {}

  private static key(name: string, namespace?: string): string {
    return `${namespace ?? ''}/${name}`;
  }

  private keyOf(obj: T): string {
    return FakeStore.key(obj.metadata?.name ?? '', obj.metadata?.namespace);
  }

  private store(obj: T): T {
    const copy = structuredClone(obj);
    copy.metadata = { ...copy.metadata, resourceVersion: String(++this.version) };
    copy.metadata.creationTimestamp ??= new Date(Date.UTC(2026, 0, 1, 0, 0, this.version));
    this.objects.set(this.keyOf(copy), copy);
    this.notify(structuredClone(copy));
    return structuredClone(copy);
  }

  /** Puts an object as a third party would. */
  put(obj: T): T {
    return this.store(obj);
  }

  /** Removes an object as a third party would. */
  remove(name: string, namespace?: string): void {
    const obj = this.objects.get(FakeStore.key(name, namespace));
    if (obj && this.objects.delete(FakeStore.key(name, namespace))) this.notify(structuredClone(obj));
  }

  list(namespace?: string): T[] {
    return [...this.objects.values()].filter((o) => namespace === undefined || o.metadata?.namespace === namespace).map((o) => structuredClone(o));
  }

  get(name: string, namespace?: string): T | undefined {
    const o = this.objects.get(FakeStore.key(name, namespace));
    return o && structuredClone(o);
  }

  async create(obj: T): Promise<T> {
    await Promise.resolve();
    if (this.objects.has(this.keyOf(obj))) throw new FakeApiError(409, `${obj.metadata?.name ?? ''} already exists`);
    this.writes++;
    return this.store({ ...obj, metadata: { ...obj.metadata, resourceVersion: undefined } });
  }

  async replaceStatus(obj: T): Promise<T> {
    await Promise.resolve();
    const have = this.objects.get(this.keyOf(obj));
    if (!have) throw new FakeApiError(404, `${obj.metadata?.name ?? ''} not found`);
    if (obj.metadata?.resourceVersion && obj.metadata.resourceVersion !== have.metadata?.resourceVersion) throw new FakeApiError(409, 'the object has been modified');
    this.writes++;
    return this.store({ ...have, status: (obj as { status?: unknown }).status });
  }

  async delete(name: string, namespace?: string): Promise<boolean> {
    await Promise.resolve();
    if (!this.objects.has(FakeStore.key(name, namespace))) return false;
    this.writes++;
    this.remove(name, namespace);
    return true;
  }

  async annotate(name: string, annotations: Record<string, string | null>): Promise<void> {
    await Promise.resolve();
    const have = [...this.objects.values()].find((o) => o.metadata?.name === name);
    if (!have) throw new FakeApiError(404, `${name} not found`);
    const merged: Record<string, string> = { ...have.metadata?.annotations };
    for (const [k, v] of Object.entries(annotations)) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    this.writes++;
    this.store({ ...have, metadata: { ...have.metadata, annotations: merged } });
  }
}

export interface FakeKinds extends GlobalnetKube {
  clusterEgressIps: FakeStore<ClusterGlobalEgressIP>;
  egressIps: FakeStore<GlobalEgressIP>;
  ingressIps: FakeStore<GlobalIngressIP>;
  serviceExports: FakeStore<ServiceExport>;
  services: FakeStore<V1Service>;
  pods: FakeStore<V1Pod>;
  clusters: FakeStore<Cluster>;
  endpoints: FakeStore<Endpoint>;
  gateways: FakeStore<Gateway>;
}

/** Every kind GlobalNet follows, in memory, with watch notifications delivered asynchronously. */
export class FakeGlobalnetKube implements GlobalnetWatches {
  private readonly listeners: ((kind: WatchedKind, obj: KubernetesObject) => void)[] = [];
  private readonly syncedListeners: (() => void)[] = [];
  private listed = true;
  readonly kube: FakeKinds;

  constructor() {
    const store = <T extends KubernetesObject>(kind: WatchedKind) =>
      new FakeStore<T>((obj) => {
        for (const fn of this.listeners) queueMicrotask(() => fn(kind, obj));
      });
    this.kube = {
      clusterEgressIps: store('clusterEgressIps'),
      egressIps: store('egressIps'),
      ingressIps: store('ingressIps'),
      serviceExports: store('serviceExports'),
      services: store('services'),
      pods: store('pods'),
      clusters: store('clusters'),
      endpoints: store('endpoints'),
      gateways: store('gateways'),
    };
  }

  /** A member cluster with its GlobalCIDR, as the gateway syncs it into the Submariner namespace. */
  putCluster(namespace: string, clusterId: string, globalCidr: string): void {
    this.kube.clusters.put({ apiVersion: 'submariner.io/v1', kind: 'Cluster', metadata: { name: clusterId, namespace }, spec: { cluster_id: clusterId, global_cidr: [globalCidr] } });
  }

  /** The cluster's Endpoint naming `node` as the active gateway, and that node's Gateway object. */
  putActiveGateway(namespace: string, clusterId: string, node: string): void {
    this.kube.endpoints.put({
      apiVersion: 'submariner.io/v1',
      kind: 'Endpoint',
      metadata: { name: `${clusterId}-cable`, namespace },
      spec: { cluster_id: clusterId, cable_name: 'cable', hostname: node, subnets: [], private_ip: '172.20.0.2', nat_enabled: false, backend: 'vxlan' },
    });
    if (!this.kube.gateways.get(node, namespace)) this.kube.gateways.put({ apiVersion: 'submariner.io/v1', kind: 'Gateway', metadata: { name: node, namespace } });
  }

  onChange(fn: (kind: WatchedKind, obj: KubernetesObject) => void): void {
    this.listeners.push(fn);
  }

  onSynced(fn: () => void): void {
    this.syncedListeners.push(fn);
  }

  /** From now until finishListing(), the watches are still listing (as real ones are while the first lists come in). */
  startListing(): void {
    this.listed = false;
  }

  finishListing(): void {
    this.listed = true;
    for (const fn of this.syncedListeners) queueMicrotask(fn);
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  synced(): boolean {
    return this.listed;
  }

  /** API writes made to GlobalNet's own kinds and the Gateways. */
  writes(): number {
    const k = this.kube;
    return k.clusterEgressIps.writes + k.egressIps.writes + k.ingressIps.writes + k.gateways.writes;
  }
}
