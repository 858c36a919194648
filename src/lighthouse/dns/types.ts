/**
 * The Kubernetes objects the Lighthouse DNS server reads, reduced to the fields it uses.
 * JSON keys are exactly the API's; their groups, labels and annotations are in src/api/names.ts.
 */

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
}

export interface ServicePort {
  name?: string;
  protocol?: string;
  port: number;
}

/** multicluster.x-k8s.io ServiceImport, in the namespace of the service and with its name. */
export interface ServiceImport {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: {
    /** ClusterSetIP or Headless. */
    type?: string;
    ips?: string[];
    ports?: ServicePort[];
  };
}

export interface EndpointPort {
  name?: string | null;
  protocol?: string | null;
  port?: number | null;
}

export interface Endpoint {
  addresses: string[];
  hostname?: string | null;
  conditions?: { ready?: boolean | null } | null;
}

/** discovery.k8s.io/v1 EndpointSlice written by the Lighthouse agent, one source cluster each. */
export interface EndpointSlice {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  /** IPv4, IPv6 or FQDN (ignored). */
  addressType: string;
  endpoints?: Endpoint[] | null;
  ports?: EndpointPort[] | null;
}

export interface GatewayConnection {
  status?: string;
  endpoint?: { cluster_id?: string };
}

/** submariner.io/v1 Gateway: one per gateway node, the active one lists the connections to other clusters. */
export interface Gateway {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  status?: {
    haStatus?: string;
    connections?: GatewayConnection[] | null;
  };
}
