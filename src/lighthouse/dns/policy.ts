/** Which cluster answers for a ClusterSetIP service. Pure. */

export interface SelectionInput {
  /** Clusters that export the service with at least one ready endpoint. */
  candidates: readonly string[];
  localClusterId: string;
  isConnected: (clusterId: string) => boolean;
  /** How many round-robin picks this service has had so far. */
  turn: number;
}

export type Selection =
  | { cluster: string; roundRobin: boolean }
  | { cluster: undefined; roundRobin: false };

/** The clusters a round-robin pick may land on, in a stable order. */
export function reachableClusters(candidates: readonly string[], isConnected: (clusterId: string) => boolean): string[] {
  return [...new Set(candidates)].filter(isConnected).sort();
}

/**
 * The local cluster when it is a candidate; otherwise round-robin over the candidates whose
 * gateways are connected; otherwise none.
 */
export function selectCluster(input: SelectionInput): Selection {
  if (input.candidates.includes(input.localClusterId)) return { cluster: input.localClusterId, roundRobin: false };
  const reachable = reachableClusters(input.candidates, input.isConnected);
  const cluster = reachable[input.turn % Math.max(reachable.length, 1)];
  return cluster === undefined ? { cluster: undefined, roundRobin: false } : { cluster, roundRobin: true };
}
