import type { Gateway } from './types.js';

/** Which clusters the local cluster can reach now. */
export interface ClusterStatus {
  readonly localClusterId: string;
  isConnected(clusterId: string): boolean;
}

/**
 * ClusterStatus from the Gateway objects of the local cluster: the local cluster, and the clusters the
 * active gateway reports as connected. Where the Gateway API is not installed (service discovery only),
 * every cluster counts as connected.
 */
export class GatewayClusterStatus implements ClusterStatus {
  private readonly gateways = new Map<string, Gateway>();
  private connected = new Set<string>();
  private apiPresent = true;

  constructor(readonly localClusterId: string) {}

  isConnected(clusterId: string): boolean {
    return clusterId === this.localClusterId || !this.apiPresent || this.connected.has(clusterId);
  }

  /** False when the Gateway CRD is not installed. */
  get gatewayApiPresent(): boolean {
    return this.apiPresent;
  }

  setGatewayApiPresent(present: boolean): void {
    this.apiPresent = present;
  }

  upsertGateway(gateway: Gateway): void {
    this.gateways.set(key(gateway), gateway);
    this.recompute();
  }

  deleteGateway(gateway: Gateway): void {
    this.gateways.delete(key(gateway));
    this.recompute();
  }

  private recompute(): void {
    const connected = new Set<string>();
    for (const gateway of this.gateways.values()) {
      if (gateway.status?.haStatus !== 'active') continue;
      for (const connection of gateway.status.connections ?? []) {
        const clusterId = connection.endpoint?.cluster_id;
        if (connection.status === 'connected' && clusterId) connected.add(clusterId);
      }
    }
    this.connected = connected;
  }
}

function key(gateway: Gateway): string {
  return `${gateway.metadata?.namespace ?? ''}/${gateway.metadata?.name ?? ''}`;
}
