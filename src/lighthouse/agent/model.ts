import type {
  IPFamily,
  ServiceAffinity,
  ServiceImportType,
  ServiceInternalTrafficPolicy,
  ServicePort,
  SessionAffinityConfig,
} from '../../api/generated.js';

/** The service properties one cluster exports: what its broker ServiceImport carries. */
export interface ExportedSpec {
  type: ServiceImportType;
  ports: ServicePort[];
  /** None when the Service does not set it. */
  sessionAffinity: ServiceAffinity;
  sessionAffinityConfig?: SessionAffinityConfig | undefined;
  ipFamilies: IPFamily[];
  /** The Service's cluster IPs (or its global IP with Globalnet); empty for Headless. */
  ips: string[];
  /** Cluster when the Service does not set it. */
  internalTrafficPolicy: ServiceInternalTrafficPolicy;
  trafficDistribution?: string | undefined;
}

/** Whether an export asks for a clusterset IP, and the one it carries once the clusterset has allocated it. */
export interface ClustersetIpChoice {
  /** The ServiceExport's `lighthouse.submariner.io/use-clusterset-ip`, else the cluster's default. */
  enabled: boolean;
  ip?: string | undefined;
  /** The cluster whose range the IP came from. */
  allocatedBy?: string | undefined;
}

/** One cluster's export of a service, as every member reads it from the broker. */
export interface Contribution {
  cluster: string;
  /** When the ServiceExport was created, in nanoseconds since the epoch: the oldest export wins conflicts. */
  exportedAt: bigint;
  spec: ExportedSpec;
  /** ServiceExport.spec.exportedLabels and exportedAnnotations. */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  clustersetIp: ClustersetIpChoice;
}

/** One endpoint of an exported EndpointSlice, reduced to what importing clusters use. */
export interface SliceEndpoint {
  addresses: string[];
  ready: boolean;
  hostname?: string | undefined;
  nodeName?: string | undefined;
}

export interface SlicePort {
  name?: string | undefined;
  protocol: string;
  port: number;
  appProtocol?: string | undefined;
}

/** The content of one EndpointSlice a cluster publishes for a service. */
export interface SliceContent {
  /** The local EndpointSlice it mirrors (headless services); undefined for the one slice of a ClusterSetIP service. */
  sourceName?: string | undefined;
  addressType: 'IPv4' | 'IPv6';
  endpoints: SliceEndpoint[];
  ports: SlicePort[];
  publishNotReadyAddresses: boolean;
  globalnet: boolean;
  /** The pod endpoints behind a clusterset IP (with `sourceName`), rather than a headless service's records. */
  podEndpoints?: boolean | undefined;
}

/** A published EndpointSlice with the cluster it comes from and its name (the same on the broker and in importing clusters). */
export interface ClusterSlice {
  cluster: string;
  name: string;
  content: SliceContent;
}

/** A service of the clusterset: the namespace and name it has in every cluster. */
export interface ServiceKey {
  namespace: string;
  name: string;
}

export interface Conflict {
  /** A ServiceExport Conflict reason, such as ConflictingPorts. */
  reason: string;
  message: string;
}
