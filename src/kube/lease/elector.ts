import { errorText, type Logger } from '../../base/log.js';
import { LeaseConflictError, type LeaseRecord, type LeaseStore, type LeaseWatch, type StoredLease } from './store.js';

/** What runs a leader election: started once, stopped (releasing the lease) on shutdown. */
export interface Election {
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * True while this process leads and renewed the lease within the renew deadline, by its own clock: the
   * fence a leader checks before it writes as the leader. It turns false as soon as the deadline passes,
   * even while the process was paused and has not yet noticed that another took over.
   */
  readonly holdsLease: boolean;
}

export interface LeaderElectorOptions {
  identity: string;
  store: LeaseStore;
  leaseDurationMs: number;
  /** The leader gives up when it could not renew for this long. */
  renewDeadlineMs: number;
  /** Candidates retry, and the leader renews, this often. */
  retryPeriodMs: number;
  log: Logger;
  onStartedLeading: () => void | Promise<void>;
  onStoppedLeading: () => void | Promise<void>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Lease-based leader election with client-go's semantics: a candidate takes the lease when it is free
 * or when its record has not changed for a lease duration as observed on the candidate's own clock
 * (clock skew between nodes does not matter); the leader renews every retry period and steps down
 * when it could not renew within the renew deadline, counted from the start of its last successful
 * renewal. The leader renews over the version it last wrote, reading the lease only when that write
 * conflicts. A candidate tries again the moment the lease it watches would expire, not at its next
 * retry. Stopping releases the lease, so a standby takes over within one retry period, or at once when
 * the store reports the lease's changes.
 */
export class LeaderElector implements Election {
  private observed: { key: string; at: number } | undefined;
  private leading = false;
  /** When the last successful renewal started (the lease's expiry counts from no earlier than that). */
  private renewedAt = 0;
  /** How long until the lease held by another expires, as last observed. */
  private expiresInMs: number | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private watch: LeaseWatch | undefined;
  private nudged = false;
  /** Callbacks run in order, without holding up renewals. */
  private callbacks: Promise<void> = Promise.resolve();
  /** The lease as this process last wrote it: a leader renews over its version without reading it first. */
  private written: StoredLease | undefined;

  constructor(private readonly o: LeaderElectorOptions) {}

  get isLeader(): boolean {
    return this.leading;
  }

  get holdsLease(): boolean {
    return this.leading && this.now() - this.renewedAt < this.o.renewDeadlineMs;
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  private async pause(ms: number): Promise<void> {
    if (this.stopped) return;
    // The lease changed while we were asking for it: look again now.
    if (this.nudged && !this.leading) {
      this.nudged = false;
      return;
    }
    const stop = new Promise<void>((r) => (this.wake = r));
    await Promise.race([(this.o.sleep ?? realSleep)(ms), stop]);
    this.wake = undefined;
    this.nudged = false;
  }

  /** One attempt to take or renew the lease; true when we hold it afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    let now = this.now();
    this.expiresInMs = undefined;
    const seconds = Math.max(1, Math.ceil(this.o.leaseDurationMs / 1000));
    const mine = (acquireTime: Date, leaseTransitions: number): LeaseRecord => ({
      holderIdentity: this.o.identity,
      leaseDurationSeconds: seconds,
      acquireTime,
      renewTime: new Date(now),
      leaseTransitions,
    });
    try {
      const last = this.written;
      this.written = undefined;
      if (this.leading && last?.record.holderIdentity === this.o.identity) {
        // One request per renewal while nobody else writes the lease; a conflict means someone did: read it then.
        try {
          this.written = await this.o.store.update(mine(last.record.acquireTime ?? new Date(now), last.record.leaseTransitions), last.resourceVersion);
          return true;
        } catch (err) {
          if (!(err instanceof LeaseConflictError)) throw err;
        }
      }
      const existing = await this.o.store.get();
      // A record is observed when it arrives: dating it from before the request would shorten the lease by its latency.
      now = this.now();
      if (!existing) {
        this.written = await this.o.store.create(mine(new Date(now), 0));
        return true;
      }
      const rec = existing.record;
      const key = `${rec.holderIdentity}|${rec.renewTime?.getTime() ?? ''}|${rec.leaseTransitions}`;
      if (this.observed?.key !== key) this.observed = { key, at: now };
      const heldByOther = rec.holderIdentity !== '' && rec.holderIdentity !== this.o.identity;
      if (heldByOther && this.observed.at + rec.leaseDurationSeconds * 1000 > now) {
        this.expiresInMs = this.observed.at + rec.leaseDurationSeconds * 1000 - now;
        return false;
      }
      const ours = rec.holderIdentity === this.o.identity;
      this.written = await this.o.store.update(mine(ours && rec.acquireTime ? rec.acquireTime : new Date(now), ours ? rec.leaseTransitions : rec.leaseTransitions + 1), existing.resourceVersion);
      return true;
    } catch (err) {
      if (!(err instanceof LeaseConflictError)) this.o.log.warn('cannot reach the leader lease', { error: errorText(err) });
      return false;
    }
  }

  /** Runs the election until stop(): campaign, lead, step down when renewing fails, campaign again. */
  start(): Promise<void> {
    this.stopped = false;
    // A candidate tries again as soon as the lease changes (a leader releasing it); the leader ignores the news.
    this.watch ??= this.o.store.watch?.(() => {
      if (this.leading) return;
      this.nudged = true;
      this.wake?.();
    }, this.o.log);
    this.running ??= this.loop().finally(() => (this.running = undefined));
    return this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      for (;;) {
        const started = this.now();
        if (this.stopped || (await this.tryAcquireOrRenew())) {
          this.renewedAt = started;
          break;
        }
        await this.pause(Math.min(this.o.retryPeriodMs, this.expiresInMs ?? Infinity));
      }
      if (this.stopped) break;
      this.leading = true;
      this.o.log.info('became the leader', { identity: this.o.identity });
      this.callback(this.o.onStartedLeading);
      while (!this.stopped) {
        await this.pause(this.o.retryPeriodMs);
        if (this.stopped) break;
        const started = this.now();
        if (await this.tryAcquireOrRenew()) this.renewedAt = started;
        else if (this.now() - this.renewedAt >= this.o.renewDeadlineMs) break;
      }
      this.leading = false;
      this.o.log.info('stopped leading', { identity: this.o.identity });
      this.callback(this.o.onStoppedLeading);
    }
  }

  private callback(fn: () => void | Promise<void>): void {
    this.callbacks = this.callbacks.then(async () => {
      try {
        await fn();
      } catch (err) {
        this.o.log.error('leader election callback failed', { error: errorText(err) });
      }
    });
  }

  /**
   * Stops campaigning; a leader releases the lease first (so that a standby takes over within one retry
   * period, even when this process is killed soon after), then steps down (onStoppedLeading runs).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
    await this.watch?.stop();
    this.watch = undefined;
    await this.release();
    await this.callbacks;
  }

  private async release(): Promise<void> {
    try {
      const existing = await this.o.store.get();
      if (!existing || existing.record.holderIdentity !== this.o.identity) return;
      const now = new Date(this.now());
      await this.o.store.update(
        { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: existing.record.leaseTransitions },
        existing.resourceVersion,
      );
    } catch (err) {
      this.o.log.warn('could not release the leader lease', { error: errorText(err) });
    }
  }
}
