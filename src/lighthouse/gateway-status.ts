/** What both Lighthouse components read of a submariner.io/v1 Gateway. */
export interface GatewayStatusLike {
  status?: {
    haStatus?: string;
    connections?: readonly { status?: string; endpoint?: { cluster_id?: string } }[] | null;
  };
}

/**
 * The remote clusters the local cluster reaches, as its active Gateways report them; 'all' while no Gateway is
 * active (service discovery without the Submariner data plane, or before the first gateway takes the lease), in
 * which case nothing says a cluster is unreachable. The agent and the DNS server both decide from this.
 */
export function reachableFromGateways(gateways: Iterable<GatewayStatusLike>): ReadonlySet<string> | 'all' {
  const active = [...gateways].filter((g) => g.status?.haStatus === 'active');
  if (active.length === 0) return 'all';
  const connected = new Set<string>();
  for (const g of active) {
    for (const c of g.status?.connections ?? []) {
      if (c.status === 'connected' && c.endpoint?.cluster_id) connected.add(c.endpoint.cluster_id);
    }
  }
  return connected;
}
