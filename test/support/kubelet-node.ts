import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { ExecRunner } from '../../src/net/command.js';
import { binaries } from '../../src/sandbox/binaries/versions.js';
import type { ControlPlaneEndpoint } from '../../src/sandbox/controlplane/kubeconfig.js';
import { ControlPlaneFleet } from '../../src/sandbox/controlplane/fleet.js';
import { SandboxKubelet, type KubeletRuntime } from '../../src/sandbox/kubelet/kubelet.js';
import type { ClusterTopology, NodeTopology } from '../../src/sandbox/topology.js';
import { kubectlFor } from './kubectl.js';

const repoRoot = new URL('../..', import.meta.url).pathname;

export interface OneNodeClusterSpec {
  cluster: string;
  /**
   * The second octet of the cluster's addresses, apart from any sandbox fleet and other tests on the host: underlay
   * 10.B.9.0/24 (the node .11, the host bridge .1), apiserver 10.B.255.9, pods 10.B+1.0.0/16, Services 10.B+2.0.0/16.
   */
  octet: number;
  /** The host bridge of the underlay. */
  bridge: string;
  /** The node, its cluster and underlay address aside. */
  node: Omit<NodeTopology, 'cluster' | 'ip'>;
}

/** The topology of a cluster of one node on addresses of its own. */
export function oneNodeCluster(o: OneNodeClusterSpec): { node: NodeTopology; cluster: ClusterTopology } {
  const node: NodeTopology = { ...o.node, cluster: o.cluster, ip: `10.${o.octet}.9.11` };
  const cluster: ClusterTopology = {
    name: o.cluster,
    index: 9,
    podCidr: `10.${o.octet + 1}.0.0/16`,
    serviceCidr: `10.${o.octet + 2}.0.0/16`,
    apiAddress: `10.${o.octet}.255.9`,
    underlayCidr: `10.${o.octet}.9.0/24`,
    underlayGateway: `10.${o.octet}.9.1`,
    bridge: o.bridge,
    dnsServiceIp: `10.${o.octet + 2}.0.10`,
    nodes: [node],
    hub: false,
  };
  return { node, cluster };
}

export interface KubeletNode {
  readonly fleet: ControlPlaneFleet;
  readonly endpoint: ControlPlaneEndpoint;
  readonly kubelet: SandboxKubelet;
  readonly kubeconfig: string;
  /** The node's state directory (its pods, their bundles and logs). */
  readonly nodeDir: string;
  /** Real kubectl against the cluster: the exit code and both streams, never throwing. */
  kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** `kubectl apply --server-side` of the documents; throws with kubectl's message when it fails. */
  apply(docs: object[]): Promise<void>;
  /** Stops the kubelet and the control plane, and removes the node's pods and the host network. */
  stop(): Promise<void>;
}

export interface KubeletNodeOptions {
  /** The control plane's name (its state directory): one per process where tests may run side by side. */
  name: string;
  node: NodeTopology;
  cluster: ClusterTopology;
  runtime?: KubeletRuntime;
}

/**
 * The sandbox kubelet on one hand-made node against a real control plane (kube-apiserver, controller-manager,
 * scheduler) of its own: the host bridge and the node's network namespace, the control plane, then the kubelet.
 * What it started is stopped again when it cannot finish.
 */
export async function startKubeletNode(o: KubeletNodeOptions): Promise<KubeletNode> {
  const { node, cluster } = o;
  const runner = new ExecRunner();
  let fleet: ControlPlaneFleet | undefined;
  let kubelet: SandboxKubelet | undefined;
  let nodeDir = '';
  const stop = async (): Promise<void> => {
    await kubelet?.stop().catch((err: unknown) => console.error('kubelet stop:', err));
    if (nodeDir) await SandboxKubelet.cleanup(nodeDir, runner).catch(() => undefined);
    await fleet?.stop().catch((err: unknown) => console.error('fleet stop:', err));
    removeHostNetwork(node, cluster);
  };
  try {
    createHostNetwork(node, cluster);
    fleet = await ControlPlaneFleet.start({
      name: o.name,
      runner,
      clusters: [{ name: cluster.name, serviceCidr: cluster.serviceCidr, clusterCidr: cluster.podCidr, advertiseAddress: cluster.apiAddress, scheduler: true }],
    });
    const kc = new KubeConfig();
    kc.loadFromFile(fleet.kubeconfigPath);
    const endpoint = fleet.endpoints[0];
    if (!endpoint) throw new Error(`the control plane ${o.name} has no endpoint`);
    nodeDir = join(fleet.state.dir, 'nodes', node.name);
    kubelet = new SandboxKubelet({
      node, cluster, kubeConfig: kc, apiserverInternalUrl: endpoint.internalServer, caData: endpoint.caData, dir: nodeDir, runner, binaries: binaries(), repoRoot,
      runtime: o.runtime,
    });
    await kubelet.start();
    const k = kubectlFor(fleet.kubeconfigPath, cluster.name);
    return {
      fleet,
      endpoint,
      kubelet,
      kubeconfig: fleet.kubeconfigPath,
      nodeDir,
      kubectl: (...args) => k.result(args),
      apply: async (docs) => void (await k(['apply', '--server-side', '-f', '-'], docs.map((d) => yaml.dump(d)).join('---\n'))),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function sh(args: string[]): void {
  execFileSync(args[0] ?? '', args.slice(1), { stdio: 'pipe' });
}

/** Runs a clean-up command, whose object may already be gone. */
export function quiet(args: string[]): void {
  try {
    sh(args);
  } catch {
    // already gone
  }
}

/** The host bridge (the underlay's gateway and the apiserver's address) and the node's namespace on a veth to it. */
function createHostNetwork(node: NodeTopology, cluster: ClusterTopology): void {
  removeHostNetwork(node, cluster);
  sh(['ip', 'link', 'add', cluster.bridge, 'type', 'bridge']);
  sh(['ip', 'addr', 'add', `${cluster.underlayGateway}/24`, 'dev', cluster.bridge]);
  sh(['ip', 'addr', 'add', `${cluster.apiAddress}/32`, 'dev', cluster.bridge]);
  sh(['ip', 'link', 'set', cluster.bridge, 'up']);
  sh(['ip', 'netns', 'add', node.netns]);
  sh(['ip', 'link', 'add', node.hostLink, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', node.netns]);
  sh(['ip', 'link', 'set', node.hostLink, 'master', cluster.bridge, 'up']);
  sh(['ip', '-n', node.netns, 'addr', 'add', `${node.ip}/24`, 'dev', 'eth0']);
  sh(['ip', '-n', node.netns, 'link', 'set', 'eth0', 'up']);
  sh(['ip', '-n', node.netns, 'link', 'set', 'lo', 'up']);
  sh(['ip', '-n', node.netns, 'route', 'add', 'default', 'via', cluster.underlayGateway]);
}

function removeHostNetwork(node: NodeTopology, cluster: ClusterTopology): void {
  quiet(['ip', 'netns', 'del', node.netns]);
  quiet(['ip', 'link', 'del', node.hostLink]);
  quiet(['ip', 'link', 'del', cluster.bridge]);
}
