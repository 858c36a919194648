import type { V1Pod } from '@kubernetes/client-node';

/** A pod that has an address of the pod network and is not going away: one GlobalNet gives a global identity to. */
export function hasPodNetworkIp(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  return (
    !!pod.status?.podIP &&
    pod.spec?.hostNetwork !== true &&
    pod.metadata?.deletionTimestamp === undefined &&
    phase !== 'Succeeded' &&
    phase !== 'Failed'
  );
}
