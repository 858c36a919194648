import type { KubernetesObject } from '@kubernetes/client-node';
import { apiStatus } from '../kube/apply.js';

/** Reads and writes one kind in one namespace: a ResourceClient bound to it (src/kube/resource-client.ts), or a fake. */
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

/** A watch-fed cache of one kind in one namespace: a ResourceWatch of it (src/kube/watch), or a fake. */
export interface ObjectCache<T extends KubernetesObject> {
  list(): T[];
  get(name: string): T | undefined;
  /** Called with the object on every add, update and delete. */
  onChange(fn: (obj: T) => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly synced: boolean;
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
