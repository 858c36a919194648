import type { KubernetesObject } from '@kubernetes/client-node';
import type { Condition } from '../../api/generated.js';
import { sameConditions } from './conditions.js';
import type { ServiceKey } from './model.js';

export interface WrittenStatus {
  clusters?: unknown;
  conditions: Condition[];
}

/**
 * The statuses this agent last wrote, by object, with the resourceVersion each was written over. A reconcile that
 * runs before the watch has delivered a write still sees the older object, and must not write the same status again.
 */
export class WrittenStatuses {
  private readonly byObject = new Map<string, { over: string | undefined; status: WrittenStatus }>();

  /** Whether `status` was written over this very version of `obj`. */
  already(kind: { kind: string }, obj: KubernetesObject, status: WrittenStatus): boolean {
    const key = statusKey(kind, obj.metadata ?? {});
    const last = this.byObject.get(key);
    if (last === undefined) return false;
    if (last.over !== obj.metadata?.resourceVersion) {
      // The object has moved on since: the entry can never match again.
      this.byObject.delete(key);
      return false;
    }
    return sameConditions(last.status.conditions, status.conditions) && JSON.stringify(last.status.clusters) === JSON.stringify(status.clusters);
  }

  record(kind: { kind: string }, obj: KubernetesObject, status: WrittenStatus): void {
    this.byObject.set(statusKey(kind, obj.metadata ?? {}), { over: obj.metadata?.resourceVersion, status });
  }

  forget(kind: { kind: string }, key: ServiceKey): void {
    this.byObject.delete(statusKey(kind, key));
  }
}

function statusKey(kind: { kind: string }, o: { namespace?: string | undefined; name?: string | undefined }): string {
  return `${kind.kind}/${o.namespace ?? ''}/${o.name ?? ''}`;
}
