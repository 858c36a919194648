import type { Condition, ConditionStatus } from '../../api/generated.js';
import { serviceExportConditions as C, serviceExportReasons as R, serviceImportConditions, serviceImportReasons } from '../../api/names.js';
import type { ExportOutcome } from './exported-service.js';
import type { MergedService } from './merge.js';
import type { Conflict } from './model.js';

/** A condition as a controller decides it, before its transition time is known. */
export interface WantedCondition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

export interface ExportState {
  clusterId: string;
  outcome: ExportOutcome;
  /** The merged service, if any cluster exports it. */
  merged: MergedService | undefined;
  /** Why publishing to the broker failed, if it did. */
  publishError?: string | undefined;
}

/** The ServiceExport conditions Valid, Ready and (once published) Conflict. Pure. */
export function exportConditions(s: ExportState): WantedCondition[] {
  const { outcome } = s;
  if (outcome.state === 'invalid') {
    const v = outcome.validation;
    return [condition(C.valid, 'False', v.reason, v.message), condition(C.ready, 'False', R.failed, `not exported: ${v.message}`)];
  }
  const valid = condition(C.valid, 'True', R.valid, 'the Service can be exported');
  if (outcome.state !== 'ready') {
    return [valid, condition(C.ready, 'False', outcome.state === 'pending' ? R.pending : R.failed, outcome.message)];
  }
  return [valid, readyCondition(s, outcome.contribution.spec.type), conflictCondition(s.merged?.conflicts ?? [])];
}

function readyCondition(s: ExportState, type: string): WantedCondition {
  if (s.publishError !== undefined) return condition(C.ready, 'False', R.failed, `cannot publish the export to the broker: ${s.publishError}`);
  const merged = s.merged;
  if (merged !== undefined && !merged.clusters.includes(s.clusterId)) {
    return condition(
      C.ready,
      'False',
      R.failed,
      `not served: the Service is ${type} but the clusterset imports it as ${merged.spec.type}, the type of the oldest export (${merged.clusters[0] ?? '?'})`,
    );
  }
  return condition(C.ready, 'True', R.exported, `the Service is exported to the clusterset as ${type}`);
}

/** Conflict=True with the reasons comma-joined and the messages one after the other, or False/NoConflicts. */
export function conflictCondition(conflicts: readonly Conflict[]): WantedCondition {
  if (conflicts.length === 0) return condition(C.conflict, 'False', R.noConflicts, 'the exports of the Service agree');
  return condition(C.conflict, 'True', conflicts.map((c) => c.reason).join(','), conflicts.map((c) => c.message).join('\n'));
}

/** The local ServiceImport's Ready condition: False when it has no address family this cluster can use (IPv4). */
export function importReadyCondition(merged: MergedService): WantedCondition {
  const families = merged.spec.ipFamilies ?? [];
  if (merged.spec.type === 'ClusterSetIP' && families.length > 0 && !families.includes('IPv4')) {
    return condition(
      serviceImportConditions.ready,
      'False',
      serviceImportReasons.ipFamilyNotSupported,
      `the service is exported as ${families.join(', ')} only and this cluster uses IPv4`,
    );
  }
  return condition(serviceImportConditions.ready, 'True', serviceImportReasons.ready, `imported from ${merged.clusters.join(', ')}`);
}

function condition(type: string, status: ConditionStatus, reason: string, message: string): WantedCondition {
  return { type, status, reason, message };
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
