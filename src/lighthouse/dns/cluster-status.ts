import { reachableFromGateways } from '../gateway-status.js';
import type { Gateway } from './types.js';

/** Which clusters the local cluster can reach now. */
export interface ClusterStatus {
  readonly localClusterId: string;
  isConnected(clusterId: string): boolean;
}

/**
 * ClusterStatus from the Gateway objects of the local cluster: the local cluster, and the clusters the active
 * gateway reports as connected. Where the Gateway API is not installed, or no Gateway is active (service discovery
 * only), every cluster counts as connected, as it does for the Lighthouse agent.
 */
export class GatewayClusterStatus implements ClusterStatus {
  private readonly gateways = new Map<string, Gateway>();
  private reachable: ReadonlySet<string> | 'all' = 'all';
  private apiPresent = true;

  constructor(readonly localClusterId: string) {}

  isConnected(clusterId: string): boolean {
    return clusterId === this.localClusterId || !this.apiPresent || this.reachable === 'all' || this.reachable.has(clusterId);
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
    this.reachable = reachableFromGateways(this.gateways.values());
  }

  deleteGateway(gateway: Gateway): void {
    this.gateways.delete(key(gateway));
    this.reachable = reachableFromGateways(this.gateways.values());
  }
}

function key(gateway: Gateway): string {
  return `${gateway.metadata?.namespace ?? ''}/${gateway.metadata?.name ?? ''}`;
}
