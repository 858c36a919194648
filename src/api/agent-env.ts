/**
 * The contract between the rendered manifests and the agent programs: the entry point each container
 * runs, its ports, and the environment each agent reads. The renderer writes exactly these
 * names and the agents parse exactly these names, so both import them from here.
 *
 * Value formats: lists are comma-separated without spaces, booleans are "true"/"false", numbers
 * are decimal strings. Variables marked "from a Secret" are filled by the kubelet through
 * secretKeyRef and never appear in a manifest.
 */

/** The single executable every agent container runs; the first argument selects the component. */
export const AGENT_ENTRY_POINT = 'kubectl-submariner-agent';

export const agentComponents = ['gateway', 'routeagent', 'globalnet', 'lighthouse-agent', 'lighthouse-dns', 'operator'] as const;
export type AgentComponent = (typeof agentComponents)[number];

/** `command` of the container running `component`. */
export function agentCommand(component: AgentComponent): string[] {
  return [AGENT_ENTRY_POINT, component];
}

/** Keys of the broker Secret, the same keys as a ServiceAccount token Secret. */
export const brokerSecretKeys = { token: 'token', ca: 'ca.crt', namespace: 'namespace' } as const;

/**
 * Key of the PSK Secret. It holds the PSK in its base64 text form (the form subctl's broker-info
 * carries), so CE_IPSEC_PSK receives printable text that both ends of a tunnel derive keys from.
 */
export const ipsecPskSecretKey = 'psk';

export const ports = {
  gatewayMetrics: 32780,
  globalnetMetrics: 32781,
  /** 32782 is Submariner's route-agent pprof port. */
  routeAgentMetrics: 32783,
  lighthouseAgentMetrics: 8082,
  /** The metrics Services' ports: gateway 8080, globalnet 8081 (Submariner's). */
  gatewayMetricsService: 8080,
  globalnetMetricsService: 8081,
  dns: 53,
  dnsMetrics: 9153,
  defaultNatt: 4500,
  defaultNattDiscovery: 4490,
} as const;

export const defaultDnsTtlSeconds = 5;

/** Set to "true" (by `kubectl submariner uninstall`) to make an agent remove what it created on its node, then wait to be deleted. */
export const uninstallEnv = 'SUBMARINER_UNINSTALL';

/** The file an agent in uninstall mode writes once it has removed what it created (a readiness probe can look for it). */
export const uninstalledMarker = '/tmp/submariner-uninstalled';

/** Every agent reads these. */
export const commonEnv = {
  /** The Submariner namespace (where the agent's own objects live). */
  namespace: 'SUBMARINER_NAMESPACE',
  clusterId: 'SUBMARINER_CLUSTERID',
  /** "true" for verbose logs. */
  debug: 'SUBMARINER_DEBUG',
} as const;

/** Broker access, read by the agents that talk to the broker. */
export const brokerEnv = {
  /** host[:port][/path] of the broker API server, without a scheme; always reached over https. */
  apiServer: 'BROKER_K8S_APISERVER',
  /** Bearer token for the broker (from a Secret). */
  apiServerToken: 'BROKER_K8S_APISERVERTOKEN',
  /** PEM CA bundle of the broker API server (from a Secret). */
  ca: 'BROKER_K8S_CA',
  remoteNamespace: 'BROKER_K8S_REMOTENAMESPACE',
  /** "true" to skip verifying the broker's certificate. */
  insecure: 'BROKER_K8S_INSECURE',
  /** Name of the Secret holding token and CA. */
  secret: 'BROKER_K8S_SECRET',
} as const;

/** The node the pod runs on and the pod's own name (downward API). */
export const podEnv = { nodeName: 'NODE_NAME', podName: 'POD_NAME' } as const;

const networkEnv = {
  clusterCidr: 'SUBMARINER_CLUSTERCIDR',
  serviceCidr: 'SUBMARINER_SERVICECIDR',
  /** The cluster's GlobalCIDR; empty when Globalnet is off. */
  globalCidr: 'SUBMARINER_GLOBALCIDR',
} as const;

const healthCheckEnv = {
  healthCheckEnabled: 'SUBMARINER_HEALTHCHECKENABLED',
  /** Seconds between pings. */
  healthCheckInterval: 'SUBMARINER_HEALTHCHECKINTERVAL',
  healthCheckMaxPacketLossCount: 'SUBMARINER_HEALTHCHECKMAXPACKETLOSSCOUNT',
} as const;

export const gatewayEnv = {
  ...commonEnv,
  ...networkEnv,
  ...healthCheckEnv,
  ...brokerEnv,
  nodeName: podEnv.nodeName,
  podName: podEnv.podName,
  /** Always "k8s". */
  broker: 'SUBMARINER_BROKER',
  /** libreswan, strongswan, wireguard or vxlan. */
  cableDriver: 'SUBMARINER_CABLEDRIVER',
  natEnabled: 'SUBMARINER_NATENABLED',
  metricsPort: 'SUBMARINER_METRICSPORT',
  /** UDP port of NAT discovery; "0" disables it. */
  nattDiscoveryPort: 'SUBMARINER_NATTDISCOVERYPORT',
  airGapped: 'AIR_GAPPED_DEPLOYMENT',
  /** The PSK in base64 text form (from a Secret). */
  ipsecPsk: 'CE_IPSEC_PSK',
  ipsecDebug: 'CE_IPSEC_DEBUG',
  /** UDP port of the cable (IPsec NAT-T and IKE, WireGuard, VXLAN cable). */
  nattPort: 'CE_IPSEC_NATTPORT',
  preferredServer: 'CE_IPSEC_PREFERREDSERVER',
  forceEncaps: 'CE_IPSEC_FORCEENCAPS',
  /** Leader election of the gateways (seconds, fractions allowed): lease, renew deadline, retry period. */
  leaseDuration: 'LEADERSHIP_LEASEDURATION',
  renewDeadline: 'LEADERSHIP_RENEWDEADLINE',
  retryPeriod: 'LEADERSHIP_RETRYPERIOD',
  /** How many threads run Go code at once (the Go runtime), which wireguard-go inherits from the gateway. */
  goMaxProcs: 'GOMAXPROCS',
} as const;

/**
 * Gateway leader election: a dead or paused leader is replaced within about 2 s (Submariner's 15/10/2 take about
 * 15 s). The leader fences itself 0.5 s before a standby may take over (src/kube/lease/elector.ts).
 */
export const leaderElection = { leaseDuration: '2', renewDeadline: '1.5', retryPeriod: '0.5' } as const;

export const routeAgentEnv = {
  ...commonEnv,
  ...networkEnv,
  ...healthCheckEnv,
  nodeName: podEnv.nodeName,
  podName: podEnv.podName,
  /** generic, calico, canal-flannel, flannel, kindnet, OpenShiftSDN, OVNKubernetes, weave-net. */
  networkPlugin: 'SUBMARINER_NETWORKPLUGIN',
  metricsPort: 'SUBMARINER_METRICSPORT',
} as const;

export const globalnetEnv = {
  ...commonEnv,
  ...networkEnv,
  nodeName: podEnv.nodeName,
  podName: podEnv.podName,
  metricsPort: 'SUBMARINER_METRICSPORT',
} as const;

export const lighthouseAgentEnv = {
  ...commonEnv,
  ...brokerEnv,
  /** Namespaces whose ServiceExports are ignored. */
  excludeNamespaces: 'SUBMARINER_EXCLUDENS',
  globalnetEnabled: 'SUBMARINER_GLOBALNET_ENABLED',
  /** "true": exports without the use-clusterset-ip annotation get a clusterset IP. */
  clustersetIpEnabled: 'SUBMARINER_CLUSTERSET_IP_ENABLED',
  /** This cluster's block of the clusterset IP range, which the VIPs it allocates come from (empty: it allocates none). */
  clustersetIpCidr: 'SUBMARINER_CLUSTERSET_IP_CIDR',
  /** Seconds a cluster's connection may be down before its services stop being served (optional, default 60). */
  disconnectGraceSeconds: 'LIGHTHOUSE_DISCONNECT_GRACE_SECONDS',
  metricsPort: 'LIGHTHOUSE_METRICS_PORT',
} as const;

export const lighthouseDnsEnv = {
  ...commonEnv,
  dnsPort: 'LIGHTHOUSE_DNS_PORT',
  metricsPort: 'LIGHTHOUSE_METRICS_PORT',
  /** Zones served: clusterset.local followed by the custom domains. */
  zones: 'LIGHTHOUSE_DNS_ZONES',
  /** TTL of answers in seconds (0-3600). */
  ttl: 'LIGHTHOUSE_DNS_TTL',
} as const;

/**
 * The operator changes objects of the cluster that Submariner does not own: it labels the gateway nodes and
 * keeps the forwarding block for the clusterset zones in CoreDNS's Corefile, and undoes both on uninstall.
 */
export const operatorEnv = {
  ...commonEnv,
  podName: podEnv.podName,
  /** Nodes to label as gateways (comma-separated names); empty: keep the labelled ones, or pick one. */
  gatewayNodes: 'SUBMARINER_GATEWAY_NODES',
  /** "true": when no node carries the gateway labels and none is named, pick one and label it. */
  labelGateway: 'SUBMARINER_LABEL_GATEWAY',
  /** The labels that make a node a gateway (`key=value[,key=value]`), as the gateway DaemonSet selects them. */
  gatewayNodeSelector: 'SUBMARINER_GATEWAY_NODE_SELECTOR',
  /** Zones CoreDNS forwards to Lighthouse DNS (comma-separated); empty: no forwarding (no service discovery). */
  corednsZones: 'SUBMARINER_COREDNS_ZONES',
} as const;

/** The environment each component reads, by component. */
export const componentEnv = {
  gateway: gatewayEnv,
  routeagent: routeAgentEnv,
  globalnet: globalnetEnv,
  'lighthouse-agent': lighthouseAgentEnv,
  'lighthouse-dns': lighthouseDnsEnv,
  operator: operatorEnv,
} as const satisfies Record<AgentComponent, Record<string, string>>;
