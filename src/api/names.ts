import type { AgentComponent } from './agent-env.js';

/** The field manager of everything kubectl-submariner applies. */
export const fieldManager = 'kubectl-submariner';

/** API groups of the kinds kubectl-submariner reads, writes and grants access to. */
export const groups = {
  submariner: 'submariner.io',
  /** The Multi-Cluster Services API (KEP-1645). */
  multicluster: 'multicluster.x-k8s.io',
  discovery: 'discovery.k8s.io',
  rbac: 'rbac.authorization.k8s.io',
  coordination: 'coordination.k8s.io',
  admissionRegistration: 'admissionregistration.k8s.io',
} as const;

/** The objects join renders into a member cluster, and the default namespaces. */
export const names = {
  /** The Submariner namespace of a member cluster unless join is told otherwise. */
  defaultNamespace: 'submariner-operator',
  defaultBrokerNamespace: 'submariner-k8s-broker',
  brokerSecret: 'submariner-broker-secret',
  ipsecPskSecret: 'submariner-ipsec-psk',
  submarinerCR: 'submariner',
  serviceDiscoveryCR: 'service-discovery',
  lighthouseDnsService: 'submariner-lighthouse-coredns',
  /** Services in front of the agents' metrics ports, as Submariner names them. */
  metricsServices: {
    gateway: 'submariner-gateway-metrics',
    globalnet: 'submariner-globalnet-metrics',
    lighthouseAgent: 'submariner-lighthouse-agent-metrics',
  },
  /** Workload, ServiceAccount, ClusterRole and Role name per component. */
  workload: {
    gateway: 'submariner-gateway',
    routeagent: 'submariner-routeagent',
    globalnet: 'submariner-globalnet',
    'lighthouse-agent': 'submariner-lighthouse-agent',
    'lighthouse-dns': 'submariner-lighthouse-coredns',
    operator: 'submariner-operator',
  } satisfies Record<AgentComponent, string>,
} as const;

/**
 * This project's agent image: one image runs every component (`kubectl-submariner-agent <component>`).
 * join names it `<repository>/<name>:<version>`; `npm run image` builds it under the default repository.
 */
export const agentImage = {
  defaultRepository: 'kubectl-submariner',
  name: 'kubectl-submariner-agent',
  entrypoint: '/usr/local/bin/kubectl-submariner-agent',
} as const;

/** An image reference split into its repository (registry and path) and tag. */
export interface ImageRef {
  repository: string;
  tag: string;
}

/** Parses `name[:tag]` (a digest is not a tag); the tag defaults to latest. */
export function parseImageRef(ref: string): ImageRef {
  const noDigest = ref.split('@')[0] ?? ref;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  if (colon > slash) return { repository: noDigest.slice(0, colon), tag: noDigest.slice(colon + 1) };
  return { repository: noDigest, tag: 'latest' };
}

/** Broker objects, leases and other objects with fixed names. */
/** Where a kubeadm-style cluster keeps its CoreDNS configuration: the operator edits it, join waits for it. */
export const corednsConfigMap = { namespace: 'kube-system', name: 'coredns', key: 'Corefile' } as const;

export const wellKnown = {
  brokerName: 'submariner-broker',
  brokerAdminServiceAccount: 'submariner-k8s-broker-admin',
  brokerClusterRole: 'submariner-k8s-broker-cluster',
  globalnetInfoConfigMap: 'submariner-globalnet-info',
  clustersetIpInfoConfigMap: 'submariner-clustersetip-info',
  gatewayLease: 'submariner-gateway-lock',
  globalnetLease: 'submariner-globalnet-lock',
  clusterEgressIP: 'cluster-egress.submariner.io',
  globalnetInternalServiceFinalizer: 'submariner.io/globalnet-internal-service',
  clustersetDomain: 'clusterset.local',
} as const;

/** The broker service account of a joined cluster, `cluster-<clusterID>`. */
export function clusterServiceAccount(clusterId: string): string {
  return `cluster-${clusterId}`;
}

/** Global IPs the cluster-egress ClusterGlobalEgressIP gets when globalnet creates it. */
export const defaultClusterEgressIPs = 8;

/** Labels Submariner and Lighthouse put on nodes, pods, EndpointSlices and synced copies. */
export const labels = {
  /** Node label that makes a node a gateway candidate (value "true"). */
  gateway: 'submariner.io/gateway',
  /** Gateway pod label, "active" on the leader. */
  gatewayStatus: 'gateway.submariner.io/status',
  gatewayNode: 'gateway.submariner.io/node',
  /** `endpointslice.kubernetes.io/managed-by` value of Lighthouse's EndpointSlices. */
  managedBy: 'endpointslice.kubernetes.io/managed-by',
  serviceName: 'multicluster.kubernetes.io/service-name',
  sourceCluster: 'multicluster.kubernetes.io/source-cluster',
  sourceNamespace: 'lighthouse.submariner.io/sourceNamespace',
  isHeadless: 'lighthouse.submariner.io/is-headless',
  /** Name of the source EndpointSlice (headless services, and the pod endpoints of clusterset IP services). */
  sourceName: 'lighthouse.submariner.io/source-name',
  /** "true" on the EndpointSlices holding the pod endpoints behind a clusterset IP (the route agent balances over them; DNS skips them). */
  podEndpoints: 'lighthouse.submariner.io/pod-endpoints',
  /** On broker copies made by the syncer. */
  clusterId: 'submariner-io/clusterID',
  originatingNamespace: 'submariner-io/originatingNamespace',
  /** On globalnet's internal Service of an exported Service. */
  exportedServiceRef: 'submariner.io/exportedServiceRef',
  /** On the GlobalIngressIPs of a headless Service's pods. */
  serviceRef: 'submariner.io/serviceRef',
  /** On the broker ConfigMap submariner-globalnet-info (value "submariner-globalnet"). */
  component: 'component',
  /** The Service of a Kubernetes EndpointSlice. */
  kubeServiceName: 'kubernetes.io/service-name',
  /** `app.kubernetes.io/managed-by` of everything kubectl-submariner creates (value: the field manager). */
  appManagedBy: 'app.kubernetes.io/managed-by',
  appPartOf: 'app.kubernetes.io/part-of',
  /** On a member's objects in the broker namespace. */
  brokerClusterId: 'submariner.io/cluster-id',
} as const;

/** The node label that marks gateway nodes, with its value. */
export const gatewayNodeLabel = { key: labels.gateway, value: 'true' } as const;

/** The labels of every object kubectl-submariner creates. */
export const managedByLabels = { [labels.appManagedBy]: fieldManager, [labels.appPartOf]: 'submariner' } as const;

/** The managed-by value of Lighthouse's EndpointSlices. */
export const lighthouseManagedBy = 'lighthouse-agent.submariner.io';

export const annotations = {
  publishNotReadyAddresses: 'lighthouse.submariner.io/publish-not-ready-addresses',
  globalnetEnabled: 'lighthouse.submariner.io/globalnet-enabled',
  useClustersetIP: 'lighthouse.submariner.io/use-clusterset-ip',
  clustersetIPAllocatedBy: 'lighthouse.submariner.io/clusterset-ip-allocated-by',
  /** Broker ServiceImport: the clusterset IP of the service, as this export carries it (the oldest export's wins). */
  clustersetIP: 'lighthouse.submariner.io/clusterset-ip',
  /** Gateway: unix seconds of the last status write. */
  updateTimestamp: 'update-timestamp',
  /** Gateway: the gateway's global IP, set by globalnet. */
  globalIp: 'submariner.io/globalIp',
  /** Node: forces the TCP MSS clamped on traffic to remote clusters. */
  tcpClampMss: 'submariner.io/tcp-clamp-mss',
  headlessServicePodIp: 'submariner.io/headless-svc-pod-ip',
  headlessServiceEndpointsIp: 'submariner.io/headless-svc-endpoints-ip',
  /** ServiceImport: the labels and annotations of the exported Service it carries (JSON). */
  exportedLabels: 'lighthouse.submariner.io/exported-labels',
  exportedAnnotations: 'lighthouse.submariner.io/exported-annotations',
  /** Local ServiceImport and EndpointSlice: hash of the broker object last applied. */
  appliedHash: 'lighthouse.submariner.io/applied-hash',
  /** A ServiceAccount token Secret: the ServiceAccount it belongs to. */
  serviceAccountName: 'kubernetes.io/service-account.name',
  /** Node: the public IP of a gateway node (`ipv4:<address>`), preferred when picking a gateway. */
  gatewayPublicIp: 'gateway.submariner.io/public-ip',
  /** Node: set on the nodes the operator labelled as gateways, so uninstall takes back exactly those labels. */
  gatewayLabelledBy: 'submariner.io/gateway-labelled-by',
  /** Agent pod: set once, in uninstall mode, it has removed everything it created on its node. */
  uninstalled: 'submariner.io/uninstalled',
} as const;

/** On a member's broker service account: the UID of the member's kube-system namespace, telling re-joins from duplicates. */
export const clusterUidAnnotation = 'submariner.io/cluster-uid';

/** The lines around the block of CoreDNS's Corefile that forwards the clusterset zones to Lighthouse DNS. */
export const LIGHTHOUSE_START = '#lighthouse-start AUTO-GENERATED SECTION. DO NOT EDIT';
export const LIGHTHOUSE_END = '#lighthouse-end';

/** `timestamp.submariner.io/<clusterID>`: when a cluster exported a service (ns), for oldest-wins conflicts. */
export function exportTimestampAnnotation(clusterId: string): string {
  return `timestamp.submariner.io/${clusterId}`;
}

/** Prefix of node labels and annotations that override a gateway's backend_config (annotations win). */
export const gatewayConfigPrefix = 'gateway.submariner.io/';

/** Keys of Endpoint.spec.backend_config. */
export const backendConfig = {
  udpPort: 'udp-port',
  nattDiscoveryPort: 'natt-discovery-port',
  preferredServer: 'preferred-server',
  preferredServerTimestamp: 'preferred-server-timestamp',
  publicIp: 'public-ip',
  usingLoadBalancer: 'using-loadbalancer',
  publicKey: 'publicKey',
  interfaceName: 'interface-name',
} as const;

/** The backend_config keys a node may override with `gateway.submariner.io/<key>`. */
export const nodeGatewayConfigKeys = [backendConfig.udpPort, backendConfig.nattDiscoveryPort, backendConfig.publicIp, backendConfig.preferredServer] as const;

/** ServiceExport conditions and their reasons (KEP-1645, multicluster.x-k8s.io/v1beta1). */
export const serviceExportConditions = {
  valid: 'Valid',
  ready: 'Ready',
  conflict: 'Conflict',
} as const;

export const serviceExportReasons = {
  valid: 'Valid',
  noService: 'NoService',
  invalidServiceType: 'InvalidServiceType',
  exported: 'Exported',
  ready: 'Ready',
  pending: 'Pending',
  failed: 'Failed',
  /** Submariner's reasons where Lighthouse has one; the MCS API's names for the others. */
  portConflict: 'ConflictingPorts',
  typeConflict: 'ConflictingType',
  sessionAffinityConflict: 'ConflictingSessionAffinity',
  sessionAffinityConfigConflict: 'ConflictingSessionAffinityConfig',
  clustersetIpEnablementConflict: 'ConflictingClusterSetIPEnablement',
  annotationsConflict: 'AnnotationsConflict',
  labelsConflict: 'LabelsConflict',
  internalTrafficPolicyConflict: 'InternalTrafficPolicyConflict',
  trafficDistributionConflict: 'TrafficDistributionConflict',
  ipFamilyConflict: 'IPFamilyConflict',
  noConflicts: 'NoConflicts',
} as const;

/** ServiceImport's Ready condition and its reasons. */
export const serviceImportConditions = { ready: 'Ready' } as const;
export const serviceImportReasons = { ready: 'Ready', pending: 'Pending', ipFamilyNotSupported: 'IPFamilyNotSupported' } as const;

/** Conditions globalnet sets on GlobalEgressIP, ClusterGlobalEgressIP and GlobalIngressIP. */
export const globalIPConditions = { allocated: 'Allocated', updated: 'Updated' } as const;
export const globalIPReasons = {
  success: 'Success',
  zeroInput: 'ZeroInput',
  invalidInput: 'InvalidInput',
  invalidInstance: 'InvalidInstance',
  ipPoolAllocationFailed: 'IPPoolAllocationFailed',
  programIPTableRulesFailed: 'ProgramIPTableRulesFailed',
  reserveAllocatedIPsFailed: 'ReserveAllocatedIPsFailed',
} as const;

/** Open Cluster Management (open-cluster-management.io/api v1.2): API groups, labels and condition types. */
export const ocm = {
  groups: {
    cluster: 'cluster.open-cluster-management.io',
    work: 'work.open-cluster-management.io',
    addon: 'addon.open-cluster-management.io',
  },
  labels: {
    /** ManagedCluster: the ManagedClusterSet it belongs to (ExclusiveClusterSetLabel selector). */
    clusterSet: 'cluster.open-cluster-management.io/clusterset',
    /** CSR of a klusterlet's registration agent: the ManagedCluster it registers. */
    csrClusterName: 'open-cluster-management.io/cluster-name',
  },
  /** ManagedCluster condition types. */
  clusterConditions: {
    accepted: 'HubAcceptedManagedCluster',
    joined: 'ManagedClusterJoined',
    available: 'ManagedClusterConditionAvailable',
  },
  /** Taints the registration controller puts on a ManagedCluster whose agent stopped reporting (Unknown) or whose API server is down (False). */
  taints: {
    unreachable: 'cluster.open-cluster-management.io/unreachable',
    unavailable: 'cluster.open-cluster-management.io/unavailable',
  },
  /** ClusterClaims (on the ManagedCluster's status) the hub addon reads a cluster's networks from when no SubmarinerConfig sets them. */
  claims: {
    clusterCidr: 'clustercidr.submariner.io',
    serviceCidr: 'servicecidr.submariner.io',
  },
  /** ManifestWork condition types. */
  workConditions: {
    applied: 'Applied',
    available: 'Available',
  },
} as const;
