import { errorText, type Logger } from '../base/log.js';

export interface ReconcileResult {
  requeueAfterMs?: number;
}

export type Reconcile = (key: string, attempt: number) => Promise<ReconcileResult | void>;

export interface WorkQueueOptions {
  name: string;
  log: Logger;
  /** Keys reconciled at the same time (one worker per key at most). */
  concurrency?: number;
  /** Give up on a key after this many failed attempts in a row (Submariner: 20). */
  maxRetries?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  schedule?: (fn: () => void, ms: number) => void;
}

/**
 * The one reconcile shape: informers add keys (`ns/name`), each key is reconciled by one worker at a
 * time, keys waiting are de-duplicated, failures are retried with exponential backoff and dropped after
 * `maxRetries`, and a reconcile may ask to run again later.
 */
export class WorkQueue {
  private readonly waiting = new Set<string>();
  private readonly order: string[] = [];
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly attempts = new Map<string, number>();
  private readonly idleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly reconcile: Reconcile,
    private readonly o: WorkQueueOptions,
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.waiting.has(key)) return;
    this.waiting.add(key);
    this.order.push(key);
    this.pump();
  }

  addAfter(key: string, ms: number): void {
    (this.o.schedule ?? ((fn, d) => void setTimeout(fn, d).unref()))(() => this.add(key), ms);
  }

  stop(): void {
    this.stopped = true;
    this.waiting.clear();
    this.order.length = 0;
  }

  /** Resolves when nothing is waiting or running (for tests and shutdown). */
  async idle(): Promise<void> {
    if (this.active.size === 0 && this.order.length === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    const concurrency = this.o.concurrency ?? 2;
    while (this.active.size < concurrency && this.order.length > 0) {
      const key = this.order.shift();
      if (key === undefined) break;
      this.waiting.delete(key);
      this.active.add(key);
      void this.work(key);
    }
    if (this.active.size === 0 && this.order.length === 0) this.idleWaiters.splice(0).forEach((r) => r());
  }

  private async work(key: string): Promise<void> {
    const attempt = this.attempts.get(key) ?? 0;
    try {
      const result = await this.reconcile(key, attempt);
      this.attempts.delete(key);
      if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (err) {
      const max = this.o.maxRetries ?? 20;
      if (attempt + 1 >= max) {
        this.o.log.error(`${this.o.name}: giving up on ${key} after ${max} attempts`, { error: errorText(err) });
        this.attempts.delete(key);
      } else {
        this.attempts.set(key, attempt + 1);
        const delay = Math.min((this.o.baseDelayMs ?? 200) * 2 ** attempt, this.o.maxDelayMs ?? 30_000);
        this.o.log.warn(`${this.o.name}: reconciling ${key} failed; retrying in ${delay} ms`, { error: errorText(err) });
        this.addAfter(key, delay);
      }
    } finally {
      this.active.delete(key);
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
    }
  }
}

/** `namespace/name` of an object, or `name` for a cluster-scoped one. */
export function objectKey(obj: { metadata?: { name?: string; namespace?: string } }): string {
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${obj.metadata?.name ?? ''}` : (obj.metadata?.name ?? '');
}

export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
