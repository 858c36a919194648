import type { V1DaemonSet, V1Deployment } from '@kubernetes/client-node';
import type { Broker, Endpoint, EndpointSpec, Gateway, Submariner } from '../../../src/api/generated.js';

// Objects as a joined cluster "east" holds them, connected to "west" (NAT, measured) and "north" (still connecting).

const endpointSpec = (over: Partial<EndpointSpec>): EndpointSpec => ({
  cluster_id: 'west',
  cable_name: 'submariner-cable-west-10-250-2-2',
  hostname: 'west-gw',
  subnets: ['10.96.0.0/16', '10.244.0.0/16'],
  private_ip: '10.250.2.2',
  public_ip: '192.168.242.2',
  nat_enabled: false,
  backend: 'vxlan',
  healthCheckIP: '10.244.0.1',
  backend_config: { 'udp-port': '4500', 'natt-discovery-port': '4490' },
  ...over,
});

export const eastSpec = endpointSpec({ cluster_id: 'east', cable_name: 'submariner-cable-east-10-250-1-2', hostname: 'east-gw', private_ip: '10.250.1.2', public_ip: '', subnets: ['10.97.0.0/16', '10.245.0.0/16'] });
export const westSpec = endpointSpec({});
export const northSpec = endpointSpec({ cluster_id: 'north', cable_name: 'submariner-cable-north-10-250-3-2', hostname: 'north-gw', private_ip: '10.250.3.2', public_ip: undefined, backend: 'wireguard', subnets: ['10.98.0.0/16'] });

export const activeGateway: Gateway = {
  apiVersion: 'submariner.io/v1',
  kind: 'Gateway',
  metadata: { name: 'east-gw', namespace: 'submariner-operator' },
  status: {
    version: 'v0.1.0',
    haStatus: 'active',
    localEndpoint: eastSpec,
    connections: [
      {
        status: 'connected',
        statusMessage: '',
        endpoint: westSpec,
        usingIP: '192.168.242.2',
        usingNAT: true,
        latencyRTT: { last: '1.2ms', min: '388.079µs', average: '794.04µs', max: '1.2ms', stdDev: '405.961µs' },
      },
      { status: 'connecting', statusMessage: 'waiting for the first handshake', endpoint: northSpec },
    ],
  },
};

export const passiveGateway: Gateway = {
  apiVersion: 'submariner.io/v1',
  kind: 'Gateway',
  metadata: { name: 'east-gw2', namespace: 'submariner-operator' },
  status: { version: 'v0.1.0', haStatus: 'passive', localEndpoint: eastSpec, connections: [] },
};

export const endpoints: Endpoint[] = [eastSpec, westSpec].map((spec) => ({
  apiVersion: 'submariner.io/v1',
  kind: 'Endpoint',
  metadata: { name: spec.cable_name, namespace: 'submariner-operator' },
  spec,
}));

export const submariner: Submariner = {
  apiVersion: 'submariner.io/v1alpha1',
  kind: 'Submariner',
  metadata: { name: 'submariner', namespace: 'submariner-operator' },
  spec: {
    clusterID: 'east',
    namespace: 'submariner-operator',
    serviceCIDR: '10.97.0.0/16',
    clusterCIDR: '10.245.0.0/16',
    brokerK8sApiServer: '172.18.0.2:6443',
    brokerK8sRemoteNamespace: 'submariner-k8s-broker',
  },
  status: { networkPlugin: 'kindnet', clusterCIDR: '10.245.0.0/16' },
};

export const brokers: Broker[] = [
  {
    apiVersion: 'submariner.io/v1alpha1',
    kind: 'Broker',
    metadata: { name: 'submariner-broker', namespace: 'submariner-k8s-broker' },
    spec: { components: ['service-discovery', 'connectivity'], globalnetEnabled: true, globalnetCIDRRange: '242.0.0.0/8', defaultGlobalnetClusterSize: 65536, defaultCustomDomains: ['example.org'] },
  },
  { apiVersion: 'submariner.io/v1alpha1', kind: 'Broker', metadata: { name: 'plain', namespace: 'other' }, spec: { components: ['connectivity'] } },
];

const managed = { 'app.kubernetes.io/managed-by': 'kubectl-submariner' };
const podSpec = (image: string) => ({ metadata: {}, spec: { containers: [{ name: 'agent', image }] } });

export const daemonSets: V1DaemonSet[] = [
  { metadata: { name: 'submariner-gateway', labels: managed }, spec: { selector: {}, template: podSpec('quay.io/submariner/submariner-gateway:0.1.0') }, status: { numberReady: 1, currentNumberScheduled: 1, desiredNumberScheduled: 1, numberMisscheduled: 0 } },
  { metadata: { name: 'submariner-routeagent', labels: managed }, spec: { selector: {}, template: podSpec('localhost:5000/submariner/routeagent') }, status: { numberReady: 0, currentNumberScheduled: 2, desiredNumberScheduled: 2, numberMisscheduled: 0 } },
  { metadata: { name: 'kube-proxy' }, spec: { selector: {}, template: podSpec('registry.k8s.io/kube-proxy:v1.30.0') } },
];

export const deployments: V1Deployment[] = [
  { metadata: { name: 'submariner-lighthouse-agent', labels: managed }, spec: { selector: {}, template: podSpec('quay.io/submariner/lighthouse-agent:0.1.0') }, status: { readyReplicas: 1 } },
];
