import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { ocm } from '../api/names.js';
import { packageRoot } from '../base/package.js';
import type { CommandRunner } from '../net/command.js';
import { applyObjects } from '../kube/apply.js';
import { kubeConfigFromFile } from '../kube/kubeconfig-file.js';
import { renderAddons } from './addons.js';
import { binaries as defaultBinaries, type Binaries } from './binaries/versions.js';
import { ControlPlane } from './controlplane/control-plane.js';
import type { ControlPlaneEndpoint } from './controlplane/kubeconfig.js';
import { writeKubeconfig } from './controlplane/kubeconfig.js';
import { stopPids } from './controlplane/process.js';
import { defaultStoreDir } from '../image/store.js';
import { SandboxKubelet, type KubeletRuntime } from './kubelet/kubelet.js';
import { nodeCpuShare } from './kubelet/node/status.js';
import { removeRuncRoot } from './kubelet/pod/runc.js';
import { FleetNetwork, teardownNetwork } from './network.js';
import { defaultClusterSet, type ClusterSetSpec } from './ocm/accept.js';
import { startOcm, type OcmFleet } from './ocm/fleet.js';
import type { ProgressLog } from './progress.js';
import { ensureSandboxImages } from './sandbox-images.js';
import { subreaper } from './kubelet/pod/reaper.js';
import { FleetState } from './state.js';
import { defaultRuntime, fleetTopology, type ClusterTopology, type FleetTopology, type SandboxOptions } from './topology.js';

/** runc's state directory of a sandbox. */
const runcRoot = (state: FleetState): string => join(state.dir, 'runc');

/** What `sandbox status` and the tests read about a running fleet. */
export interface SandboxInfo {
  options: SandboxOptions;
  topology: FleetTopology;
  kubeconfig: string;
  /** The daemon, or the subreaper it runs under (the root of the sandbox's processes): signals reach the daemon. */
  daemonPid: number;
  endpoints: { name: string; server: string }[];
  /** With `--hub`: OCM's hub runs on cluster `hub`, every other cluster is a ManagedCluster in this set. */
  ocm?: { hub: string; managedClusters: string[]; clusterSet: ClusterSetSpec };
}

/** A running sandbox fleet: control planes, host network, node namespaces, kubelets and cluster add-ons. */
export class Sandbox {
  private readonly planes: ControlPlane[] = [];
  private readonly kubelets: SandboxKubelet[] = [];
  private ocm: OcmFleet | undefined;
  private readonly network: FleetNetwork;
  readonly topology: FleetTopology;
  readonly kubeconfigPath: string;

  constructor(
    readonly options: SandboxOptions,
    private readonly state: FleetState,
    private readonly runner: CommandRunner,
    private readonly progress: ProgressLog,
    private readonly bins: Binaries = defaultBinaries(),
    private readonly repoRoot: string = packageRoot(),
  ) {
    this.topology = fleetTopology(options);
    this.network = new FleetNetwork(runner, state);
    this.kubeconfigPath = join(state.dir, 'kubeconfig');
  }

  async up(): Promise<void> {
    const topo = this.topology;
    const step = <T>(name: string, fn: () => Promise<T>): Promise<T> => this.progress.step(name, fn);
    // Only runc runs containers from the store; the process runtime maps images to host programs.
    if ((this.options.runtime ?? defaultRuntime) === 'runc') {
      await step("Checking the host's image store: the agents, nginx, the toolbox, CoreDNS and kube-proxy", () =>
        ensureSandboxImages({ runner: this.runner, binaries: this.bins, step }),
      );
    }
    await this.progress.step('Creating the host networks', () => this.network.createHost(topo));
    const endpoints = await this.progress.step(`Starting ${topo.clusters.length} control planes`, () =>
      Promise.all(topo.clusters.map((c) => this.startControlPlane(c))),
    );
    writeKubeconfig(this.kubeconfigPath, endpoints, { server: 'internal' });
    const info: SandboxInfo = {
      options: this.options,
      topology: topo,
      kubeconfig: this.kubeconfigPath,
      daemonPid: subreaper()?.pid ?? process.pid,
      endpoints: endpoints.map((e) => ({ name: e.name, server: e.internalServer })),
    };
    this.state.update((r) => (r.info = info));

    const clusters = topo.clusters;
    await this.progress.step('Creating node namespaces', async () => {
      for (const c of clusters) for (const n of c.nodes) await this.network.createNode(topo, c, n);
    });
    await this.progress.step('Starting the sandbox kubelets', async () => {
      const cpus = nodeCpuShare(availableParallelism(), clusters.reduce((n, c) => n + c.nodes.length, 0));
      for (const c of clusters) {
        const plane = this.plane(c.name);
        for (const n of c.nodes) {
          const kubelet = new SandboxKubelet({
            node: n,
            cluster: c,
            fleet: topo,
            kubeConfig: this.kubeConfig(c.name),
            apiserverInternalUrl: plane.endpoint.internalServer,
            caData: plane.endpoint.caData,
            dir: join(this.state.dir, c.name, 'nodes', n.name),
            runner: this.runner,
            binaries: this.bins,
            repoRoot: this.repoRoot,
            state: this.state,
            runtime: this.kubeletRuntime(),
            cpus,
          });
          this.kubelets.push(kubelet);
          await kubelet.start();
        }
      }
    });
    await this.progress.step('Deploying kube-proxy and CoreDNS', async () => {
      for (const c of clusters) await applyObjects(this.kubeConfig(c.name), renderAddons({ cluster: c, apiServer: this.plane(c.name).endpoint.internalServer }));
    });
    await this.progress.step('Waiting for nodes, kube-proxy and CoreDNS to be ready', () =>
      Promise.all(clusters.map((c) => this.waitClusterReady(c))),
    );
    const hub = clusters.find((c) => c.hub);
    if (hub) {
      const members = clusters.filter((c) => !c.hub);
      await this.progress.step(`Starting OCM's hub and joining ${members.length} managed clusters`, () => this.startOcm(hub, members));
    }
  }

  /** The runtime every kubelet of the sandbox runs containers with; runc's state lives in the sandbox's state. */
  private kubeletRuntime(): KubeletRuntime {
    const kind = this.options.runtime ?? defaultRuntime;
    return kind === 'runc' ? { kind, root: runcRoot(this.state), storeDir: defaultStoreDir() } : { kind };
  }

  /** OCM's hub controllers on the hub cluster, a klusterlet per member, each accepted and put in the cluster set. */
  private async startOcm(hub: ClusterTopology, members: ClusterTopology[]): Promise<void> {
    const hubPlane = this.plane(hub.name);
    this.ocm = await startOcm({
      dir: join(this.state.dir, 'ocm'),
      hub: { kubeconfig: hubPlane.adminKubeconfig, server: hubPlane.endpoint.internalServer },
      // The members' networks as claims, as a provisioner publishes them: the hub addon registers each cluster with them.
      clusters: members.map((c) => ({
        name: c.name,
        kubeconfig: this.plane(c.name).adminKubeconfig,
        server: this.plane(c.name).endpoint.internalServer,
        claims: { [ocm.claims.clusterCidr]: c.podCidr, [ocm.claims.serviceCidr]: c.serviceCidr },
      })),
      clusterSet: defaultClusterSet,
      onProcess: (pid) => this.state.addPid(pid),
    });
    const joined = { hub: hub.name, managedClusters: members.map((c) => c.name), clusterSet: this.ocm.clusterSet };
    this.state.update((r) => {
      if (r.info) (r.info as SandboxInfo).ocm = joined;
    });
  }

  async down(): Promise<void> {
    await this.ocm?.stop().catch(() => undefined);
    for (const k of this.kubelets) await k.stop().catch(() => undefined);
    for (const p of this.planes) await p.stop().catch(() => undefined);
  }

  kubeConfig(context: string): KubeConfig {
    return kubeConfigFromFile(this.kubeconfigPath, context);
  }

  private plane(name: string): ControlPlane {
    const p = this.planes.find((x) => x.spec.name === name);
    if (!p) throw new Error(`no control plane ${name}`);
    return p;
  }

  private async startControlPlane(c: ClusterTopology): Promise<ControlPlaneEndpoint> {
    const dir = join(this.state.dir, c.name);
    mkdirSync(dir, { recursive: true });
    const plane = new ControlPlane({
      name: c.name,
      dir,
      advertiseAddress: c.apiAddress,
      serviceCidr: c.serviceCidr,
      clusterCidr: c.podCidr,
      scheduler: true,
      binaries: this.bins,
      runner: this.runner,
      onProcess: (pid) => this.state.addPid(pid),
    });
    this.planes.push(plane);
    return plane.start();
  }

  private async waitClusterReady(c: ClusterTopology, timeoutMs = 180_000): Promise<void> {
    const core = this.kubeConfig(c.name).makeApiClient(CoreV1Api);
    const deadline = Date.now() + timeoutMs;
    let waitingFor = '';
    while (Date.now() < deadline) {
      const nodes = (await core.listNode()).items;
      const pods = (await core.listNamespacedPod({ namespace: 'kube-system' })).items;
      const readyNodes = nodes.filter((n) => n.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'));
      const ready = (p: (typeof pods)[number]): boolean => p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ?? false;
      const proxies = pods.filter((p) => p.metadata?.labels?.['k8s-app'] === 'kube-proxy' && ready(p));
      const dns = pods.filter((p) => p.metadata?.labels?.['k8s-app'] === 'kube-dns' && ready(p));
      if (readyNodes.length === c.nodes.length && proxies.length === c.nodes.length && dns.length > 0) return;
      waitingFor = `${c.name}: ${readyNodes.length}/${c.nodes.length} nodes Ready, ${proxies.length}/${c.nodes.length} kube-proxy, ${dns.length}/1 CoreDNS`;
      await sleep(500);
    }
    throw new Error(`cluster not ready after ${timeoutMs / 1000}s (${waitingFor})`);
  }
}

/**
 * Removes everything a fleet's record lists, whether its daemon stopped cleanly or crashed: processes,
 * runc containers, namespaces, links, files. The image store stays. Idempotent.
 */
export async function teardownSandbox(runner: CommandRunner, state: FleetState): Promise<void> {
  await stopPids(state.data.pids);
  const info = state.data.info as SandboxInfo | undefined;
  for (const c of info?.topology.clusters ?? []) {
    for (const n of c.nodes) await SandboxKubelet.cleanup(join(state.dir, c.name, 'nodes', n.name), runner).catch(() => undefined);
  }
  await removeRuncRoot(runcRoot(state), runner).catch(() => undefined);
  await teardownNetwork(runner, state.data.netns, state.data.links);
  state.remove();
}
