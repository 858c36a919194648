import { annotations, groups } from '../../../api/names.js';
import type { ClusterTopology, NodeTopology } from '../../topology.js';

export const kubeletVersion = 'v1.36.3';
export const kubeletPort = 10250;
export const leaseDurationSeconds = 40;

/**
 * What the node offers the scheduler: `cpus` CPUs, its share of the host's, and memory, pods and storage generous
 * enough that a small host never leaves sandbox pods Pending.
 */
export function nodeCapacity(cpus: number): Record<string, string> {
  return { cpu: String(cpus), memory: '64Gi', pods: '250', 'ephemeral-storage': '100Gi' };
}

/**
 * The CPUs each of `nodes` sandbox nodes has of a host with `hostCpus`: they all run on the host's, so each has its
 * share, and at least one. A pod sizing its threads by the node's CPUs (GOMAXPROCS from the downward API) then
 * does not run more threads than its node's share can keep busy.
 */
export function nodeCpuShare(hostCpus: number, nodes: number): number {
  return Math.max(1, Math.floor(hostCpus / Math.max(1, nodes)));
}

const arch = (): string => ({ x64: 'amd64', arm64: 'arm64' })[process.arch as 'x64' | 'arm64'] ?? process.arch;

export function nodeLabels(node: NodeTopology): Record<string, string> {
  return { 'kubernetes.io/hostname': node.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': arch() };
}

export function nodeAnnotations(node: NodeTopology): Record<string, string> {
  return node.gateway && node.publicIp ? { [annotations.gatewayPublicIp]: `ipv4:${node.publicIp}` } : {};
}

/** The Node object the kubelet registers. */
export function nodeObject(node: NodeTopology): object {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: node.name, labels: nodeLabels(node), annotations: nodeAnnotations(node) },
    spec: {},
  };
}

const conditionText: [type: string, reason: string, message: string][] = [
  ['MemoryPressure', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
  ['DiskPressure', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
  ['PIDPressure', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
  ['NetworkUnavailable', 'RouteCreated', 'the sandbox kubelet set up the pod network'],
];

/** The Node status the kubelet keeps fresh: Ready, no pressure, addresses, capacity, nodeInfo, port, features. */
export function nodeStatus(node: NodeTopology, cluster: ClusterTopology, capacity: Record<string, string>, since: string, now: string): object {
  const cond = (type: string, status: 'True' | 'False', reason: string, message: string) => ({
    type, status, reason, message, lastHeartbeatTime: now, lastTransitionTime: since,
  });
  return {
    status: {
      phase: 'Running',
      conditions: [
        ...conditionText.map(([type, reason, message]) => cond(type, 'False', reason, message)),
        cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      ],
      addresses: [
        { type: 'InternalIP', address: node.ip },
        { type: 'Hostname', address: node.name },
      ],
      capacity,
      allocatable: capacity,
      daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } },
      nodeInfo: {
        machineID: `${cluster.name}-${node.name}`,
        systemUUID: `${cluster.name}-${node.name}`,
        bootID: since,
        kernelVersion: '',
        osImage: 'kubectl-submariner sandbox',
        containerRuntimeVersion: 'sandbox://1.0.0',
        kubeletVersion,
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: arch(),
      },
      declaredFeatures: ['ExtendWebSocketsToKubelet'],
    },
  };
}

/** `2026-11-27T08:00:00.123456Z`: the MicroTime format of Lease renewTime. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** The node's Lease in kube-node-lease, owned by the Node so that it goes when the Node goes. */
export function nodeLease(nodeName: string, nodeUid: string | undefined, now: Date, resourceVersion?: string): object {
  return {
    apiVersion: `${groups.coordination}/v1`,
    kind: 'Lease',
    metadata: {
      name: nodeName,
      namespace: 'kube-node-lease',
      ...(resourceVersion ? { resourceVersion } : {}),
      ...(nodeUid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid }] } : {}),
    },
    spec: { holderIdentity: nodeName, leaseDurationSeconds, renewTime: microTime(now) },
  };
}
