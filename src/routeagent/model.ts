import type { EndpointSpec } from '../api/generated.js';

/** What the route agent needs to know about a Node. */
export interface NodeInfo {
  name: string;
  /** The node's IPv4 InternalIP, when it has one. */
  ip?: string | undefined;
  /** The TCP MSS forced by the node annotation submariner.io/tcp-clamp-mss. */
  clampMss?: number | undefined;
}

/** A checked Endpoint: the active gateway of one cluster. */
export interface EndpointInfo {
  /** The Endpoint object's name. */
  name: string;
  clusterId: string;
  /** The gateway node's host name. */
  hostname: string;
  privateIp?: string | undefined;
  healthCheckIp?: string | undefined;
  /** IPv4 CIDRs reachable through the gateway, as network addresses. */
  subnets: string[];
  backendConfig: Record<string, string>;
  /** The spec as published, for status reports. */
  spec: EndpointSpec;
}

/** Everything the route agent's handlers act on, built from the informer caches. */
export interface ClusterView {
  clusterId: string;
  nodeName: string;
  /** This node, once its Node object is known. */
  self?: NodeInfo | undefined;
  /** Every Node, sorted by name. */
  nodes: NodeInfo[];
  /** This cluster's Endpoint, published by the active gateway. */
  localEndpoint?: EndpointInfo | undefined;
  /** One Endpoint per remote cluster, sorted by cluster ID. */
  remoteEndpoints: EndpointInfo[];
  /** Whether this node runs the active gateway (the local Endpoint's hostname is this node). */
  isGateway: boolean;
}

/** An object left out of the view and why. */
export interface Skipped {
  kind: 'Endpoint' | 'Node';
  name: string;
  /** Changes when the object changes, so each version is reported once. */
  version: string;
  reason: string;
}
