/** What both Lighthouse components read of a submariner.io/v1 Gateway. */
export interface GatewayStatusLike {
  metadata?: { namespace?: string | undefined; name?: string | undefined } | undefined;
  status?: {
    haStatus?: string;
    connections?: readonly { status?: string; endpoint?: { cluster_id?: string } }[] | null;
  };
}

/**
 * Which clusters the local cluster reaches now, from its Gateway objects: itself, and the clusters its active
 * Gateways report connected. While the Gateway API is not installed, or no Gateway is active (service discovery
 * without the Submariner data plane, or before the first gateway takes the lease), nothing says a cluster is
 * unreachable and every cluster counts as connected. The Lighthouse agent and the DNS server both decide from this.
 */
export class GatewayConnections<G extends GatewayStatusLike = GatewayStatusLike> {
  private readonly gateways = new Map<string, G>();
  private reachable: ReadonlySet<string> | 'all' = 'all';
  private apiPresent = true;
  private changes = 0;

  constructor(readonly localClusterId: string) {}

  /** Goes up on every change that may change isConnected. */
  get version(): number {
    return this.changes;
  }

  isConnected(clusterId: string): boolean {
    return clusterId === this.localClusterId || !this.apiPresent || this.reachable === 'all' || this.reachable.has(clusterId);
  }

  /** False when the Gateway CRD is not installed. */
  get gatewayApiPresent(): boolean {
    return this.apiPresent;
  }

  setGatewayApiPresent(present: boolean): void {
    this.apiPresent = present;
    this.changes++;
  }

  upsertGateway(gateway: G): void {
    this.gateways.set(gatewayKey(gateway), gateway);
    this.reachable = reachableFrom(this.gateways.values());
    this.changes++;
  }

  deleteGateway(gateway: G): void {
    this.gateways.delete(gatewayKey(gateway));
    this.reachable = reachableFrom(this.gateways.values());
    this.changes++;
  }
}

function reachableFrom(gateways: Iterable<GatewayStatusLike>): ReadonlySet<string> | 'all' {
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

function gatewayKey(g: GatewayStatusLike): string {
  return `${g.metadata?.namespace ?? ''}/${g.metadata?.name ?? ''}`;
}
