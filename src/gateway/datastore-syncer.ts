import type { KubernetesObject } from '@kubernetes/client-node';
import { isDeepStrictEqual } from 'node:util';
import type { Cluster, Endpoint } from '../api/generated.js';
import { labels } from '../api/names.js';
import type { Logger } from '../base/log.js';
import { WorkQueue, type ReconcileResult } from '../kube/work-queue.js';
import { overlappingSubnet } from './endpoint-validation.js';
import { ensureObject, type ObjectCache, type ObjectClient } from './custom-objects.js';

type Synced = Endpoint | Cluster;

/** One kind on both sides: the broker namespace and the local Submariner namespace. */
export interface SyncedKind<T extends Synced> {
  broker: ObjectClient<T>;
  brokerCache: ObjectCache<T>;
  local: ObjectClient<T>;
  localCache: ObjectCache<T>;
}

export interface DatastoreSyncerOptions {
  clusterId: string;
  localNamespace: string;
  endpoints: SyncedKind<Endpoint>;
  clusters: SyncedKind<Cluster>;
  /** The Endpoint and Cluster this gateway publishes (names and specs as they should be). */
  localEndpoint: () => Endpoint;
  localCluster: () => Cluster;
  /** Remote Endpoints with a subnet overlapping these are not synced down. */
  localSubnets: readonly string[];
  /**
   * The leader's fence: false once this gateway may no longer hold the lease (paused past its renew
   * deadline, say), when a newer active gateway may be deleting what this one would write back.
   */
  mayWrite?: () => boolean;
  log: Logger;
}

/** How soon a change held back by the fence is looked at again (by then the gateway has renewed or stepped down). */
const FENCED_RETRY_MS = 250;

type Kind = 'endpoint' | 'cluster';

const specOf = (o: KubernetesObject | undefined): unknown => (o as { spec?: unknown } | undefined)?.spec;
const clusterIdOf = (o: Synced | undefined): string | undefined => o?.spec?.cluster_id;

/**
 * Keeps the broker and this cluster in step (active gateway only): our Endpoint and Cluster up to the
 * broker and into our namespace, every other cluster's down into our namespace (copies are labelled
 * with their cluster ID and removed when gone from the broker), older Endpoints of our own cluster
 * deleted on both sides, and remote Endpoints whose subnets overlap ours dropped.
 */
export class DatastoreSyncer {
  private readonly queue: WorkQueue;
  private started = false;
  private readonly dropped = new Set<string>();

  constructor(private readonly o: DatastoreSyncerOptions) {
    this.queue = new WorkQueue((key) => this.reconcile(key), { name: 'datastore-syncer', log: o.log });
    for (const [kind, k] of [['endpoint', o.endpoints], ['cluster', o.clusters]] as const) {
      const add = (obj: KubernetesObject) => this.started && this.queue.add(`${kind}/${obj.metadata?.name ?? ''}`);
      k.brokerCache.onChange(add);
      k.localCache.onChange(add);
    }
  }

  start(): void {
    this.started = true;
    this.publish();
    for (const [kind, k] of [['endpoint', this.o.endpoints], ['cluster', this.o.clusters]] as const) {
      for (const obj of [...(k.brokerCache.list() as Synced[]), ...(k.localCache.list() as Synced[])]) this.queue.add(`${kind}/${obj.metadata?.name ?? ''}`);
    }
  }

  /** Writes our Endpoint and Cluster again (after they changed). */
  publish(): void {
    if (!this.started) return;
    this.queue.add(`endpoint/${this.o.localEndpoint().metadata?.name ?? ''}`);
    this.queue.add(`cluster/${this.o.localCluster().metadata?.name ?? ''}`);
  }

  stop(): void {
    this.started = false;
    this.queue.stop();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    if (!this.started) return;
    if (this.o.mayWrite?.() === false) return { requeueAfterMs: FENCED_RETRY_MS };
    const i = key.indexOf('/');
    const kind = key.slice(0, i) as Kind;
    const name = key.slice(i + 1);
    if (kind === 'endpoint') await this.sync(name, this.o.endpoints, this.o.localEndpoint(), true);
    else await this.sync(name, this.o.clusters, this.o.localCluster(), false);
  }

  private async sync<T extends Synced>(name: string, k: SyncedKind<T>, own: T, isEndpoint: boolean): Promise<void> {
    const ns = (namespace: string | undefined): T => {
      const { namespace: _drop, ...meta } = own.metadata ?? {};
      return { ...own, metadata: { ...meta, ...(namespace ? { namespace } : {}), labels: { ...meta.labels, [labels.clusterId]: this.o.clusterId } } };
    };
    if (name === own.metadata?.name) {
      const differs = (have: T) => !isDeepStrictEqual(specOf(have), own.spec);
      await ensureObject(k.broker, ns(undefined), differs);
      await ensureObject(k.local, ns(this.o.localNamespace), differs);
      return;
    }
    const remote = k.brokerCache.get(name);
    const local = k.localCache.get(name);
    const ours = (o: T | undefined) => clusterIdOf(o) === this.o.clusterId;
    if (ours(remote) || ours(local)) {
      // An older Endpoint of this cluster (another gateway node, an earlier private IP): only ours may stay.
      if (ours(remote) && (await k.broker.delete(name))) this.o.log.info('deleted a stale object of this cluster from the broker', { name });
      if (ours(local) && (await k.local.delete(name))) this.o.log.info('deleted a stale object of this cluster', { name });
      return;
    }
    if (!remote) {
      // Only copies this syncer made (labelled with their cluster) follow the broker; others are left alone.
      const copied = local?.metadata?.labels?.[labels.clusterId] !== undefined;
      if (local && copied && (await k.local.delete(name))) this.o.log.info('removed the copy of an object gone from the broker', { name });
      return;
    }
    if (isEndpoint) {
      const overlap = overlappingSubnet((remote as Endpoint).spec, this.o.localSubnets);
      if (overlap !== undefined) {
        if (!this.dropped.has(name)) this.o.log.warn('not syncing a remote Endpoint whose subnets overlap ours', { endpoint: name, subnet: overlap, local: this.o.localSubnets });
        this.dropped.add(name);
        if (local) await k.local.delete(name);
        return;
      }
      this.dropped.delete(name);
    }
    const copy = {
      apiVersion: remote.apiVersion,
      kind: remote.kind,
      metadata: {
        name,
        namespace: this.o.localNamespace,
        labels: { ...remote.metadata?.labels, [labels.clusterId]: clusterIdOf(remote) ?? '' },
      },
      spec: remote.spec,
    } as unknown as T;
    await ensureObject(k.local, copy, (have) => !isDeepStrictEqual(specOf(have), remote.spec));
  }
}
