import { CustomObjectsApi, makeInformer, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { ResourceDescriptor } from '../api/index.js';
import { apiStatus } from '../kube/apply.js';
import { InformerSupervisor } from '../kube/informer-supervisor.js';
import type { Logger } from '../base/log.js';

/** Reads and writes one kind in one namespace. */
export interface ObjectClient<T extends KubernetesObject> {
  get(name: string): Promise<T | undefined>;
  list(): Promise<T[]>;
  create(obj: T): Promise<T>;
  /** Replaces the object; `obj.metadata.resourceVersion` makes it a compare-and-swap. */
  replace(obj: T): Promise<T>;
  replaceStatus(obj: T): Promise<T>;
  /** False when there was nothing to delete. */
  delete(name: string): Promise<boolean>;
}

/** A watch-fed cache of one kind in one namespace. */
export interface ObjectCache<T extends KubernetesObject> {
  list(): T[];
  get(name: string): T | undefined;
  /** Called with the object's name on every add, update and delete. */
  onChange(fn: (name: string) => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly synced: boolean;
}

/** One kind in one namespace over client-node's CustomObjectsApi. */
export class CustomObjectClient<T extends KubernetesObject> implements ObjectClient<T> {
  private readonly api: CustomObjectsApi;

  constructor(kc: KubeConfig, private readonly r: ResourceDescriptor, private readonly namespace: string) {
    this.api = kc.makeApiClient(CustomObjectsApi);
  }

  private get where() {
    return { group: this.r.group, version: this.r.version, namespace: this.namespace, plural: this.r.plural };
  }

  async get(name: string): Promise<T | undefined> {
    try {
      return (await this.api.getNamespacedCustomObject({ ...this.where, name })) as T;
    } catch (err) {
      if (apiStatus(err) === 404) return undefined;
      throw err;
    }
  }

  async list(): Promise<T[]> {
    return ((await this.api.listNamespacedCustomObject(this.where)) as KubernetesListObject<T>).items;
  }

  async create(obj: T): Promise<T> {
    return (await this.api.createNamespacedCustomObject({ ...this.where, body: obj })) as T;
  }

  async replace(obj: T): Promise<T> {
    return (await this.api.replaceNamespacedCustomObject({ ...this.where, name: obj.metadata?.name ?? '', body: obj })) as T;
  }

  async replaceStatus(obj: T): Promise<T> {
    return (await this.api.replaceNamespacedCustomObjectStatus({ ...this.where, name: obj.metadata?.name ?? '', body: obj })) as T;
  }

  async delete(name: string): Promise<boolean> {
    try {
      await this.api.deleteNamespacedCustomObject({ ...this.where, name });
      return true;
    } catch (err) {
      if (apiStatus(err) === 404) return false;
      throw err;
    }
  }
}

/** A supervised informer on one kind in one namespace. */
export function watchObjects<T extends KubernetesObject>(kc: KubeConfig, r: ResourceDescriptor, namespace: string, log: Logger, name: string): ObjectCache<T> {
  const client = new CustomObjectClient<T>(kc, r, namespace);
  const path = `/apis/${r.group}/${r.version}/namespaces/${namespace}/${r.plural}`;
  const informer = makeInformer<T>(kc, path, async () => ({ apiVersion: 'v1', kind: 'List', metadata: {}, items: await client.list() }));
  const listeners: ((name: string) => void)[] = [];
  const emit = (o: T) => listeners.forEach((fn) => fn(o.metadata?.name ?? ''));
  informer.on('add', emit);
  informer.on('update', emit);
  informer.on('delete', emit);
  const supervisor = new InformerSupervisor(informer, { name, log });
  return {
    list: () => [...informer.list(namespace)],
    get: (n) => informer.get(n, namespace),
    onChange: (fn) => void listeners.push(fn),
    start: () => supervisor.start(),
    stop: () => supervisor.stop(),
    get synced() {
      return supervisor.synced;
    },
  };
}

/** Creates `desired`, or replaces the existing object when `differs` says so; returns what the server holds. */
export async function ensureObject<T extends KubernetesObject>(client: ObjectClient<T>, desired: T, differs: (have: T) => boolean): Promise<T> {
  const have = await client.get(desired.metadata?.name ?? '');
  if (!have) {
    try {
      return await client.create(desired);
    } catch (err) {
      if (apiStatus(err) !== 409) throw err;
      return ensureObject(client, desired, differs);
    }
  }
  if (!differs(have)) return have;
  return client.replace({ ...desired, metadata: { ...have.metadata, ...desired.metadata, resourceVersion: have.metadata?.resourceVersion } });
}
