import type { FeedbackValue, ManifestWork } from '../../src/api/index.js';

const int = (name: string, integer: number): FeedbackValue => ({ name, fieldValue: { type: 'Integer', integer } });

/** The status OCM's work agent writes for a work whose agents all run `ready` pods (and, with `uninstall`, in uninstall mode). */
export function agentStatus(w: ManifestWork, ready: boolean): ManifestWork['status'] {
  const cond = (type: string, reason: string) => ({ type, status: 'True' as const, reason, message: '', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), observedGeneration: w.metadata.generation ?? 1 });
  return {
    conditions: [cond('Applied', 'AppliedManifestWorkComplete'), cond('Available', 'ResourcesAvailable')],
    resourceStatus: {
      manifests: w.spec.workload.manifests.map((m, ordinal) => {
        const meta = m.metadata as { name: string; namespace?: string };
        const env = ((m as { spec?: { template?: { spec?: { containers?: { env?: { name: string; value?: string }[] }[] } } } }).spec?.template?.spec?.containers?.[0]?.env ?? []);
        const uninstall = env.find((e) => e.name === 'SUBMARINER_UNINSTALL')?.value === 'true';
        const n = ready ? 1 : 0;
        const values: FeedbackValue[] =
          m.kind === 'DaemonSet'
            ? [int('NumberReady', n), int('DesiredNumberScheduled', 1), int('NumberAvailable', n), int('generation', 1), int('observedGeneration', 1), int('updated', 1)]
            : m.kind === 'Deployment'
              ? [int('ReadyReplicas', n), int('Replicas', 1), int('specReplicas', 1), int('generation', 1), int('observedGeneration', 1), int('updated', 1)]
              : [];
        if (uninstall) values.push({ name: 'uninstall', fieldValue: { type: 'String', string: 'true' } });
        return {
          resourceMeta: { ordinal, kind: String(m.kind), name: meta.name, namespace: meta.namespace ?? '' },
          ...(values.length > 0 ? { statusFeedback: { values } } : {}),
          conditions: [cond('Applied', 'AppliedManifestComplete'), cond('Available', 'ResourceAvailable')],
        };
      }),
    },
  };
}
