import { UsageError } from '../base/errors.js';

/** What `kubectl submariner sandbox up` is asked for. */
export interface SandboxOptions {
  clusters: number;
  /** Nodes per cluster, gateways included. */
  nodes: number;
  /** Gateway-capable nodes per cluster (on the public network). */
  gateways: number;
  overlapping: boolean;
  hub: boolean;
  /** How the kubelets run pods' containers (default: runc). */
  runtime?: RuntimeKind | undefined;
}

/** How the sandbox kubelets run containers: OCI images of the host's store under runc, or host processes standing in for images. */
export const runtimeKinds = ['runc', 'process'] as const;
export type RuntimeKind = (typeof runtimeKinds)[number];
export const defaultRuntime: RuntimeKind = 'runc';

export const defaultSandboxOptions: SandboxOptions = { clusters: 2, nodes: 2, gateways: 1, overlapping: false, hub: false, runtime: defaultRuntime };

export interface NodeTopology {
  name: string;
  cluster: string;
  /** Network namespace of the node. */
  netns: string;
  /** Address on the cluster's underlay network (the Node's InternalIP). */
  ip: string;
  /** Address on the shared public network, for gateway-capable nodes. */
  publicIp?: string;
  gateway: boolean;
  /** Host side of the underlay veth (the node side is eth0). */
  hostLink: string;
  /** Host side of the public veth (the node side is eth1). */
  publicHostLink?: string;
}

export interface ClusterTopology {
  name: string;
  index: number;
  podCidr: string;
  serviceCidr: string;
  /** Host address the cluster's apiserver advertises; reachable from every node and pod. */
  apiAddress: string;
  /** Underlay network of the cluster's nodes, bridged on the host. */
  underlayCidr: string;
  /** The host's address on the underlay bridge: the nodes' default gateway. */
  underlayGateway: string;
  bridge: string;
  /** ClusterIP of kube-dns. */
  dnsServiceIp: string;
  nodes: NodeTopology[];
  /** The OCM hub (`--hub`): one node, no gateway, never joined to a broker. */
  hub: boolean;
}

export interface FleetTopology {
  clusters: ClusterTopology[];
  publicBridge: string;
  publicCidr: string;
  apiLink: string;
  /** Pod addresses SNATed when they leave a node for the host (apiserver addresses). */
  apiCidr: string;
}

export const maxClusters = 8;

export function validateSandboxOptions(o: SandboxOptions): void {
  const int = (name: string, v: number, min: number, max: number): void => {
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new UsageError(`--${name} ${v} is out of range: use a whole number from ${min} to ${max}`);
    }
  };
  int('clusters', o.clusters, 1, maxClusters);
  int('nodes', o.nodes, 1, 20);
  int('gateways', o.gateways, 1, 20);
  if (o.runtime !== undefined && !(runtimeKinds as readonly string[]).includes(o.runtime)) {
    throw new UsageError(`--runtime ${String(o.runtime)} is not a container runtime of the sandbox: use ${runtimeKinds.join(' or ')}`);
  }
  if (o.gateways > o.nodes) {
    throw new UsageError(`--gateways ${o.gateways} is more than --nodes ${o.nodes}: a gateway is one of the cluster's nodes`);
  }
}

/** The fleet's names and addresses: pure, so that up, status and down agree on them. */
export function fleetTopology(o: SandboxOptions): FleetTopology {
  validateSandboxOptions(o);
  const clusters: ClusterTopology[] = [];
  for (let i = 1; i <= o.clusters; i++) {
    const name = `cluster${i}`;
    const cidrIndex = o.overlapping ? 1 : i;
    const nodes: NodeTopology[] = [];
    for (let j = 1; j <= o.nodes; j++) {
      const gateway = j <= o.gateways;
      const ordinal = gateway ? j : j - o.gateways;
      const nodeName = `${name}-${gateway ? 'gateway' : 'worker'}${ordinal > 1 ? ordinal : ''}`;
      nodes.push({
        name: nodeName,
        cluster: name,
        netns: `ksub-${nodeName}`,
        ip: `10.250.${i}.${10 + j}`,
        ...(gateway ? { publicIp: `192.168.${240 + i}.${10 + j}`, publicHostLink: `ksub${i}p${j}` } : {}),
        gateway,
        hostLink: `ksub${i}n${j}`,
      });
    }
    clusters.push(clusterTopology(name, i, cidrIndex, nodes, false));
  }
  if (o.hub) clusters.push(clusterTopology('hub', hubIndex, 0, [hubNode()], true));
  return { clusters, publicBridge: 'ksub-pub', publicCidr: '192.168.0.0/16', apiLink: 'ksub-api', apiCidr: '10.250.255.0/24' };
}

const hubIndex = 100;

/** The hub's one node: not a gateway, it runs the hub's own workloads (the addon controller). */
function hubNode(): NodeTopology {
  const name = 'hub-node';
  return { name, cluster: 'hub', netns: `ksub-${name}`, ip: `10.250.${hubIndex}.11`, gateway: false, hostLink: `ksub${hubIndex}n1` };
}

function clusterTopology(name: string, index: number, cidrIndex: number, nodes: NodeTopology[], hub: boolean): ClusterTopology {
  return {
    name,
    index,
    podCidr: `10.${240 + cidrIndex}.0.0/16`,
    serviceCidr: `10.${140 + cidrIndex}.0.0/16`,
    apiAddress: `10.250.255.${index}`,
    underlayCidr: `10.250.${index}.0/24`,
    underlayGateway: `10.250.${index}.1`,
    bridge: `ksub-c${index}`,
    dnsServiceIp: `10.${140 + cidrIndex}.0.10`,
    nodes,
    hub,
  };
}
