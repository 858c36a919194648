import type { V1Node } from '@kubernetes/client-node';
import type { Logger } from '../base/log.js';
import { WorkQueue } from '../kube/work-queue.js';
import type { RouteAgentConfig } from './config.js';
import { resyncMs as defaultResyncMs } from './constants.js';
import type { StateReader } from './event/handler.js';
import type { Registry } from './event/registry.js';
import type { ClusterView, Skipped } from './model.js';
import { buildView, diffViews } from './view.js';

/** The informer caches the controller reads. */
export interface ClusterSource {
  endpoints(): readonly unknown[];
  nodes(): readonly V1Node[];
  /** Whether every cache has been listed once. */
  synced(): boolean;
}

/** The view handlers read: the one being handled. */
export class ViewState implements StateReader {
  private current: ClusterView;

  constructor(config: Pick<RouteAgentConfig, 'clusterId' | 'nodeName'>) {
    this.current = { clusterId: config.clusterId, nodeName: config.nodeName, nodes: [], remoteEndpoints: [], isGateway: false };
  }

  view(): ClusterView {
    return this.current;
  }

  set(view: ClusterView): void {
    this.current = view;
  }
}

export interface ControllerOptions {
  config: Pick<RouteAgentConfig, 'clusterId' | 'nodeName' | 'clusterCidrs' | 'serviceCidrs' | 'globalCidrs'>;
  source: ClusterSource;
  state: ViewState;
  registry: Registry;
  log: Logger;
  resyncMs?: number;
  schedule?: (fn: () => void, ms: number) => () => void;
}

/** A change in the caches: handled only when the view differs from the one last handled. */
const CHANGE = 'change';
/** A periodic or requested re-sync: handlers run even when nothing changed. */
const RESYNC = 'resync';

/**
 * Turns informer events into handler calls: every change rebuilds the view from the caches, diffs it
 * against the view last handled and dispatches the events to the registry; a timer re-syncs
 * periodically (sooner when a handler is waiting for the node), repairing drift.
 */
export class RouteAgentController {
  private readonly queue: WorkQueue;
  private handled: ClusterView | undefined;
  private readonly reported = new Map<string, string>();
  private cancelTimer: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly o: ControllerOptions) {
    this.queue = new WorkQueue((key) => this.reconcile(key), { name: 'routeagent', log: o.log, concurrency: 1 });
  }

  /** Call on every informer event. */
  changed(): void {
    this.queue.add(CHANGE);
  }

  resync(): void {
    this.queue.add(RESYNC);
  }

  /** Resolves when no reconcile is queued or running. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  stop(): void {
    this.stopped = true;
    this.queue.stop();
    this.cancelTimer?.();
  }

  private async reconcile(key: string): Promise<void> {
    if (this.stopped || !this.o.source.synced()) return;
    const { view, skipped } = buildView(this.o.config, this.o.source.endpoints(), this.o.source.nodes());
    this.report(skipped);
    const events = diffViews(this.handled, view);
    if (key === CHANGE && events.length === 0) return;
    this.o.state.set(view);
    let retryAfterMs: number | undefined;
    try {
      ({ retryAfterMs } = await this.o.registry.dispatch(events));
      this.handled = view;
      if (events.length > 0) this.o.log.debug('handled', { events: events.map((e) => e.type) });
    } finally {
      this.schedule(retryAfterMs ?? this.o.resyncMs ?? defaultResyncMs);
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.cancelTimer?.();
    const schedule = this.o.schedule ?? defaultSchedule;
    this.cancelTimer = schedule(() => this.resync(), ms);
  }

  /** Logs each skipped object once per version, and when it is fixed. */
  private report(skipped: readonly Skipped[]): void {
    const now = new Map(skipped.map((s) => [`${s.kind}/${s.name}`, s]));
    for (const [key, s] of now) {
      if (this.reported.get(key) === `${s.version}:${s.reason}`) continue;
      this.reported.set(key, `${s.version}:${s.reason}`);
      this.o.log.warn(`${s.kind === 'Endpoint' ? 'ignoring ' : ''}${s.kind} ${s.name}: ${s.reason}`);
    }
    for (const key of this.reported.keys()) {
      if (!now.has(key)) this.reported.delete(key);
    }
  }
}

function defaultSchedule(fn: () => void, ms: number): () => void {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
}
