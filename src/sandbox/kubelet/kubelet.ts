import { mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { formatCidr, parseCidr } from '../../net/cidr.js';
import type { CommandRunner } from '../../net/command.js';
import { Ip, type IpBasic } from '../../net/iproute2/ip.js';
import { IpRoute2 } from '../../net/iproute2/exec.js';
import type { Binaries } from '../binaries/versions.js';
import type { FleetState } from '../state.js';
import type { ClusterTopology, FleetTopology, NodeTopology } from '../topology.js';
import { servingCert } from './server/cert.js';
import { ApiConfigSource, ApiTokenSource, KubernetesService } from './pod/config-source.js';
import { builtScript, ForwarderProcess } from './server/forwarder-process.js';
import { HttpsKubeApi } from './kube-client.js';
import { cleanupNodeDir } from './leftovers.js';
import { errorText, fileLog, type KubeletLog } from './log.js';
import { NodeAgent } from './node/agent.js';
import { kubeletPort, nodeCapacity } from './node/status.js';
import { NodeRoutes } from './node/routes.js';
import { ImageStore } from '../../image/store.js';
import { ProcessRuntime, type ContainerRuntime } from './pod/container-runtime.js';
import { PodNetwork } from './pod/network.js';
import { RuncRuntime } from './pod/runc.js';
import { subreaper } from './pod/reaper.js';
import { PodManager } from './pod/manager.js';
import { parseResolvConf } from './pod/resolv.js';
import { KubeletServer } from './server/kubelet-server.js';

export interface SandboxKubeletOptions {
  node: NodeTopology;
  cluster: ClusterTopology;
  /** Admin credentials of the cluster, with a server URL the host reaches. */
  kubeConfig: KubeConfig;
  /** The apiserver URL reachable from node and pod namespaces (kube-proxy's apiserver, before Services work). */
  apiserverInternalUrl: string;
  /** The cluster CA: the apiserver's kubelet client certificate chains to it. */
  caData: string;
  /** The node's state directory. */
  dir: string;
  runner: CommandRunner;
  binaries: Binaries;
  repoRoot: string;
  /** The fleet (its apiCidr: host addresses of every apiserver); without it, the /24 around the cluster's apiAddress. */
  fleet?: Pick<FleetTopology, 'apiCidr'>;
  /** The fleet's record: the kubelet's long-lived helper process is added to it, so that `sandbox down` stops it after a crash. */
  state?: Pick<FleetState, 'addPid'>;
  log?: KubeletLog;
  ip?: IpBasic;
  /** How pods' containers run: from OCI images of the host's store under runc, or as host processes (the default). */
  runtime?: KubeletRuntime | undefined;
  /** The node's CPUs, its share of the host's (see nodeCpuShare); all of the host's when unset. */
  cpus?: number | undefined;
}

/** The container runtime of a sandbox kubelet. */
export type KubeletRuntime = { kind: 'process' } | { kind: 'runc'; /** runc's state directory. */ root: string; /** The host's image store. */ storeDir: string };

function containerRuntime(options: SandboxKubeletOptions): ContainerRuntime {
  const r = options.runtime ?? { kind: 'process' };
  if (r.kind === 'runc') return new RuncRuntime({ runner: options.runner, root: r.root, images: new ImageStore(r.storeDir, options.runner), exits: subreaper()?.exits });
  return new ProcessRuntime({ binaries: options.binaries, repoRoot: options.repoRoot, nodePath: process.execPath });
}

/** A kubelet for one sandbox node: the Node and its Lease, the pod network, the pods and the kubelet API. */
export class SandboxKubelet {
  private readonly log: KubeletLog;
  private readonly api: HttpsKubeApi;
  private readonly ip: Ip;
  private readonly network: PodNetwork;
  private readonly agent: NodeAgent;
  private readonly routes: NodeRoutes;
  private readonly pods: PodManager;
  private server: KubeletServer | undefined;
  private forwarder: ForwarderProcess | undefined;

  constructor(private readonly options: SandboxKubeletOptions) {
    const { node, cluster, dir, runner } = options;
    mkdirSync(dir, { recursive: true });
    this.log = options.log ?? fileLog(join(dir, 'kubelet.log'), `kubelet/${node.name}`);
    this.api = new HttpsKubeApi(options.kubeConfig);
    const ip = new Ip(options.ip ?? new IpRoute2(runner));
    this.ip = ip;
    const apiCidr = options.fleet?.apiCidr ?? formatCidr(parseCidr(`${cluster.apiAddress}/24`, false));
    this.network = new PodNetwork({ ip, runner, node, cluster, apiCidr, dir });
    const capacity = nodeCapacity(options.cpus ?? availableParallelism());
    this.agent = new NodeAgent({ api: this.api, node, cluster, capacity, log: this.log });
    this.routes = new NodeRoutes({ api: this.api, network: this.network, node, log: this.log });
    const internal = new URL(options.apiserverInternalUrl);
    const service = new KubernetesService(this.api, cluster.serviceCidr);
    this.pods = new PodManager({
      api: this.api,
      network: this.network,
      runner,
      node,
      cluster,
      nodeDir: dir,
      runtime: containerRuntime(options),
      config: new ApiConfigSource(this.api),
      tokens: new ApiTokenSource(this.api),
      kubernetesService: () => service.address(),
      apiserverInternal: { host: internal.hostname, port: Number(internal.port || 443) },
      caData: options.caData,
      hostResolv: parseResolvConf(readFileSync('/etc/resolv.conf', 'utf8')),
      allocatable: capacity,
      log: this.log,
    });
  }

  /**
   * Removes what a crashed kubelet left for the node directory `dir`: its port forwarder, the pods'
   * processes, network namespaces and directories. Returns what it could not remove.
   */
  static async cleanup(dir: string, runner: CommandRunner): Promise<string[]> {
    return cleanupNodeDir(dir, new IpRoute2(runner), runner);
  }

  get nodeName(): string {
    return this.options.node.name;
  }

  /** Registers the node, serves the kubelet API on <node ip>:10250 and starts running the node's pods. */
  async start(): Promise<void> {
    const { node, dir, runner, repoRoot, caData } = this.options;
    try {
      const forwarderScript = builtScript(repoRoot, 'src/sandbox/kubelet/server/forwarder.js');
      builtScript(repoRoot, 'src/sandbox/images/http-server.js');
      for (const problem of await cleanupNodeDir(dir, this.ip, runner)) this.log.warn('cannot clean up after an earlier run', { problem });
      await this.agent.register();
      this.agent.start();
      const cert = await servingCert(runner, dir, node.name, node.ip);
      this.server = new KubeletServer({ ...cert, caData, find: (ns, name) => this.pods.find(ns, name), log: this.log });
      const socketPath = join(dir, 'kubelet.sock');
      await this.server.listen(socketPath);
      this.forwarder = new ForwarderProcess({
        netns: node.netns, address: node.ip, port: kubeletPort, socketPath, script: forwarderScript, pidFile: join(dir, 'forwarder.pid'),
      });
      const forwarderPid = await this.forwarder.start();
      this.options.state?.addPid(forwarderPid);
      await this.routes.start();
      await this.pods.start();
      this.log.info('kubelet started', { node: node.name });
    } catch (err) {
      this.log.error('kubelet failed to start', { node: node.name, error: errorText(err) });
      await this.stop();
      throw new Error(`cannot start the sandbox kubelet of node ${node.name}: ${errorText(err)}`, { cause: err });
    }
  }

  /** Stops every pod's processes and removes their namespaces, veths and mounts; the Kubernetes objects stay. */
  async stop(): Promise<void> {
    await this.pods.stop();
    await this.routes.stop();
    this.agent.stop();
    await this.forwarder?.stop();
    await this.server?.close();
    this.forwarder = undefined;
    this.server = undefined;
    this.api.close();
    this.log.info('kubelet stopped', { node: this.options.node.name });
  }
}
