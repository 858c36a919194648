import type { Condition, ConditionStatus } from '../api/generated.js';

/** A condition as a controller decides it, before its transition time is known. */
export interface WantedCondition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/**
 * `existing` with the conditions of the types in `owned` replaced by `wanted` (types owned but not wanted are removed).
 * A condition keeps its lastTransitionTime while its status stays the same.
 */
export function mergeConditions(
  existing: readonly Condition[] | undefined,
  wanted: readonly WantedCondition[],
  owned: readonly string[],
  now: Date,
  observedGeneration?: number,
): Condition[] {
  const old = existing ?? [];
  const kept = old.filter((c) => !owned.includes(c.type));
  const updated = wanted.map((w): Condition => {
    const prev = old.find((c) => c.type === w.type);
    return {
      ...w,
      lastTransitionTime: prev !== undefined && prev.status === w.status && prev.lastTransitionTime ? prev.lastTransitionTime : now.toISOString().replace(/\.\d+Z$/, 'Z'),
      ...(observedGeneration !== undefined ? { observedGeneration } : {}),
    };
  });
  return [...kept, ...updated];
}

/** Whether two condition lists say the same (types, statuses, reasons, messages, generations), in any order. */
export function sameConditions(a: readonly Condition[] | undefined, b: readonly Condition[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  if (x.length !== y.length) return false;
  return x.every((c) => {
    const d = y.find((o) => o.type === c.type);
    return d !== undefined && d.status === c.status && d.reason === c.reason && d.message === c.message && d.observedGeneration === c.observedGeneration;
  });
}

/** Whether the list holds a condition of that type with status True. */
export function conditionTrue(conditions: readonly { type: string; status: string }[] | undefined, type: string): boolean {
  return conditions?.some((c) => c.type === type && c.status === 'True') ?? false;
}
