import type { V1DaemonSet, V1Node, V1Pod } from '@kubernetes/client-node';
import type { ClusterInputs } from '../../../src/diagnose/inputs.js';
import type { ExecResult } from '../../../src/kube/exec.js';
import * as show from '../show/fixtures.js';

// A joined cluster "east" as its API server and nodes report it: one active gateway on east-gw, a route agent
// on east-gw and east-worker, connected to "west" and still connecting to "north".

const ok = (stdout: string): ExecResult => ({ code: 0, stdout, stderr: '' });

export const ipLink = (vxMtu: number, extra = ''): string =>
  [
    '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000',
    '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00 promiscuity 0',
    '2: eth0@if12: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000',
    '    link/ether 0a:58:0a:f4:00:02 brd ff:ff:ff:ff:ff:ff link-netnsid 0 promiscuity 0',
    `5: vx-submariner: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu ${vxMtu} qdisc noqueue state UNKNOWN mode DEFAULT group default`,
    '    vxlan id 100 srcport 0 0 dstport 4800 nolearning ttl auto ageing 300',
    extra,
  ].join('\n');

export const nodeOutputs = (vxMtu = 1450): Record<string, ExecResult> => ({
  'ip_-d_link': ok(ipLink(vxMtu)),
  ip_route_default: ok('default via 10.250.1.1 dev eth0\n'),
  'iptables-save_mangle': ok('*mangle\n-A SUBMARINER-POSTROUTING -s 10.245.0.0/16 -d 10.244.0.0/16 -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu\nCOMMIT\n'),
});

const env = [
  { name: 'SUBMARINER_NAMESPACE', value: 'submariner-operator' },
  { name: 'SUBMARINER_CLUSTERID', value: 'east' },
  { name: 'SUBMARINER_CLUSTERCIDR', value: '10.245.0.0/16' },
  { name: 'SUBMARINER_SERVICECIDR', value: '10.97.0.0/16' },
  { name: 'SUBMARINER_GLOBALCIDR', value: '' },
  { name: 'SUBMARINER_NETWORKPLUGIN', value: 'kindnet' },
  { name: 'SUBMARINER_HEALTHCHECKENABLED', value: 'true' },
  { name: 'SUBMARINER_HEALTHCHECKINTERVAL', value: '1' },
  { name: 'SUBMARINER_HEALTHCHECKMAXPACKETLOSSCOUNT', value: '5' },
  { name: 'SUBMARINER_METRICSPORT', value: '32783' },
  { name: 'NODE_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } },
  { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
];
const container = { name: 'submariner-routeagent', image: 'quay.io/submariner/submariner-route-agent:devel', env };

export const routeAgentDaemonSet: V1DaemonSet = {
  metadata: { name: 'submariner-routeagent', namespace: 'submariner-operator', labels: { 'app.kubernetes.io/managed-by': 'kubectl-submariner' } },
  spec: { selector: { matchLabels: { app: 'submariner-routeagent' } }, template: { spec: { containers: [container] } } },
  status: { desiredNumberScheduled: 2, numberReady: 2, currentNumberScheduled: 2, numberMisscheduled: 0 },
};

export const routeAgentPod = (node: string, over: Partial<V1Pod['status']> = {}, image = container.image): V1Pod => ({
  metadata: { name: `submariner-routeagent-${node}`, namespace: 'submariner-operator', labels: { app: 'submariner-routeagent' } },
  spec: { nodeName: node, containers: [{ ...container, image }] },
  status: { phase: 'Running', containerStatuses: [{ name: container.name, ready: true, restartCount: 0, image, imageID: '' }], ...over },
});

export const gatewayPod = (node: string): V1Pod => ({
  metadata: { name: `submariner-gateway-${node}`, namespace: 'submariner-operator', labels: { app: 'submariner-gateway' } },
  spec: { nodeName: node, containers: [{ name: 'submariner-gateway', image: 'quay.io/submariner/submariner-gateway:devel' }] },
  status: { phase: 'Running', containerStatuses: [{ name: 'submariner-gateway', ready: true, restartCount: 0, image: '', imageID: '' }] },
});

export const node = (name: string, ip: string): V1Node => ({ metadata: { name }, status: { addresses: [{ type: 'InternalIP', address: ip }] } });

/** The recorded inputs of "east", healthy but for its connection to "north". */
export function east(over: Partial<ClusterInputs> = {}): ClusterInputs {
  return {
    context: 'east',
    namespace: 'submariner-operator',
    version: { major: '1', minor: '36', gitVersion: 'v1.36.0' },
    nodes: [node('east-gw', '10.250.1.2'), node('east-worker', '10.250.1.3')],
    submariner: show.submariner,
    serviceDiscovery: undefined,
    daemonSets: [routeAgentDaemonSet],
    deployments: [],
    pods: [routeAgentPod('east-gw'), routeAgentPod('east-worker'), gatewayPod('east-gw')],
    gateways: [show.activeGateway, show.passiveGateway],
    endpoints: show.endpoints,
    clusters: [],
    routeAgents: [],
    serviceExports: [],
    serviceImports: [],
    endpointSlices: [],
    services: [],
    clusterGlobalEgressIPs: [],
    globalEgressIPs: [],
    globalIngressIPs: [],
    nodeOutputs: { 'east-gw': nodeOutputs(), 'east-worker': nodeOutputs() },
    ...over,
  };
}
