import type { KubernetesObject } from '@kubernetes/client-node';
import { names } from '../../api/names.js';
import type { ObjectCache, ObjectClient } from '../custom-objects.js';

type Verb = 'get' | 'list' | 'create' | 'replace' | 'replaceStatus' | 'delete';

/** An API error as client-node throws it. */
export class FakeApiError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

/**
 * One kind in one namespace held in memory, with the API server's behaviour that matters here:
 * resource versions (409 on a stale replace), 404s, creation timestamps, a status subresource, and
 * change notifications like a watch (`cache`).
 */
export class FakeObjects<T extends KubernetesObject & { status?: unknown; spec?: unknown }> implements ObjectClient<T> {
  private readonly objects = new Map<string, T>();
  private readonly listeners: ((obj: T) => void)[] = [];
  private readonly failures = new Map<Verb, number>();
  private version = 0;
  private clock = Date.parse('2026-01-01T00:00:00Z');

  constructor(private readonly namespace: string = names.defaultNamespace) {}

  /** Makes the next `times` calls of `verb` fail with HTTP `code`. */
  failNext(verb: Verb, times = 1): this {
    this.failures.set(verb, (this.failures.get(verb) ?? 0) + times);
    return this;
  }

  private check(verb: Verb): void {
    const n = this.failures.get(verb) ?? 0;
    if (n > 0) {
      this.failures.set(verb, n - 1);
      throw new FakeApiError(500, `injected ${verb} failure`);
    }
  }

  private emit(obj: T): void {
    for (const fn of this.listeners) queueMicrotask(() => fn(structuredClone(obj)));
  }

  private stamp(obj: T, created?: string): T {
    const copy = structuredClone(obj);
    copy.metadata = { ...copy.metadata, namespace: this.namespace, resourceVersion: String(++this.version) };
    copy.metadata.creationTimestamp ??= created ? new Date(created) : new Date((this.clock += 1000));
    return copy;
  }

  /** Puts an object as a third party would (no failure injection), keeping its creationTimestamp if set. */
  put(obj: T): T {
    const name = obj.metadata?.name ?? '';
    const stored = this.stamp(obj);
    this.objects.set(name, stored);
    this.emit(stored);
    return structuredClone(stored);
  }

  /** Removes an object as a third party would. */
  remove(name: string): void {
    const obj = this.objects.get(name);
    if (obj && this.objects.delete(name)) this.emit(obj);
  }

  names(): string[] {
    return [...this.objects.keys()].sort();
  }

  private snapshot(): T[] {
    return [...this.objects.values()].map((o) => structuredClone(o));
  }

  /** The same objects as a watch-fed cache. */
  readonly cache: ObjectCache<T> = {
    list: () => this.snapshot(),
    get: (name) => {
      const o = this.objects.get(name);
      return o && structuredClone(o);
    },
    onChange: (fn) => void this.listeners.push(fn),
    start: async () => {},
    stop: async () => {},
    synced: true,
  };

  async get(name: string): Promise<T | undefined> {
    this.check('get');
    const o = this.objects.get(name);
    return o && structuredClone(o);
  }

  async list(): Promise<T[]> {
    this.check('list');
    return this.snapshot();
  }

  async create(obj: T): Promise<T> {
    this.check('create');
    const name = obj.metadata?.name ?? '';
    if (this.objects.has(name)) throw new FakeApiError(409, `${name} already exists`);
    const { status: _status, ...rest } = obj as T & { status?: unknown };
    return this.put(rest as T);
  }

  async replace(obj: T): Promise<T> {
    this.check('replace');
    const name = obj.metadata?.name ?? '';
    const have = this.objects.get(name);
    if (!have) throw new FakeApiError(404, `${name} not found`);
    if (obj.metadata?.resourceVersion && obj.metadata.resourceVersion !== have.metadata?.resourceVersion) throw new FakeApiError(409, `${name} was modified`);
    const next = { ...structuredClone(obj), status: have.status } as T;
    next.metadata = { ...next.metadata, creationTimestamp: have.metadata?.creationTimestamp };
    return this.put(next);
  }

  async replaceStatus(obj: T): Promise<T> {
    this.check('replaceStatus');
    const name = obj.metadata?.name ?? '';
    const have = this.objects.get(name);
    if (!have) throw new FakeApiError(404, `${name} not found`);
    if (obj.metadata?.resourceVersion && obj.metadata.resourceVersion !== have.metadata?.resourceVersion) throw new FakeApiError(409, `${name} was modified`);
    return this.put({ ...have, status: structuredClone(obj.status) });
  }

  async delete(name: string): Promise<boolean> {
    this.check('delete');
    if (!this.objects.has(name)) return false;
    this.remove(name);
    return true;
  }
}
