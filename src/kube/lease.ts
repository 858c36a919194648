import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { apiStatus } from './apply.js';
import { errorText, type Logger } from './log.js';

/** The leader-election fields of a coordination.k8s.io Lease. */
export interface LeaseRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: Date | undefined;
  renewTime: Date | undefined;
  leaseTransitions: number;
}

export interface StoredLease {
  record: LeaseRecord;
  resourceVersion: string;
}

/** Someone else wrote the lease first (HTTP 409). */
export class LeaseConflictError extends Error {
  constructor(message = 'the lease changed concurrently') {
    super(message);
    this.name = 'LeaseConflictError';
  }
}

/** Where one lease is kept; writes are compare-and-swap on the resource version. */
export interface LeaseStore {
  get(): Promise<StoredLease | undefined>;
  create(record: LeaseRecord): Promise<StoredLease>;
  update(record: LeaseRecord, resourceVersion: string): Promise<StoredLease>;
}

/** A Lease object in a namespace of a cluster. */
export class KubeLeaseStore implements LeaseStore {
  private readonly api: CoordinationV1Api;

  constructor(kc: KubeConfig, private readonly namespace: string, private readonly name: string) {
    this.api = kc.makeApiClient(CoordinationV1Api);
  }

  private static toStored(lease: V1Lease): StoredLease {
    const s = lease.spec ?? {};
    return {
      record: {
        holderIdentity: s.holderIdentity ?? '',
        leaseDurationSeconds: s.leaseDurationSeconds ?? 0,
        acquireTime: s.acquireTime ? new Date(s.acquireTime) : undefined,
        renewTime: s.renewTime ? new Date(s.renewTime) : undefined,
        leaseTransitions: s.leaseTransitions ?? 0,
      },
      resourceVersion: lease.metadata?.resourceVersion ?? '',
    };
  }

  private body(record: LeaseRecord, resourceVersion?: string): V1Lease {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.name, namespace: this.namespace, ...(resourceVersion ? { resourceVersion } : {}) },
      spec: {
        holderIdentity: record.holderIdentity,
        leaseDurationSeconds: record.leaseDurationSeconds,
        // MicroTime: the API server wants six fractional digits, which V1MicroTime prints.
        ...(record.acquireTime ? { acquireTime: new V1MicroTime(record.acquireTime.getTime()) } : {}),
        ...(record.renewTime ? { renewTime: new V1MicroTime(record.renewTime.getTime()) } : {}),
        leaseTransitions: record.leaseTransitions,
      },
    };
  }

  async get(): Promise<StoredLease | undefined> {
    try {
      return KubeLeaseStore.toStored(await this.api.readNamespacedLease({ name: this.name, namespace: this.namespace }));
    } catch (err) {
      if (apiStatus(err) === 404) return undefined;
      throw err;
    }
  }

  async create(record: LeaseRecord): Promise<StoredLease> {
    try {
      return KubeLeaseStore.toStored(await this.api.createNamespacedLease({ namespace: this.namespace, body: this.body(record) }));
    } catch (err) {
      if (apiStatus(err) === 409) throw new LeaseConflictError();
      throw err;
    }
  }

  async update(record: LeaseRecord, resourceVersion: string): Promise<StoredLease> {
    try {
      const body = this.body(record, resourceVersion);
      return KubeLeaseStore.toStored(await this.api.replaceNamespacedLease({ name: this.name, namespace: this.namespace, body }));
    } catch (err) {
      if (apiStatus(err) === 409) throw new LeaseConflictError();
      throw err;
    }
  }
}

/** An in-memory lease with the API server's compare-and-swap semantics, for tests and single-process use. */
export class MemoryLeaseStore implements LeaseStore {
  private stored: StoredLease | undefined;
  private version = 0;
  /** Makes every call fail, as an unreachable API server would. */
  unreachable = false;

  private check(): void {
    if (this.unreachable) throw new Error('connect ECONNREFUSED');
  }

  peek(): LeaseRecord | undefined {
    return this.stored && { ...this.stored.record };
  }

  async get(): Promise<StoredLease | undefined> {
    this.check();
    return this.stored && { record: { ...this.stored.record }, resourceVersion: this.stored.resourceVersion };
  }

  async create(record: LeaseRecord): Promise<StoredLease> {
    this.check();
    if (this.stored) throw new LeaseConflictError();
    this.stored = { record: { ...record }, resourceVersion: String(++this.version) };
    return this.get() as Promise<StoredLease>;
  }

  async update(record: LeaseRecord, resourceVersion: string): Promise<StoredLease> {
    this.check();
    if (!this.stored || this.stored.resourceVersion !== resourceVersion) throw new LeaseConflictError();
    this.stored = { record: { ...record }, resourceVersion: String(++this.version) };
    return this.get() as Promise<StoredLease>;
  }
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
 * when it could not renew within the renew deadline. Stopping releases the lease, so a standby takes
 * over within one retry period.
 */
export class LeaderElector {
  private observed: { key: string; at: number } | undefined;
  private leading = false;
  private stopped = false;
  private wake: (() => void) | undefined;
  private running: Promise<void> | undefined;
  /** Callbacks run in order, without holding up renewals. */
  private callbacks: Promise<void> = Promise.resolve();

  constructor(private readonly o: LeaderElectorOptions) {}

  get isLeader(): boolean {
    return this.leading;
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  private async pause(ms: number): Promise<void> {
    if (this.stopped) return;
    const stop = new Promise<void>((r) => (this.wake = r));
    await Promise.race([(this.o.sleep ?? realSleep)(ms), stop]);
    this.wake = undefined;
  }

  /** One attempt to take or renew the lease; true when we hold it afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.now();
    const seconds = Math.max(1, Math.ceil(this.o.leaseDurationMs / 1000));
    const mine = (acquireTime: Date, leaseTransitions: number): LeaseRecord => ({
      holderIdentity: this.o.identity,
      leaseDurationSeconds: seconds,
      acquireTime,
      renewTime: new Date(now),
      leaseTransitions,
    });
    try {
      const existing = await this.o.store.get();
      if (!existing) {
        await this.o.store.create(mine(new Date(now), 0));
        return true;
      }
      const rec = existing.record;
      const key = `${rec.holderIdentity}|${rec.renewTime?.getTime() ?? ''}|${rec.leaseTransitions}`;
      if (this.observed?.key !== key) this.observed = { key, at: now };
      const heldByOther = rec.holderIdentity !== '' && rec.holderIdentity !== this.o.identity;
      if (heldByOther && this.observed.at + rec.leaseDurationSeconds * 1000 > now) return false;
      const ours = rec.holderIdentity === this.o.identity;
      await this.o.store.update(mine(ours && rec.acquireTime ? rec.acquireTime : new Date(now), ours ? rec.leaseTransitions : rec.leaseTransitions + 1), existing.resourceVersion);
      return true;
    } catch (err) {
      if (!(err instanceof LeaseConflictError)) this.o.log.warn('cannot reach the leader lease', { error: errorText(err) });
      return false;
    }
  }

  /** Runs the election until stop(): campaign, lead, step down when renewing fails, campaign again. */
  start(): Promise<void> {
    this.stopped = false;
    this.running ??= this.loop().finally(() => (this.running = undefined));
    return this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      while (!this.stopped && !(await this.tryAcquireOrRenew())) await this.pause(this.o.retryPeriodMs);
      if (this.stopped) break;
      this.leading = true;
      this.o.log.info('became the leader', { identity: this.o.identity });
      this.callback(this.o.onStartedLeading);
      let renewedAt = this.now();
      while (!this.stopped) {
        await this.pause(this.o.retryPeriodMs);
        if (this.stopped) break;
        if (await this.tryAcquireOrRenew()) renewedAt = this.now();
        else if (this.now() - renewedAt >= this.o.renewDeadlineMs) break;
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
