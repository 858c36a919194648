import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type { ClusterTopology, NodeTopology } from '../../topology.js';
import type { ConfigSource, TokenSource } from './config-source.js';
import type { PodFacts } from './env.js';
import type { PodNetwork } from './network.js';
import { podDns, renderResolvConf, type ResolvConf } from './resolv.js';
import { PauseProcess } from './runtime.js';
import { planSandbox, type PodMount } from './sandbox-plan.js';
import { PodVolumes, type PreparedVolume } from './volumes.js';

export interface SandboxDeps {
  network: PodNetwork;
  node: NodeTopology;
  cluster: ClusterTopology;
  nodeDir: string;
  config: ConfigSource;
  tokens: TokenSource;
  caData: string;
  hostResolv: ResolvConf;
  /** The node's allocatable resources: what a resourceFieldRef to an unset limit gives. */
  allocatable: Record<string, string>;
}

/**
 * What a container runtime calls the pod sandbox: the pod's network namespace (or the node's for
 * hostNetwork pods), its volumes on disk, and, when its containers need one, the pause process holding its
 * private mount and UTS namespaces (which every container and exec of the pod enters) or its PID namespace.
 */
export class PodSandbox {
  ip: string | undefined;
  /** The network namespace the pod's containers join (the node's for hostNetwork pods). */
  netnsPath: string | undefined;
  /** The pod's PID namespace, when its containers share one. */
  pidNamespacePath: string | undefined;
  pause: PauseProcess | undefined;
  private started = false;
  private volumes: PodVolumes | undefined;
  private down = false;

  constructor(
    private readonly deps: SandboxDeps,
    private readonly pod: V1Pod,
    readonly dir: string,
  ) {}

  private get uid(): string {
    return this.pod.metadata?.uid ?? '';
  }

  get hostNetwork(): boolean {
    return this.pod.spec?.hostNetwork === true;
  }

  /** The pod's network namespace name; undefined for hostNetwork pods. */
  get netns(): string | undefined {
    return this.hostNetwork ? undefined : this.netnsPath?.split('/').pop();
  }

  get ready(): boolean {
    return this.started && !this.down;
  }

  facts(): PodFacts {
    return { podIp: this.ip ?? '', hostIp: this.deps.node.ip, allocatable: this.deps.allocatable };
  }

  async attachNetwork(): Promise<void> {
    const { node, network } = this.deps;
    if (this.hostNetwork) {
      this.ip = node.ip;
      this.netnsPath = `/run/netns/${node.netns}`;
      return;
    }
    const a = await network.attach(this.uid);
    this.ip = a.ip;
    this.netnsPath = `/run/netns/${a.netns}`;
  }

  async prepareVolumes(): Promise<Map<string, PreparedVolume>> {
    const { deps } = this;
    this.volumes ??= new PodVolumes({
      pod: this.pod, podDir: this.dir, nodeDir: deps.nodeDir, facts: this.facts(), config: deps.config, tokens: deps.tokens, caData: deps.caData,
    });
    return this.volumes.prepare();
  }

  /** Rewrites Secret, ConfigMap and projected volumes whose sources changed. */
  async refreshVolumes(): Promise<string[]> {
    return this.volumes ? this.volumes.refresh() : [];
  }

  get hostname(): string {
    return this.hostNetwork ? this.deps.node.name : this.pod.spec?.hostname || (this.pod.metadata?.name ?? '');
  }

  /** The files every container of the pod sees at /etc/resolv.conf, /etc/hosts and /etc/hostname. */
  get files(): { resolvConf: string; hosts: string; hostname: string } {
    return { resolvConf: join(this.dir, 'resolv.conf'), hosts: join(this.dir, 'hosts'), hostname: join(this.dir, 'hostname') };
  }

  /**
   * Starts the sandbox's pause process when the containers need one: `podMounts`, they enter its mount namespace,
   * which gets their volumes (`writeFiles` gives the mounts); `sharePid`, they join its PID namespace. Containers
   * that have mount, UTS and PID namespaces of their own need nothing more than the network namespace.
   */
  async start(mounts: readonly PodMount[], { podMounts = true, sharePid = false } = {}): Promise<void> {
    if (podMounts || sharePid) await this.startPause(podMounts ? mounts : [], sharePid);
    this.started = true;
  }

  /** Plans the pod's mounts, writes its setup script and starts the pause process. */
  private async startPause(mounts: readonly PodMount[], sharePid: boolean): Promise<void> {
    const plan = planSandbox({
      podDir: this.dir,
      runDir: join(this.dir, 'run'),
      hostRunDir: join(this.dir, 'host-run'),
      mounts: [...mounts],
      hostname: this.hostname,
      pause: ['sleep', 'infinity'],
    });
    for (const d of plan.hostDirs) mkdirSync(d, { recursive: true });
    for (const f of plan.hostFiles) writeFileSync(f, '', { flag: 'a' });
    const script = join(this.dir, 'setup.sh');
    writeFileSync(script, plan.script);
    this.pause = await PauseProcess.start(this.netnsPath ?? '', script, undefined, sharePid);
    if (sharePid) this.pidNamespacePath = this.pause.pidNamespacePath();
  }

  /** Writes the pod's resolv.conf, hosts and hostname (what containers see of them); returns the pod's mounts. */
  writeFiles(prepared: Map<string, PreparedVolume>): PodMount[] {
    const files = this.files;
    writeFileSync(files.hosts, `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${this.ip ?? '127.0.1.1'}\t${this.hostname}\n`);
    writeFileSync(files.hostname, `${this.hostname}\n`);
    return this.mounts(prepared);
  }

  private mounts(prepared: Map<string, PreparedVolume>): PodMount[] {
    const spec = this.pod.spec;
    const dns = podDns({
      namespace: this.pod.metadata?.namespace ?? 'default',
      dnsPolicy: spec?.dnsPolicy,
      hostNetwork: this.hostNetwork,
      dnsConfig: spec?.dnsConfig,
      clusterDns: this.deps.cluster.dnsServiceIp,
      host: this.deps.hostResolv,
    });
    const resolv = this.files.resolvConf;
    writeFileSync(resolv, renderResolvConf(dns));
    const mounts: PodMount[] = [{ source: resolv, target: '/etc/resolv.conf', readOnly: false }];
    const all: V1Container[] = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
    for (const c of all) {
      for (const vm of c.volumeMounts ?? []) {
        const vol = prepared.get(vm.name);
        if (!vol) throw new Error(`container ${c.name} mounts volume "${vm.name}", which the pod does not define`);
        if (vm.subPathExpr) throw new Error(`volumeMount ${vm.name} of container ${c.name} uses subPathExpr, which the sandbox does not support: use subPath`);
        const source = vm.subPath ? realpathSync(join(vol.path, vm.subPath)) : vol.path;
        mounts.push({ source, target: vm.mountPath, readOnly: vm.readOnly === true });
      }
    }
    return mounts;
  }

  /** Stops the pause process (its mounts go with it) and removes the pod's netns and veth; `release` frees the address. */
  async teardown(release: boolean): Promise<void> {
    if (this.down) return;
    this.down = true;
    await this.pause?.stop();
    if (!this.hostNetwork) await this.deps.network.detach(this.uid, release);
  }
}
