import { LeaseConflictError, type LeaseRecord, type LeaseStore, type LeaseWatch, type StoredLease } from '../lease/store.js';

/** An in-memory lease with the API server's compare-and-swap semantics, for tests and single-process use. */
export class MemoryLeaseStore implements LeaseStore {
  private stored: StoredLease | undefined;
  private version = 0;
  /** Makes every call fail, as an unreachable API server would. */
  unreachable = false;
  private readonly watchers = new Set<() => void>();

  watch(onChange: () => void): LeaseWatch {
    this.watchers.add(onChange);
    return { stop: async () => void this.watchers.delete(onChange) };
  }

  private written(): Promise<StoredLease> {
    for (const w of this.watchers) queueMicrotask(w);
    return this.get() as Promise<StoredLease>;
  }

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
    return this.written();
  }

  async update(record: LeaseRecord, resourceVersion: string): Promise<StoredLease> {
    this.check();
    if (!this.stored || this.stored.resourceVersion !== resourceVersion) throw new LeaseConflictError();
    this.stored = { record: { ...record }, resourceVersion: String(++this.version) };
    return this.written();
  }
}
