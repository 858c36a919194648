import type {
  Broker, Cluster, ClusterGlobalEgressIP, Condition, Endpoint, EndpointSpec, Gateway, GatewayStatus, GlobalEgressIP, GlobalIngressIP,
  RouteAgent, ServiceDiscovery, ServiceExport, ServiceImport, Submariner,
} from '../../../src/api/index.js';

/** A valid object of one kind and, when the kind has one, a status to write through the status subresource. */
export interface Sample {
  object: Broker | Cluster | ClusterGlobalEgressIP | Endpoint | Gateway | GlobalEgressIP | GlobalIngressIP | RouteAgent | ServiceDiscovery |
    ServiceExport | ServiceImport | Submariner;
  status?: unknown;
}

const remoteEndpoint: EndpointSpec = {
  cluster_id: 'cluster2',
  cable_name: 'submariner-cable-cluster2-172-18-0-5',
  healthCheckIP: '10.242.0.1',
  hostname: 'cluster2-worker',
  subnets: ['10.142.0.0/16', '10.242.0.0/16'],
  private_ip: '172.18.0.5',
  public_ip: '203.0.113.7',
  nat_enabled: true,
  backend: 'libreswan',
  backend_config: { 'udp-port': '4500', 'natt-discovery-port': '4490', 'preferred-server': 'false' },
};

const localEndpoint: EndpointSpec = {
  ...remoteEndpoint,
  cluster_id: 'cluster1',
  cable_name: 'submariner-cable-cluster1-172-18-0-4',
  healthCheckIP: '10.241.0.1',
  hostname: 'cluster1-worker',
  subnets: ['10.141.0.0/16', '10.241.0.0/16'],
  private_ip: '172.18.0.4',
  public_ip: '',
  nat_enabled: false,
};

const gatewayStatus: GatewayStatus = {
  version: 'v0.1.0',
  haStatus: 'active',
  localEndpoint,
  statusFailure: '',
  connections: [
    {
      status: 'connected',
      statusMessage: '',
      endpoint: remoteEndpoint,
      usingIP: '203.0.113.7',
      usingNAT: true,
      latencyRTT: { last: '388.079µs', min: '201.5µs', average: '1.2ms', max: '3.001ms', stdDev: '0s' },
    },
  ],
};

const allocated: Condition = {
  type: 'Allocated',
  status: 'True',
  reason: 'Success',
  message: 'Allocated 2 global IP(s)',
  lastTransitionTime: '2024-10-17T10:00:00Z',
};

/** One valid object per kind, named and placed for `namespace`. */
export function samples(namespace: string): Sample[] {
  const meta = (name: string) => ({ name, namespace });
  return [
    {
      object: {
        apiVersion: 'submariner.io/v1alpha1',
        kind: 'Broker',
        metadata: meta('submariner-broker'),
        spec: {
          components: ['service-discovery', 'connectivity'],
          defaultCustomDomains: ['example.org'],
          globalnetEnabled: true,
          globalnetCIDRRange: '242.0.0.0/8',
          defaultGlobalnetClusterSize: 65536,
          clustersetIPEnabled: false,
          clustersetIPCIDRRange: '243.0.0.0/8',
        },
      },
      status: {},
    },
    {
      object: {
        apiVersion: 'submariner.io/v1',
        kind: 'Cluster',
        metadata: meta('cluster1'),
        spec: { cluster_id: 'cluster1', color_codes: ['blue'], service_cidr: ['10.141.0.0/16'], cluster_cidr: ['10.241.0.0/16'], global_cidr: [] },
      },
    },
    {
      object: { apiVersion: 'submariner.io/v1', kind: 'ClusterGlobalEgressIP', metadata: { name: `${namespace}-egress` }, spec: { numGlobalIPs: 2 } },
      status: { conditions: [allocated], allocatedIPs: ['242.1.0.1', '242.1.0.2'] },
    },
    {
      object: { apiVersion: 'submariner.io/v1', kind: 'Endpoint', metadata: meta('cluster1-submariner-cable-cluster1-172-18-0-4'), spec: localEndpoint },
    },
    { object: { apiVersion: 'submariner.io/v1', kind: 'Gateway', metadata: meta('cluster1-worker') }, status: gatewayStatus },
    {
      object: {
        apiVersion: 'submariner.io/v1',
        kind: 'GlobalEgressIP',
        metadata: meta('db-pods'),
        spec: { numberOfIPs: 1, podSelector: { matchLabels: { app: 'db' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['backend'] }] } },
      },
      status: { conditions: [{ ...allocated, message: 'Allocated 1 global IP(s)' }], allocatedIPs: ['242.1.0.9'] },
    },
    {
      object: {
        apiVersion: 'submariner.io/v1',
        kind: 'GlobalIngressIP',
        metadata: meta('nginx'),
        spec: { target: 'ClusterIPService', serviceRef: { name: 'nginx' } },
      },
      status: { conditions: [allocated], allocatedIP: '242.1.0.20' },
    },
    {
      object: { apiVersion: 'submariner.io/v1', kind: 'RouteAgent', metadata: meta('cluster1-node-2') },
      status: {
        version: 'v0.1.0',
        statusFailure: '',
        remoteEndpoints: [{ status: 'connected', statusMessage: '', spec: remoteEndpoint, latencyRTT: { last: '1.5ms', average: '1.4ms' } }],
      },
    },
    {
      object: {
        apiVersion: 'submariner.io/v1alpha1',
        kind: 'ServiceDiscovery',
        metadata: meta('service-discovery'),
        spec: {
          clusterID: 'cluster1',
          namespace: 'submariner-operator',
          brokerK8sApiServer: '192.0.2.10:6443',
          brokerK8sRemoteNamespace: 'submariner-k8s-broker',
          brokerK8sSecret: 'submariner-broker-secret',
          clusterCIDR: '10.241.0.0/16',
          globalnetEnabled: false,
          customDomains: ['example.org'],
          coreDNSCustomConfig: { configMapName: 'coredns-custom', namespace: 'kube-system' },
        },
      },
      status: { deploymentInfo: { kubernetesType: 'k8s', kubernetesVersion: 'v1.36.3', cloudProvider: '' } },
    },
    {
      object: { apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceExport', metadata: meta('nginx'), spec: { exportedLabels: { tier: 'web' } } },
      status: {
        conditions: [
          { type: 'Valid', status: 'True', reason: 'Valid', message: '', lastTransitionTime: '2024-10-17T10:00:00Z' },
          { type: 'Ready', status: 'True', reason: 'Exported', message: '', lastTransitionTime: '2024-10-17T10:00:01Z' },
          { type: 'Conflict', status: 'False', reason: 'NoConflicts', message: '', lastTransitionTime: '2024-10-17T10:00:01Z' },
        ],
      },
    },
    {
      object: {
        apiVersion: 'multicluster.x-k8s.io/v1beta1',
        kind: 'ServiceImport',
        metadata: meta('nginx'),
        spec: {
          type: 'ClusterSetIP',
          ips: ['243.0.0.10'],
          ipFamilies: ['IPv4'],
          ports: [{ name: 'http', protocol: 'TCP', appProtocol: 'http', port: 80 }],
          sessionAffinity: 'ClientIP',
          sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
        },
      },
      status: { clusters: [{ cluster: 'cluster1' }, { cluster: 'cluster2' }] },
    },
    {
      object: {
        apiVersion: 'submariner.io/v1alpha1',
        kind: 'Submariner',
        metadata: meta('submariner'),
        spec: {
          clusterID: 'cluster1',
          namespace: 'submariner-operator',
          broker: 'k8s',
          brokerK8sApiServer: '192.0.2.10:6443',
          brokerK8sRemoteNamespace: 'submariner-k8s-broker',
          brokerK8sSecret: 'submariner-broker-secret',
          cableDriver: 'wireguard',
          ceIPSecNATTPort: 4500,
          ceIPSecPSKSecret: 'submariner-ipsec-psk',
          natEnabled: true,
          clusterCIDR: '10.241.0.0/16',
          serviceCIDR: '10.141.0.0/16',
          globalCIDR: '',
          connectionHealthCheck: { enabled: true, intervalSeconds: 1, maxPacketLossCount: 5 },
          tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
        },
      },
      status: { clusterID: 'cluster1', networkPlugin: 'generic', gateways: [gatewayStatus] },
    },
  ];
}
