import type { Condition, GlobalEgressIPStatus } from '../../api/generated.js';
import { globalIPConditions, globalIPReasons } from '../../api/names.js';
import { mergeConditions, sameConditions, type WantedCondition } from '../../kube/conditions.js';
import type { Logger } from '../../base/log.js';
import type { GlobalnetConfig } from '../config.js';
import { maxEgressIPs } from '../constants.js';
import type { Dataplane } from '../dataplane.js';
import type { Allocations } from '../ipam.js';
import type { GlobalnetKube } from '../kube.js';

/** What every controller works with while this node leads. */
export interface ControllerContext {
  config: GlobalnetConfig;
  kube: GlobalnetKube;
  allocations: Allocations;
  dataplane: Dataplane;
  /** Asks for the dataplane to be programmed (batched). */
  program: () => void;
  /** Reports pool usage after allocations change. */
  poolChanged: () => void;
  log: Logger;
  now: () => Date;
}

/** Allocation keys, one namespace per kind of object. */
export const allocationKey = {
  clusterEgress: (name: string) => `cluster-egress/${name}`,
  egress: (key: string) => `egress/${key}`,
  ingress: (key: string) => `ingress/${key}`,
  gateway: (node: string) => `gateway/${node}`,
};

/** Submariner's Allocated condition for a successful allocation. */
export const allocated = (count: number): WantedCondition => ({
  type: globalIPConditions.allocated,
  status: 'True',
  reason: globalIPReasons.success,
  message: `Allocated ${count} global IP(s)`,
});

export const notAllocated = (reason: string, message: string): WantedCondition => ({ type: globalIPConditions.allocated, status: 'False', reason, message });

/** The Allocated condition for a requested count that cannot be served, or undefined when it can. */
export function checkCount(count: number): WantedCondition | undefined {
  if (count === 0) return notAllocated(globalIPReasons.zeroInput, 'The specified number of global IPs is 0');
  if (!Number.isInteger(count) || count < 0) return notAllocated(globalIPReasons.invalidInput, `The specified number of global IPs (${count}) is not a positive whole number`);
  if (count > maxEgressIPs) return notAllocated(globalIPReasons.invalidInput, `The specified number of global IPs (${count}) exceeds the maximum of ${maxEgressIPs}`);
  return undefined;
}

export type AllocationOutcome = { ips: readonly string[] } | { failed: WantedCondition };

/**
 * The addresses `key` holds, kept when they are `count` long; otherwise reserved from what the status
 * records, or newly allocated. Exhaustion holds nothing and says why.
 */
export function ensureAllocation(ctx: ControllerContext, key: string, count: number, recorded: readonly string[] | undefined): AllocationOutcome {
  const held = ctx.allocations.get(key);
  if (held && held.length === count) return { ips: held };
  if (!held && recorded && recorded.length === count && ctx.allocations.reserve(key, recorded)) {
    ctx.poolChanged();
    return { ips: recorded };
  }
  const ips = ctx.allocations.allocate(key, count);
  ctx.poolChanged();
  if (ips) return { ips };
  const pool = ctx.allocations.pool;
  return {
    failed: notAllocated(globalIPReasons.ipPoolAllocationFailed, `Error allocating ${count} global IP(s) from the pool ${pool.globalCidr}: ${pool.available} of ${pool.size} are free, none in a contiguous range of ${count}`),
  };
}

/** Gives `key`'s addresses back to the pool. */
export function release(ctx: ControllerContext, key: string): void {
  if (ctx.allocations.get(key) === undefined) return;
  ctx.allocations.release(key);
  ctx.poolChanged();
}

/** The conditions to write, or undefined when `existing` already says `wanted`. */
export function conditionsUpdate(ctx: ControllerContext, existing: readonly Condition[] | undefined, wanted: WantedCondition): Condition[] | undefined {
  const next = mergeConditions(existing, [wanted], [wanted.type], ctx.now());
  return sameConditions(existing, next) ? undefined : next;
}

export const sameList = (a: readonly string[] | undefined, b: readonly string[] | undefined): boolean =>
  (a ?? []).length === (b ?? []).length && (a ?? []).every((x, i) => x === (b ?? [])[i]);

/** The status of an egress object holding `ips` (none on failure) under `condition`, or undefined when it already says so. */
export function egressStatusUpdate(ctx: ControllerContext, status: GlobalEgressIPStatus | undefined, ips: readonly string[], condition: WantedCondition): GlobalEgressIPStatus | undefined {
  const conditions = conditionsUpdate(ctx, status?.conditions, condition);
  if (!conditions && sameList(status?.allocatedIPs, ips)) return undefined;
  return { conditions: conditions ?? status?.conditions ?? [], ...(ips.length > 0 ? { allocatedIPs: [...ips] } : {}) };
}
