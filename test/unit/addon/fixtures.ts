import type { Condition } from '../../../src/api/generated.js';
import type { FeedbackValue, ManagedClusterAddOn, ManifestWork } from '../../../src/api/ocm.js';
import { parseClusterValues, renderCluster, type KubeObject } from '../../../src/render/index.js';
import { renderWorks } from '../../../addon/works.js';
import { baseValues } from '../render/fixtures.js';

export const owner = { name: 'submariner', uid: '6f1c2a9e-0000-4000-8000-000000000001' };
export const hashes = { 'addondeploymentconfigs.addon.open-cluster-management.io/submariner-addon/submariner': 'a'.repeat(64) };

export function clusterObjects(): KubeObject[] {
  return renderCluster(parseClusterValues(baseValues({ clusterId: 'cluster1' })));
}

export function works(objects = clusterObjects()): ManifestWork[] {
  return renderWorks(objects, { namespace: 'cluster1', owner, hashes });
}

export const cond = (type: string, status: Condition['status'], reason: string, message = '', observedGeneration?: number): Condition => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: '2026-12-04T10:00:00Z',
  ...(observedGeneration === undefined ? {} : { observedGeneration }),
});

const int = (name: string, integer: number): FeedbackValue => ({ name, fieldValue: { type: 'Integer', integer } });
const str = (name: string, value: string): FeedbackValue => ({ name, fieldValue: { type: 'String', string: value } });

/** Feedback as OCM's work agent reports it for a DaemonSet with `desired` pods of which `ready` are ready. */
export function daemonSetFeedback(desired: number, ready: number, opts: { uninstall?: boolean; generation?: number; observed?: number } = {}): FeedbackValue[] {
  return [
    int('NumberReady', ready),
    int('DesiredNumberScheduled', desired),
    int('NumberAvailable', ready),
    int('generation', opts.generation ?? 1),
    int('observedGeneration', opts.observed ?? opts.generation ?? 1),
    int('updated', desired),
    ...(opts.uninstall ? [str('uninstall', 'true')] : []),
  ];
}

/** Feedback for a Deployment; `ReadyReplicas` is absent while no pod is ready, as the agent omits missing fields. */
export function deploymentFeedback(replicas: number, ready: number, opts: { uninstall?: boolean } = {}): FeedbackValue[] {
  return [
    ...(ready > 0 ? [int('ReadyReplicas', ready), int('AvailableReplicas', ready)] : []),
    int('Replicas', replicas),
    int('specReplicas', replicas),
    int('generation', 1),
    int('observedGeneration', 1),
    int('updated', replicas),
    ...(opts.uninstall ? [str('uninstall', 'true')] : []),
  ];
}

/**
 * The works with the status a work agent writes: Applied and Available, and per manifest the feedback given by
 * `feedback(kind, name)` (none when it returns undefined).
 */
export function withStatus(list: ManifestWork[], feedback: (kind: string, name: string) => FeedbackValue[] | undefined, applied: Condition['status'] = 'True'): ManifestWork[] {
  return list.map((w) => ({
    ...w,
    metadata: { ...w.metadata, generation: 1 },
    status: {
      conditions: [
        cond('Applied', applied, applied === 'True' ? 'AppliedManifestWorkComplete' : 'AppliedManifestWorkFailed', applied === 'True' ? 'Apply manifest work complete' : 'Failed to apply manifest work', 1),
        cond('Available', applied, applied === 'True' ? 'ResourcesAvailable' : 'ResourcesNotAvailable', 'All resources are available', 1),
      ],
      resourceStatus: {
        manifests: w.spec.workload.manifests.map((m, ordinal) => {
          const kind = String(m.kind);
          const name = (m.metadata as { name: string }).name;
          const values = feedback(kind, name);
          return {
            resourceMeta: { ordinal, kind, name, namespace: (m.metadata as { namespace?: string }).namespace ?? '' },
            ...(values ? { statusFeedback: { values } } : {}),
            conditions: [cond('Applied', 'True', 'AppliedManifestComplete'), cond('Available', 'True', 'ResourceAvailable')],
          };
        }),
      },
    },
  }));
}

export function mca(overrides: Partial<ManagedClusterAddOn> = {}): ManagedClusterAddOn {
  return { apiVersion: 'addon.open-cluster-management.io/v1alpha1', kind: 'ManagedClusterAddOn', metadata: { name: 'submariner', namespace: 'cluster1', uid: owner.uid }, ...overrides };
}
