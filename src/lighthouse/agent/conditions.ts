import type { ConditionStatus } from '../../api/generated.js';
import type { WantedCondition } from '../../kube/conditions.js';
import { serviceExportConditions as C, serviceExportReasons as R, serviceImportConditions, serviceImportReasons } from '../../api/names.js';
import type { ExportOutcome } from './exported-service.js';
import type { MergedService } from './merge.js';
import type { Conflict } from './model.js';

export { mergeConditions, sameConditions, type WantedCondition } from '../../kube/conditions.js';

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

