import type { Endpoint } from '../api/generated.js';
import type { Logger } from '../base/log.js';
import { WorkQueue, type ReconcileResult } from '../kube/work-queue.js';
import type { CableEngine } from './cable-engine.js';
import { validateRemoteEndpoint } from './endpoint-validation.js';
import type { ObjectCache } from './custom-objects.js';

export interface TunnelControllerOptions {
  /** The Endpoints in the Submariner namespace (ours and the copies of other clusters'). */
  endpoints: ObjectCache<Endpoint>;
  engine: CableEngine;
  localClusterId: string;
  localDriver: string;
  knownDrivers: readonly string[];
  log: Logger;
  /** How soon to look again while NAT discovery runs. */
  natRetryMs?: number;
  /** Every Endpoint is looked at again this often (repairs what failed or changed behind our back). */
  resyncMs?: number;
}

const createdAt = (ep: Endpoint): number => {
  const t = ep.metadata?.creationTimestamp;
  return t ? new Date(t).getTime() : 0;
};

/**
 * Turns the remote Endpoints into cables: an Endpoint added or changed installs (or reinstalls) its
 * cable, a deleted one removes it, an unusable one is reported in the Gateway status and skipped.
 */
export class TunnelController {
  private readonly queue: WorkQueue;
  private started = false;
  private resync: NodeJS.Timeout | undefined;

  constructor(private readonly o: TunnelControllerOptions) {
    this.queue = new WorkQueue((key) => this.reconcile(key), { name: 'tunnels', log: o.log, concurrency: 1 });
    o.endpoints.onChange((ep) => {
      if (this.started) this.queue.add(ep.metadata?.name ?? '');
    });
  }

  start(): void {
    this.started = true;
    const all = () => this.o.endpoints.list().forEach((ep) => this.queue.add(ep.metadata?.name ?? ''));
    all();
    this.resync = setInterval(all, this.o.resyncMs ?? 30_000);
    this.resync.unref();
  }

  /** Looks at an Endpoint again (NAT discovery finished for it). */
  requeue(name: string): void {
    if (this.started) this.queue.add(name);
  }

  stop(): void {
    this.started = false;
    clearInterval(this.resync);
    this.queue.stop();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  async reconcile(name: string): Promise<ReconcileResult | void> {
    if (!this.started) return;
    const ep = this.o.endpoints.get(name);
    if (!ep) return this.o.engine.removeCable(name);
    if (ep.spec?.cluster_id === this.o.localClusterId) return;
    const reason = validateRemoteEndpoint(ep.spec, this.o.localDriver, this.o.knownDrivers);
    if (reason) {
      this.o.log.warn('skipping an unusable remote Endpoint', { endpoint: name, reason });
      return this.o.engine.reportError(name, ep.spec, reason);
    }
    const outcome = await this.o.engine.installCable(name, ep.spec, createdAt(ep));
    if (outcome === 'pending-nat') return { requeueAfterMs: this.o.natRetryMs ?? 1000 };
  }
}
