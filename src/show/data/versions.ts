import type { V1DaemonSet, V1Deployment } from '@kubernetes/client-node';
import { fieldManager, labels } from '../../api/names.js';

export interface VersionRow {
  context: string;
  component: string;
  repository: string;
  configured: string;
  running: string;
}

/** One row per workload kubectl-submariner manages: its image repository and tag, the tag again once a replica is ready. */
export function versionRows(context: string, workloads: readonly (V1DaemonSet | V1Deployment)[]): VersionRow[] {
  return workloads
    .filter((w) => w.metadata?.labels?.[labels.appManagedBy] === fieldManager)
    .map((w) => {
      const image = w.spec?.template.spec?.containers[0]?.image ?? '';
      const at = image.lastIndexOf(':');
      const repo = at > image.lastIndexOf('/') ? image.slice(0, at) : image;
      const tag = at > image.lastIndexOf('/') ? image.slice(at + 1) : 'latest';
      const ready = 'numberReady' in (w.status ?? {}) ? (w.status as { numberReady?: number }).numberReady : (w.status as { readyReplicas?: number } | undefined)?.readyReplicas;
      return { context, component: w.metadata?.name ?? '', repository: repo.slice(0, repo.lastIndexOf('/')), configured: tag, running: ready ? tag : '' };
    });
}
