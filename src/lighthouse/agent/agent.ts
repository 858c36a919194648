import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Cluster, Gateway, GlobalIngressIP } from '../../api/generated.js';
import { labels } from '../../api/names.js';
import type { Logger } from '../../base/log.js';
import { objectKey, WorkQueue } from '../../kube/work-queue.js';
import type { AgentConfig } from './config.js';
import { ClustersetIpAllocator } from './clusterset-ip.js';
import { ClusterConnectivity } from './connectivity.js';
import { globalIngressIpService, globalIpsFrom } from './global-ips.js';
import { isManagedImport } from './imports-and-slices.js';
import type { LighthouseAgentMetrics } from './metrics.js';
import { ServiceReconciler } from './reconciler.js';
import { labelKey, watchAgentObjects, type AgentWatches, type Verb, type WatchedKind } from './watches.js';
import { KubeWriter } from './writer.js';

export interface AgentOptions {
  config: AgentConfig;
  /** The local cluster. */
  local: KubeConfig;
  /** The broker, with this cluster's member credentials. */
  broker: KubeConfig;
  brokerNamespace: string;
  log: Logger;
  /** Services reconciled at the same time. */
  concurrency?: number;
  metrics?: LighthouseAgentMetrics;
}

/**
 * The Lighthouse agent: watches the local cluster and the broker, and reconciles each service (`<ns>/<name>`)
 * through one work queue once every watch has listed. Connectivity changes (Gateways, broker Clusters, grace periods
 * running out) requeue the services of the clusters concerned.
 */
export class LighthouseAgent {
  private readonly watches: AgentWatches;
  private readonly queue: WorkQueue;
  private readonly connectivity: ClusterConnectivity;
  private readonly reconciler: ServiceReconciler;
  private readonly early = new Set<string>();
  private running = false;
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: AgentOptions) {
    this.connectivity = new ClusterConnectivity({ localClusterId: o.config.clusterId, graceMs: o.config.disconnectGraceMs });
    this.watches = watchAgentObjects({
      local: o.local,
      broker: o.broker,
      brokerNamespace: o.brokerNamespace,
      submarinerNamespace: o.config.namespace,
      globalnet: o.config.globalnetEnabled,
      log: o.log,
      onChange: (kind, verb, obj) => this.changed(kind, verb, obj),
      onSynced: () => this.maybeRun(),
      onGatewayApi: (present) => {
        if (!present) o.log.info('the Gateways cannot be watched: every cluster counts as connected');
        this.connectivityChanged(this.connectivity.setGatewayApiPresent(present));
      },
    });
    this.reconciler = new ServiceReconciler({
      config: o.config,
      caches: this.watches.caches,
      local: new KubeWriter(o.local, 'the local cluster', o.metrics && ((op, obj) => o.metrics?.imported(op, obj))),
      broker: new KubeWriter(o.broker, 'the broker', o.metrics && ((op, obj) => o.metrics?.exported(op, obj))),
      brokerNamespace: o.brokerNamespace,
      connectivity: this.connectivity,
      globalIps: o.config.globalnetEnabled ? globalIpsFrom(this.watches.caches.globalIngressIps) : undefined,
      clustersetIps: new ClustersetIpAllocator(o.config.clustersetIpCidr),
      log: o.log,
    });
    const reconcile = async (key: string): Promise<void> => {
      try {
        await this.reconciler.reconcile(key);
      } catch (err) {
        o.metrics?.syncFailed();
        throw err;
      }
    };
    this.queue = new WorkQueue(reconcile, { name: 'services', log: o.log, concurrency: o.concurrency ?? 16 });
  }

  /** Starts the watches; reconciling begins once all of them have listed. */
  async start(): Promise<void> {
    await this.watches.start();
    this.maybeRun();
  }

  /** Stops reconciling (letting the reconciles under way finish, for at most `drainMs`) and the watches. */
  async stop(drainMs = 5000): Promise<void> {
    clearTimeout(this.expiryTimer);
    this.queue.stop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.queue.idle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, drainMs)))]);
    clearTimeout(timer);
    await this.watches.stop();
  }

  /** Whether every watch has listed and reconciling has begun. */
  get reconciling(): boolean {
    return this.running;
  }

  /** Resolves when nothing waits to be reconciled. */
  async idle(): Promise<void> {
    await this.queue.idle();
  }

  private maybeRun(): void {
    if (this.running || !this.watches.synced()) return;
    this.running = true;
    const c = this.watches.caches;
    const me = this.o.config.clusterId;
    const keys = new Set<string>(this.early);
    this.early.clear();
    for (const se of c.serviceExports.list()) keys.add(objectKey(se));
    for (const si of c.serviceImports.list()) if (isManagedImport(si)) keys.add(objectKey(si));
    for (const obj of [...c.lighthouseSlices.list(), ...c.brokerImports.list()]) addKey(keys, labelKey(obj));
    for (const obj of c.brokerSlices.list()) if (obj.metadata?.labels?.[labels.sourceCluster] === me) addKey(keys, labelKey(obj));
    this.o.log.info('watches synced: reconciling', { clusterId: me, services: keys.size });
    for (const key of keys) this.queue.add(key);
  }

  private enqueue(key: string | undefined): void {
    if (key === undefined) return;
    if (this.running) this.queue.add(key);
    else this.early.add(key);
  }

  private changed(kind: WatchedKind, verb: Verb, obj: KubernetesObject): void {
    switch (kind) {
      case 'serviceImports':
        this.reconciler.observed('local', 'ServiceImport', obj);
        this.enqueue(objectKey(obj));
        return;
      case 'serviceExports':
      case 'services':
        this.enqueue(objectKey(obj));
        return;
      case 'endpointSlices': {
        const svc = obj.metadata?.labels?.[labels.kubeServiceName];
        this.enqueue(svc && obj.metadata?.namespace ? `${obj.metadata.namespace}/${svc}` : undefined);
        return;
      }
      case 'lighthouseSlices':
      case 'brokerImports':
      case 'brokerSlices':
        this.reconciler.observed(kind.startsWith('broker') ? 'broker' : 'local', kind.endsWith('Slices') ? 'EndpointSlice' : 'ServiceImport', obj);
        this.enqueue(labelKey(obj));
        return;
      case 'namespaces':
        for (const si of this.watches.caches.brokerImports.list()) {
          if (si.metadata?.labels?.[labels.sourceNamespace] === obj.metadata?.name) this.enqueue(labelKey(si));
        }
        return;
      case 'globalIngressIps': {
        const svc = globalIngressIpService(obj as GlobalIngressIP);
        this.enqueue(svc === undefined ? undefined : `${svc.namespace}/${svc.name}`);
        return;
      }
      case 'gateways':
        this.connectivityChanged(verb === 'delete' ? this.connectivity.deleteGateway(obj as Gateway) : this.connectivity.upsertGateway(obj as Gateway));
        return;
      case 'brokerClusters': {
        const members = this.watches.caches.brokerClusters.list().map((cl: Cluster) => cl.spec?.cluster_id || cl.metadata?.name || '');
        this.connectivityChanged(this.connectivity.setMembers(members.filter((m) => m !== '')));
        return;
      }
    }
  }

  /** Requeues the services the clusters export and arms the timer for the next grace period to run out. */
  private connectivityChanged(clusters: string[]): void {
    if (clusters.length > 0) {
      this.o.log.debug('cluster connectivity changed', { clusters });
      for (const si of this.watches.caches.brokerImports.list()) {
        if (clusters.includes(si.metadata?.labels?.[labels.sourceCluster] ?? '')) this.enqueue(labelKey(si));
      }
    }
    clearTimeout(this.expiryTimer);
    const next = this.connectivity.nextExpiry();
    if (next === undefined) return;
    this.expiryTimer = setTimeout(() => this.connectivityChanged(this.connectivity.tick()), Math.max(0, next - Date.now()) + 1);
    this.expiryTimer.unref();
  }
}

function addKey(keys: Set<string>, key: string | undefined): void {
  if (key !== undefined) keys.add(key);
}
