import { setTimeout as sleep } from 'node:timers/promises';
import { isGone, type KubeApi, type WatchEvent } from './kube-client.js';

export interface Meta {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; uid?: string } | undefined;
}

interface List<T> {
  metadata?: { resourceVersion?: string; continue?: string };
  items: T[];
}

export interface ListWatchSpec<T> {
  api: KubeApi;
  /** Collection path, e.g. `/api/v1/pods`. */
  path: string;
  /** Query parameters such as fieldSelector. */
  query?: Record<string, string>;
  onChange: (obj: T) => void;
  onDelete: (obj: T) => void;
  onError?: (err: unknown) => void;
  /** Longest pause between failed attempts. */
  maxDelayMs?: number;
}

export const keyOf = (o: Meta): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/** List, then watch from the list's resourceVersion; relists on 410 Gone, retries other failures with backoff. */
export class ListWatch<T extends Meta> {
  readonly store = new Map<string, T>();
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly spec: ListWatchSpec<T>) {}

  /** Resolves once the first list is in the store; keeps watching until stop(). */
  async start(): Promise<void> {
    let synced!: () => void;
    const first = new Promise<void>((resolve) => (synced = resolve));
    this.loop = this.run(synced);
    await Promise.race([first, this.loop]);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private url(extra: Record<string, string>): string {
    const q = new URLSearchParams({ ...this.spec.query, ...extra });
    return `${this.spec.path}?${q.toString()}`;
  }

  private async run(synced: () => void): Promise<void> {
    let rv: string | undefined;
    let failures = 0;
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        if (rv === undefined) {
          rv = await this.list();
          synced();
        }
        rv = await this.watchFrom(rv);
        failures = 0;
      } catch (err) {
        if (signal.aborted) break;
        if (isWatchExpired(err)) {
          rv = undefined;
          continue;
        }
        this.spec.onError?.(err);
        failures++;
        const delay = Math.min(this.spec.maxDelayMs ?? 10_000, 250 * 2 ** Math.min(failures, 8));
        await sleep(delay, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  private async list(): Promise<string> {
    const seen = new Set<string>();
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.spec.api.get<List<T>>(this.url({ limit: '500', ...(cont ? { continue: cont } : {}) }));
      if (!page) throw new Error(`cannot list ${this.spec.path}: not found`);
      for (const item of page.items) {
        const key = keyOf(item);
        seen.add(key);
        this.store.set(key, item);
        this.spec.onChange(item);
      }
      cont = page.metadata?.continue || undefined;
      rv = page.metadata?.resourceVersion ?? '';
    } while (cont !== undefined);
    for (const [key, obj] of [...this.store]) {
      if (seen.has(key)) continue;
      this.store.delete(key);
      this.spec.onDelete(obj);
    }
    return rv;
  }

  /** Watches until the server closes the stream; returns the last resourceVersion seen. */
  private async watchFrom(rv: string): Promise<string> {
    let last = rv;
    let failure: { code?: number | undefined; message: string } | undefined;
    const local = new AbortController();
    const onAbort = (): void => local.abort();
    this.abort.signal.addEventListener('abort', onAbort);
    try {
      await this.spec.api.watch<T>(
        this.url({ watch: '1', resourceVersion: rv, allowWatchBookmarks: 'true', timeoutSeconds: '300' }),
        (e: WatchEvent<T>) => {
          if (failure !== undefined) return;
          if (e.type === 'ERROR') {
            const status = e.object as { code?: number; message?: string };
            failure = { code: status.code, message: status.message ?? 'watch error' };
            local.abort();
            return;
          }
          last = e.object.metadata?.resourceVersion ?? last;
          if (e.type === 'BOOKMARK') return;
          const key = keyOf(e.object);
          if (e.type === 'DELETED') {
            this.store.delete(key);
            this.spec.onDelete(e.object);
          } else {
            this.store.set(key, e.object);
            this.spec.onChange(e.object);
          }
        },
        local.signal,
      );
    } catch (err) {
      if (failure === undefined) throw err;
    } finally {
      this.abort.signal.removeEventListener('abort', onAbort);
    }
    if (failure !== undefined) throw failure.code === 410 ? new GoneError() : new Error(`watch of ${this.spec.path} failed: ${failure.message}`);
    return last;
  }
}

/** The watch's resourceVersion is too old: list again. */
class GoneError extends Error {
  readonly status = 410;
  constructor() {
    super('watch expired (410 Gone)');
  }
}

export const isWatchExpired = (err: unknown): boolean => err instanceof GoneError || isGone(err);
