import type { Informer, KubernetesObject } from '@kubernetes/client-node';
import { errorText, type Logger } from '../base/log.js';

export interface SupervisorOptions {
  name: string;
  log: Logger;
  minDelayMs?: number;
  maxDelayMs?: number;
  /** A run that stayed up this long starts the backoff again from minDelayMs. */
  resetAfterMs?: number;
  /** Called once the informer has listed (again) and watches. */
  onSynced?: () => void;
  onError?: (err: unknown) => void;
  schedule?: (run: () => void, ms: number) => () => void;
  now?: () => number;
  random?: () => number;
}

/**
 * Keeps an informer running: client-node's ListWatch stops for good on most errors, so restart it
 * after a capped exponential backoff with jitter.
 */
export class InformerSupervisor<T extends KubernetesObject> {
  private failures = 0;
  private syncedAt: number | undefined;
  private attemptFailed = false;
  private cancelRestart: (() => void) | undefined;
  private stopped = false;
  private everSynced = false;

  constructor(
    private readonly informer: Informer<T>,
    private readonly options: SupervisorOptions,
  ) {
    informer.on('error', (err: unknown) => this.failed(err));
  }

  /** Whether the informer has completed a list at least once. */
  get synced(): boolean {
    return this.everSynced;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelRestart?.();
    this.cancelRestart = undefined;
    await this.informer.stop();
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    this.attemptFailed = false;
    try {
      await this.informer.start();
    } catch (err) {
      this.failed(err);
      return;
    }
    if (this.attemptFailed || this.stopped) return;
    this.syncedAt = this.now();
    this.everSynced = true;
    this.options.log.debug('watching', { informer: this.options.name });
    this.options.onSynced?.();
  }

  private failed(err: unknown): void {
    this.attemptFailed = true;
    this.options.onError?.(err);
    if (this.stopped || this.cancelRestart !== undefined) return;
    const { minDelayMs = 1000, maxDelayMs = 30_000, resetAfterMs = 60_000 } = this.options;
    if (this.syncedAt !== undefined && this.now() - this.syncedAt >= resetAfterMs) this.failures = 0;
    this.syncedAt = undefined;
    const base = Math.min(maxDelayMs, minDelayMs * 2 ** this.failures);
    const delay = Math.round(base * (0.8 + 0.4 * (this.options.random ?? Math.random)()));
    this.failures++;
    this.options.log.warn('watch stopped, restarting', { informer: this.options.name, error: errorText(err), retryInMs: delay });
    const schedule = this.options.schedule ?? defaultSchedule;
    this.cancelRestart = schedule(() => {
      this.cancelRestart = undefined;
      void this.run();
    }, delay);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

function defaultSchedule(run: () => void, ms: number): () => void {
  const timer = setTimeout(run, ms);
  return () => clearTimeout(timer);
}
