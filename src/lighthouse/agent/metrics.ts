import type { KubernetesObject } from '@kubernetes/client-node';
import { Counter, Gauge, Registry } from 'prom-client';

export type SyncOperation = 'create' | 'update' | 'delete';

const syncLabels = ['direction', 'operation', 'syncer_name'] as const;

/**
 * Submariner's Lighthouse agent counters (`submariner_service_export`, `submariner_service_import`, with
 * admiral's direction/operation/syncer_name labels), plus the reconciles that failed.
 */
export class LighthouseAgentMetrics {
  readonly registry = new Registry();
  private readonly registers = [this.registry];
  private readonly exports = new Gauge({ name: 'submariner_service_export', help: 'Count of exported Services', labelNames: syncLabels, registers: this.registers });
  private readonly imports = new Gauge({ name: 'submariner_service_import', help: 'Count of imported Services', labelNames: syncLabels, registers: this.registers });
  private readonly errors = new Counter({ name: 'submariner_service_sync_errors', help: 'Service reconciles that failed (each is retried)', registers: this.registers });

  /** An object written to the broker on behalf of a local export. */
  exported(operation: SyncOperation, obj: KubernetesObject): void {
    this.exports.inc({ direction: 'localToRemote', operation, syncer_name: obj.kind ?? '' });
  }

  /** An object written to the local cluster from what the broker holds. */
  imported(operation: SyncOperation, obj: KubernetesObject): void {
    this.imports.inc({ direction: 'remoteToLocal', operation, syncer_name: obj.kind ?? '' });
  }

  syncFailed(): void {
    this.errors.inc();
  }
}
