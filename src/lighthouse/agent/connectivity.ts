import type { Gateway } from '../../api/generated.js';
import { GatewayConnections } from '../gateway-status.js';

export interface ConnectivityOptions {
  localClusterId: string;
  /** How long a cluster stays served after its connection went down. */
  graceMs: number;
  now?: () => number;
}

/**
 * Which clusters' endpoints this cluster serves: the local cluster always; a remote cluster while the active
 * Gateway reports it connected, and for a grace period after that. Without the Gateway API, or without an active
 * Gateway (service discovery without the Submariner data plane), every cluster is served. Mutations return the
 * clusters whose served state or membership changed. No I/O.
 */
export class ClusterConnectivity {
  private readonly gateways: GatewayConnections<Gateway>;
  private readonly downSince = new Map<string, number>();
  private members = new Set<string>();
  private lastServed = new Map<string, boolean>();

  constructor(private readonly o: ConnectivityOptions) {
    this.gateways = new GatewayConnections(o.localClusterId);
  }

  /** Whether the endpoints of `cluster` are served now. */
  served(cluster: string): boolean {
    if (this.gateways.isConnected(cluster)) return true;
    const since = this.downSince.get(cluster);
    return since === undefined || this.now() - since < this.o.graceMs;
  }

  /** The clusters of the clusterset (from the broker's Cluster objects). */
  setMembers(clusters: Iterable<string>): string[] {
    this.members = new Set(clusters);
    return this.refresh();
  }

  setGatewayApiPresent(present: boolean): string[] {
    this.gateways.setGatewayApiPresent(present);
    return this.refresh();
  }

  upsertGateway(gateway: Gateway): string[] {
    this.gateways.upsertGateway(gateway);
    return this.refresh();
  }

  deleteGateway(gateway: Gateway): string[] {
    this.gateways.deleteGateway(gateway);
    return this.refresh();
  }

  /** Re-evaluates the grace periods; call it at nextExpiry(). */
  tick(): string[] {
    return this.refresh();
  }

  /** When the next disconnected cluster's grace period ends, if one is running. */
  nextExpiry(): number | undefined {
    const ends = [...this.downSince.values()].map((t) => t + this.o.graceMs).filter((t) => t > this.now());
    return ends.length === 0 ? undefined : Math.min(...ends);
  }

  private refresh(): string[] {
    const now = this.now();
    for (const cluster of this.members) {
      if (this.gateways.isConnected(cluster)) this.downSince.delete(cluster);
      else if (!this.downSince.has(cluster)) this.downSince.set(cluster, now);
    }
    for (const cluster of [...this.downSince.keys()]) if (!this.members.has(cluster)) this.downSince.delete(cluster);
    const changed: string[] = [];
    const served = new Map<string, boolean>();
    for (const cluster of this.members) {
      const s = this.served(cluster);
      served.set(cluster, s);
      if (this.lastServed.get(cluster) !== s) changed.push(cluster);
    }
    for (const cluster of this.lastServed.keys()) if (!this.members.has(cluster)) changed.push(cluster);
    this.lastServed = served;
    return changed;
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }
}
