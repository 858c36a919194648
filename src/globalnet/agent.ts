// The GlobalNet agent on one gateway node: it follows which node runs the active gateway, campaigns for
// the GlobalNet lease there, and while it leads runs the controllers over one IPAM pool and one dataplane.

import type { KubernetesObject } from '@kubernetes/client-node';
import { labels, wellKnown } from '../api/names.js';
import type { Election } from '../kube/lease/elector.js';
import { errorText, type Logger } from '../base/log.js';
import { objectKey, WorkQueue } from '../kube/work-queue.js';
import type { GlobalnetConfig } from './config.js';
import { resyncMs as defaultResyncMs } from './constants.js';
import type { ControllerContext } from './controllers/context.js';
import { ClusterEgressController } from './controllers/cluster-egress.js';
import { EgressController } from './controllers/egress.js';
import { GatewayController } from './controllers/gateway.js';
import { IngressController } from './controllers/ingress.js';
import { ServiceExportController } from './controllers/service-export.js';
import type { Dataplane } from './dataplane.js';
import { Allocations, IpPool } from './ipam.js';
import { FencedError, fencedKube, type GlobalnetWatches, type WatchedKind } from './kube.js';
import type { GlobalIpMetrics } from './metrics.js';

export interface GlobalnetAgentDeps {
  config: GlobalnetConfig;
  watches: GlobalnetWatches;
  dataplane: Dataplane;
  newElection: (callbacks: { onStartedLeading: () => Promise<void>; onStoppedLeading: () => Promise<void> }) => Election;
  /** This node's address in the pod network (remote health checks of the gateway's global IP reach it). */
  cniIp: string | undefined;
  metrics: GlobalIpMetrics;
  log: Logger;
  now?: () => Date;
  resyncMs?: number;
  /** Retry delay of dataplane work to try again: kube-proxy's chains not there yet, rules that could not be removed. */
  pendingRetryMs?: number;
}

/** Objects of one kind whose writes may be in flight at once. */
const apiConcurrency = 8;
/** How soon a write the fence held back is tried again. */
const FENCED_RETRY_MS = 250;

/** The controllers and their queues while this node leads. */
class Leadership {
  readonly queues: Record<'defaultEgress' | 'clusterEgress' | 'egress' | 'ingress' | 'exports' | 'gateway' | 'dataplane', WorkQueue>;
  readonly clusterEgress: ClusterEgressController;
  readonly egress: EgressController;
  readonly ingress: IngressController;
  readonly exports: ServiceExportController;
  readonly gateway: GatewayController;
  private ready = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: ControllerContext, private readonly d: GlobalnetAgentDeps) {
    this.clusterEgress = new ClusterEgressController(ctx);
    this.egress = new EgressController(ctx);
    this.ingress = new IngressController(ctx);
    this.exports = new ServiceExportController(ctx);
    this.gateway = new GatewayController(ctx, d.cniIp);
    // A write held back by the fence is tried again soon, without counting as a failure: it is not one.
    const reconcile = (fn: (key: string) => Promise<void>) => async (key: string) => {
      try {
        await fn(key);
      } catch (err) {
        if (err instanceof FencedError) return { requeueAfterMs: FENCED_RETRY_MS };
        throw err;
      }
    };
    const queue = (name: string, fn: (key: string) => Promise<void>, concurrency = 1): WorkQueue => new WorkQueue(reconcile(fn), { name, log: ctx.log, concurrency });
    this.queues = {
      defaultEgress: queue('default-cluster-egress-ip', () => this.clusterEgress.ensureDefault()),
      clusterEgress: queue('cluster-egress-ips', (k) => this.clusterEgress.reconcile(k)),
      egress: queue('global-egress-ips', (k) => this.egress.reconcile(k)),
      // Each ingress IP and export is allocated and contributed synchronously, then written: many objects' writes
      // may wait on the API server at once.
      ingress: queue('global-ingress-ips', (k) => this.ingress.reconcile(k), apiConcurrency),
      exports: queue('service-exports', (k) => this.exports.reconcile(k), apiConcurrency),
      gateway: queue('gateway', (k) => this.gateway.reconcile(k)),
      dataplane: queue('dataplane', () => this.programNow()),
    };
  }

  /** Programs the dataplane once every controller has handled what existed at the start. */
  program(): void {
    if (this.ready) this.queues.dataplane.add('rules');
  }

  private async programNow(): Promise<void> {
    const res = await this.ctx.dataplane.program();
    if (res.changed) this.ctx.log.info('programmed the GlobalNet rules', { contributions: this.ctx.dataplane.size });
    if (res.missingKubeProxyChains > 0 && this.retry === undefined) {
      this.retry = setTimeout(() => {
        this.retry = undefined;
        this.program();
      }, this.d.pendingRetryMs ?? 2000);
      this.retry.unref();
    }
  }

  /** Reserves what the objects record, reconciles every object (ingress status writes aside), then programs the kernel once. */
  async start(): Promise<void> {
    const { kube, config } = this.ctx;
    this.clusterEgress.reserve();
    this.egress.reserve();
    this.ingress.reserve();
    this.gateway.reserve();
    this.ctx.poolChanged();
    this.remoteCidrs();
    // Tried again until it is created (its watch event then brings it to the cluster egress queue).
    this.queues.defaultEgress.add(wellKnown.clusterEgressIP);
    await this.queues.defaultEgress.idle();
    for (const o of kube.clusterEgressIps.list()) this.queues.clusterEgress.add(o.metadata?.name ?? '');
    for (const o of kube.egressIps.list()) this.queues.egress.add(objectKey(o));
    for (const o of kube.serviceExports.list()) this.queues.exports.add(objectKey(o));
    // Ingress IPs contribute at once; only their status writes queue, and the first programming does not wait for them.
    for (const o of kube.ingressIps.list()) {
      this.ingress.contribute(objectKey(o));
      this.queues.ingress.add(objectKey(o));
    }
    this.queues.gateway.add(config.nodeName);
    await this.idle([this.queues.ingress]);
    this.ready = true;
    this.program();
    await this.queues.dataplane.idle();
  }

  /** Waits out work that makes more work (a created object's watch event), a few rounds at most. */
  async idle(except: readonly WorkQueue[] = []): Promise<void> {
    for (let round = 0; round < 5; round++) {
      for (const q of Object.values(this.queues)) if (!except.includes(q)) await q.idle();
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Takes no more work, and resolves once the work already running ended (a dataplane run among it). */
  async stop(): Promise<void> {
    this.ready = false;
    if (this.retry) clearTimeout(this.retry);
    for (const q of Object.values(this.queues)) q.stop();
    await Promise.all(Object.values(this.queues).map((q) => q.idle()));
  }

  /** Traffic to the remote clusters' global CIDRs is what GlobalNet translates. */
  remoteCidrs(): void {
    const { kube, config } = this.ctx;
    const cidrs = kube.clusters
      .list(config.namespace)
      .filter((c) => c.spec?.cluster_id !== config.clusterId)
      .flatMap((c) => c.spec?.global_cidr ?? []);
    this.ctx.dataplane.set('remote', { kind: 'remote', cidrs });
    this.ctx.program();
  }

  /** Routes a watch event to the queues of the controllers it concerns. */
  changed(kind: WatchedKind, obj: KubernetesObject): void {
    const q = this.queues;
    const key = objectKey(obj);
    const ns = obj.metadata?.namespace ?? '';
    switch (kind) {
      case 'clusterEgressIps':
        q.clusterEgress.add(obj.metadata?.name ?? '');
        break;
      case 'egressIps':
        q.egress.add(key);
        break;
      case 'ingressIps':
        // Rules first; the status write that records the allocation waits its turn in the queue.
        this.ingress.contribute(key);
        q.ingress.add(key);
        q.exports.add(`${ns}/${obj.metadata?.labels?.[labels.serviceRef] ?? obj.metadata?.name ?? ''}`);
        break;
      case 'serviceExports':
        q.exports.add(key);
        break;
      case 'services':
        q.exports.add(key);
        q.ingress.add(key);
        break;
      case 'pods':
        for (const k of this.egress.keysInNamespace(ns)) q.egress.add(k);
        for (const k of this.exports.keysInNamespace(ns)) q.exports.add(k);
        break;
      case 'clusters':
        this.remoteCidrs();
        break;
      case 'gateways':
        if (obj.metadata?.name === this.ctx.config.nodeName) q.gateway.add(this.ctx.config.nodeName);
        break;
      case 'endpoints':
        break;
    }
  }

  resync(): void {
    this.program();
  }
}

/**
 * Runs GlobalNet on one gateway node: waits for the cluster's GlobalCIDR, enters the election while this
 * node runs the active gateway, and leads the controllers while it holds the lease. Losing the gateway
 * flushes GlobalNet's rules from the node; stopping the process keeps them (a restart reprograms nothing).
 */
export class GlobalnetAgent {
  private election: Election | undefined;
  private leadership: Leadership | undefined;
  private globalCidr: string | undefined;
  private pool: IpPool | undefined;
  private stopping = false;
  private resyncTimer: NodeJS.Timeout | undefined;
  private role: Promise<void> = Promise.resolve();
  private waitingLogged = false;

  constructor(private readonly d: GlobalnetAgentDeps) {}

  /** Whether this node leads GlobalNet now. */
  get leading(): boolean {
    return this.leadership !== undefined;
  }

  async start(): Promise<void> {
    this.d.watches.onChange((kind, obj) => this.changed(kind, obj));
    this.d.watches.onSynced(() => this.followGateway());
    await this.d.watches.start();
    this.resyncTimer = setInterval(() => this.leadership?.resync(), this.d.resyncMs ?? defaultResyncMs);
    this.resyncTimer.unref();
    this.followGateway();
  }

  /** Leaves the election and stops watching; the node keeps its rules. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    await this.role;
    await this.election?.stop();
    await this.d.watches.stop();
  }

  /** Resolves when the leader's queues are empty (tests). */
  async idle(): Promise<void> {
    await this.role;
    await this.leadership?.idle();
  }

  private changed(kind: WatchedKind, obj: KubernetesObject): void {
    if (kind === 'endpoints' || kind === 'clusters') this.followGateway();
    this.leadership?.changed(kind, obj);
  }

  /** The GlobalCIDR as rendered, else the one the cluster's Cluster object records. */
  private resolveGlobalCidr(): string | undefined {
    const { config, watches } = this.d;
    return config.globalCidr ?? watches.kube.clusters.get(config.clusterId, config.namespace)?.spec?.global_cidr?.[0];
  }

  private isActiveGateway(): boolean {
    const { config, watches } = this.d;
    const short = (h: string) => h.toLowerCase().split('.')[0];
    return watches.kube.endpoints.list(config.namespace).some((e) => e.spec?.cluster_id === config.clusterId && short(e.spec.hostname) === short(config.nodeName));
  }

  /**
   * Enters the election when this node runs the active gateway, leaves it when it no longer does. Nothing is decided
   * before every watch has listed: a leader working from half a list would take the rules of what it has not seen yet
   * off the node.
   */
  private followGateway(): void {
    this.role = this.role.then(async () => {
      if (this.stopping || !this.d.watches.synced()) return;
      this.globalCidr ??= this.resolveGlobalCidr();
      if (this.globalCidr === undefined) {
        if (!this.waitingLogged) this.d.log.info('waiting for the cluster\'s GlobalCIDR', { cluster: this.d.config.clusterId });
        this.waitingLogged = true;
        return;
      }
      const active = this.isActiveGateway();
      if (active && !this.election) {
        this.d.log.info('this node runs the active gateway: campaigning for GlobalNet', { node: this.d.config.nodeName });
        this.election = this.d.newElection({ onStartedLeading: () => this.lead(), onStoppedLeading: () => this.unlead() });
        void this.election.start();
      } else if (!active && this.election) {
        this.d.log.info('the active gateway is elsewhere: leaving the GlobalNet election', { node: this.d.config.nodeName });
        const election = this.election;
        this.election = undefined;
        await election.stop();
      }
    });
  }

  private async lead(): Promise<void> {
    const cidr = this.globalCidr ?? '';
    this.pool = new IpPool(cidr);
    const pool = this.pool;
    // The fence belongs to this term: a reconcile of an earlier leadership still running never passes a later one's.
    const election = this.election;
    const term: { leadership?: Leadership } = {};
    const ctx: ControllerContext = {
      config: this.d.config,
      kube: fencedKube(this.d.watches.kube, () => this.leadership !== undefined && this.leadership === term.leadership && election?.holdsLease === true),
      allocations: new Allocations(pool),
      dataplane: this.d.dataplane,
      program: () => this.leadership?.program(),
      poolChanged: () => this.d.metrics.record(cidr, pool.available, pool.allocated),
      log: this.d.log,
      now: this.d.now ?? (() => new Date()),
    };
    const leadership = new Leadership(ctx, this.d);
    term.leadership = leadership;
    this.leadership = leadership;
    this.d.log.info('leading GlobalNet', { globalCidr: cidr, node: this.d.config.nodeName });
    try {
      await leadership.start();
    } catch (err) {
      this.d.log.error('could not take over GlobalNet', { error: errorText(err) });
    }
  }

  private async unlead(): Promise<void> {
    const leadership = this.leadership;
    this.leadership = undefined;
    // A dataplane run already under way would write its rules back after the uninstall below.
    await leadership?.stop();
    this.d.dataplane.clear();
    if (this.stopping) return;
    await this.removeRules(0);
  }

  /** Another node leads now: this node must not translate anything. A failed removal is tried again, with backoff. */
  private async removeRules(attempt: number): Promise<void> {
    if (this.stopping || this.leadership) return;
    try {
      await this.d.dataplane.uninstall();
      this.d.log.info('no longer leading GlobalNet: removed its rules from this node');
    } catch (err) {
      const retryInMs = Math.min((this.d.pendingRetryMs ?? 2000) * 2 ** attempt, 30_000);
      this.d.log.error('could not remove the GlobalNet rules; trying again', { error: errorText(err), retryInMs });
      setTimeout(() => void this.removeRules(attempt + 1), retryInMs).unref();
    }
  }
}

