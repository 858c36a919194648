import { GatewayConnections } from '../gateway-status.js';
import type { Gateway } from './types.js';

/** Which clusters the local cluster can reach now. */
export interface ClusterStatus {
  readonly localClusterId: string;
  isConnected(clusterId: string): boolean;
  /** Goes up whenever the answer of isConnected may change. */
  readonly version: number;
}

/** ClusterStatus from the Gateway objects of the local cluster, by the rule the Lighthouse agent follows too. */
export class GatewayClusterStatus extends GatewayConnections<Gateway> implements ClusterStatus {}
