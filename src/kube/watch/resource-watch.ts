import { ListWatch, Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { ObjectOf, ResourceDescriptor } from '../../api/index.js';
import { InformerSupervisor, type SupervisorOptions } from '../informer-supervisor.js';
import type { Logger } from '../../base/log.js';
import { resourceClient, resourcePath } from '../resource-client.js';
import { objectKey, splitKey } from '../work-queue.js';

export type WatchEvent = 'add' | 'update' | 'delete';

export interface WatchOptions<T extends KubernetesObject> {
  /** Watch one namespace of a namespaced kind; without it, every namespace. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Applied to every object before the cache keeps it (after managedFields are dropped). */
  transform?: (obj: T) => T;
  log: Logger;
  /** The watch's name in logs; the kind's plural by default. */
  name?: string;
  /** Called with every error that stops the watch, before it is restarted. */
  onError?: (err: unknown) => void;
  /** The supervisor's timing (backoff, clock), for tests. */
  restart?: Omit<SupervisorOptions, 'name' | 'log' | 'onSynced' | 'onError'>;
}

/** Objects of one kind as the last list and watch events left them. */
export interface ResourceCache<T> {
  /** An object by name; a namespaced kind's are looked up in the watch's namespace unless `namespace` says otherwise. */
  get(name: string, namespace?: string): T | undefined;
  /** Every object, or those of one namespace. */
  list(namespace?: string): T[];
  /** An object by `<namespace>/<name>` (`<name>` for a cluster-scoped kind), as work queue keys are made. */
  byKey(key: string): T | undefined;
}

/** The objects of a cache grouped by a key computed from each of them. */
export interface CacheIndex<T> {
  get(key: string): T[];
}

export interface ResourceWatch<T extends KubernetesObject> extends ResourceCache<T> {
  readonly resource: ResourceDescriptor;
  /** Calls `fn` with each object added, updated or deleted, after the cache has it. */
  on(event: WatchEvent, fn: (obj: T) => void): void;
  /** Calls `fn` on every add, update and delete. */
  onChange(fn: (obj: T, event: WatchEvent) => void): void;
  /** Calls `fn` each time the watch has listed (again) and watches. */
  onSynced(fn: () => void): void;
  /** Keeps the objects grouped by `keyOf` (objects without a key are left out), up to date before any listener runs. */
  index(keyOf: (obj: T) => string | undefined): CacheIndex<T>;
  /** Whether the watch has listed at least once. */
  readonly synced: boolean;
  /** Resolves once the watch has listed for the first time. */
  readonly ready: Promise<void>;
  /** Lists and starts watching; errors (the kind missing, access denied, the connection lost) restart it after a backoff. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A supervised list-and-watch of one kind through client-node's ListWatch, whose cache drops managedFields (no agent
 * reads them). A watch that expires (410 Gone) lists again; any other error restarts it through the informer supervisor.
 */
export function watchResource<R extends ResourceDescriptor, T extends KubernetesObject = ObjectOf<R>>(
  kc: KubeConfig,
  resource: R,
  o: WatchOptions<T>,
): ResourceWatch<T> {
  const client = resourceClient<R, T>(kc, resource);
  const normalize = (obj: T): T => {
    if (obj.metadata?.managedFields !== undefined) delete obj.metadata.managedFields;
    return o.transform ? o.transform(obj) : obj;
  };
  const list = async () => {
    const l = await client.listObject({ namespace: o.namespace, labelSelector: o.labelSelector, fieldSelector: o.fieldSelector });
    return { ...l, items: l.items.map(normalize) };
  };
  const informer = new ListWatch<T>(resourcePath(resource, o.namespace), new NormalizingWatch(kc, normalize), list, false, o.labelSelector, o.fieldSelector);

  const listeners = new Map<WatchEvent, ((obj: T) => void)[]>([
    ['add', []],
    ['update', []],
    ['delete', []],
  ]);
  const indexes: ObjectIndex<T>[] = [];
  for (const event of listeners.keys()) {
    informer.on(event, (obj) => {
      for (const index of indexes) index.update(event, obj);
      for (const fn of listeners.get(event) ?? []) fn(obj);
    });
  }

  const synced: (() => void)[] = [];
  let resolveReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));
  const supervisor = new InformerSupervisor<T>(informer, {
    ...o.restart,
    name: o.name ?? resource.plural,
    log: o.log,
    onSynced: () => {
      resolveReady();
      for (const fn of synced) fn();
    },
    onError: o.onError,
  });

  const defaultNamespace = resource.namespaced ? o.namespace : undefined;
  return {
    resource,
    get: (name, namespace = defaultNamespace) => informer.get(name, namespace),
    list: (namespace) => [...informer.list(namespace)],
    byKey: (key) => {
      const { namespace, name } = splitKey(key);
      return informer.get(name, namespace);
    },
    on: (event, fn) => void listeners.get(event)?.push(fn),
    onChange: (fn) => {
      for (const [event, fns] of listeners) fns.push((obj) => fn(obj, event));
    },
    onSynced: (fn) => void synced.push(fn),
    index: (keyOf) => {
      const index = new ObjectIndex(keyOf);
      for (const obj of informer.list()) index.update('add', obj);
      indexes.push(index);
      return index;
    },
    get synced() {
      return supervisor.synced;
    },
    ready,
    start: () => supervisor.start(),
    stop: () => supervisor.stop(),
  };
}

/** client-node's Watch, handing the cache each object as `normalize` leaves it. */
class NormalizingWatch<T extends KubernetesObject> extends Watch {
  constructor(
    kc: KubeConfig,
    private readonly normalize: (obj: T) => T,
  ) {
    super(kc);
  }

  override watch(...[path, query, callback, done]: Parameters<Watch['watch']>): Promise<AbortController> {
    return super.watch(
      path,
      query,
      (phase, obj: unknown, raw?: unknown) => {
        const isObject = phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED';
        callback(phase, isObject ? this.normalize(obj as T) : obj, raw);
      },
      done,
    );
  }
}

/** Objects by a key computed from each (its id being `<namespace>/<name>`). */
class ObjectIndex<T extends KubernetesObject> implements CacheIndex<T> {
  private readonly byKey = new Map<string, Map<string, T>>();
  private readonly keyOfId = new Map<string, string>();

  constructor(private readonly keyOf: (obj: T) => string | undefined) {}

  update(event: WatchEvent, obj: T): void {
    const id = objectKey(obj);
    const old = this.keyOfId.get(id);
    if (old !== undefined) {
      this.byKey.get(old)?.delete(id);
      if (this.byKey.get(old)?.size === 0) this.byKey.delete(old);
      this.keyOfId.delete(id);
    }
    const key = event === 'delete' ? undefined : this.keyOf(obj);
    if (key === undefined) return;
    const objects = this.byKey.get(key) ?? new Map<string, T>();
    objects.set(id, obj);
    this.byKey.set(key, objects);
    this.keyOfId.set(id, key);
  }

  get(key: string): T[] {
    return [...(this.byKey.get(key)?.values() ?? [])];
  }
}
