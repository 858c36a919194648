import type { KubernetesObject } from '@kubernetes/client-node';
import { upToDate } from './imports-and-slices.js';

/** Where an object lives: the broker or the local cluster. */
export type Side = 'broker' | 'local';

/**
 * The objects this agent wrote or deleted that the watches have not reported on since. A reconcile that runs before
 * the watch delivers a write still sees the older object (or none) in the cache, and must not write the same object
 * again: one apply per change of an object, one delete per object. Any watch event on the object ends its entry.
 */
export class WrittenObjects {
  /** `side/kind/namespace/name` → the object as applied (undefined once deleted). */
  private readonly pending = new Map<string, KubernetesObject | undefined>();

  /** What the cluster holds (`cached`), or what this agent applied since, when that is `desired`; else undefined. */
  current<T extends KubernetesObject>(side: Side, kind: string, desired: T, cached: T | undefined): T | undefined {
    const k = key(side, kind, desired);
    // Deleted by this agent: the cache's copy is gone, whatever it still says.
    if (this.pending.has(k) && this.pending.get(k) === undefined) return undefined;
    if (upToDate(desired, cached)) return cached;
    const applied = this.pending.get(k);
    return applied !== undefined && upToDate(desired, applied) ? (applied as T) : undefined;
  }

  /** The newest version of the object known: this agent's own write the watch has not reported yet, else the cache's. */
  latest<T extends KubernetesObject>(side: Side, kind: string, desired: T, cached: T | undefined): KubernetesObject | undefined {
    const k = key(side, kind, desired);
    return this.pending.has(k) ? this.pending.get(k) : cached;
  }

  applied(side: Side, kind: string, obj: KubernetesObject): void {
    this.pending.set(key(side, kind, obj), obj);
  }

  /** Whether this agent deleted the object since the watch last reported on it. */
  deleted(side: Side, kind: string, obj: KubernetesObject): boolean {
    const k = key(side, kind, obj);
    return this.pending.has(k) && this.pending.get(k) === undefined;
  }

  markDeleted(side: Side, kind: string, obj: KubernetesObject): void {
    this.pending.set(key(side, kind, obj), undefined);
  }

  /** The watch reported a change of `obj`: the cache is the truth again. */
  observed(side: Side, kind: string, obj: KubernetesObject): void {
    this.pending.delete(key(side, kind, obj));
  }
}

function key(side: Side, kind: string, obj: KubernetesObject): string {
  return `${side}/${kind}/${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}
