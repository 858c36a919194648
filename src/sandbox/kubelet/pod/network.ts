import { join } from 'node:path';
import { cidrContains, parseCidr, parseIp } from '../../../net/cidr.js';
import type { CommandRunner } from '../../../net/command.js';
import { isExistsError, type Ip } from '../../../net/iproute2/ip.js';
import type { Route } from '../../../net/iproute2/model.js';
import { Iptables } from '../../../net/packetfilter/iptables.js';
import type { ClusterTopology, NodeTopology } from '../../topology.js';
import { PodIpam } from './ipam.js';

export const bridgeName = 'cni0';
export const masqueradeChain = 'KSUB-POD-MASQ';
export const serviceRejectChain = 'KSUB-SVC-REJECT';
const uplink = 'eth0';

/** Where another node's pods live. */
export interface PeerNode {
  name: string;
  podCidr: string;
  ip: string;
}

export interface PodAttachment {
  netns: string;
  ip: string;
  gateway: string;
}

export const podNetnsName = (uid: string): string => `ksub-p-${uid.slice(0, 10)}`;
export const podVethName = (uid: string): string => `veth${uid.replace(/-/g, '').slice(0, 11)}`;

export interface PodNetworkSpec {
  ip: Ip;
  runner: CommandRunner;
  node: NodeTopology;
  cluster: ClusterTopology;
  /** Host addresses of every apiserver; pod traffic to them is masqueraded to the node's address. */
  apiCidr: string;
  /** Node state directory (address allocations). */
  dir: string;
}

/**
 * The cluster's CNI on one node: bridge cni0 with the first address of the node's podCIDR, forwarding,
 * routes to the other nodes' podCIDRs through their InternalIPs, and one veth plus netns per pod.
 */
export class PodNetwork {
  private ipam: PodIpam | undefined;
  private setupDone: Promise<void> | undefined;
  private markReady!: () => void;
  private readonly readyPromise = new Promise<void>((resolve) => (this.markReady = resolve));

  constructor(private readonly spec: PodNetworkSpec) {}

  private get ns(): { netns: string } {
    return { netns: this.spec.node.netns };
  }

  /** Resolves once the node's bridge is up (the podCIDR is known). */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  get podCidr(): string | undefined {
    return this.ipam?.cidr;
  }

  /** Sets up the node side for its podCIDR, once. */
  async setup(podCidr: string): Promise<void> {
    if (this.ipam && this.ipam.cidr !== podCidr) {
      throw new Error(`node ${this.spec.node.name} changed podCIDR from ${this.ipam.cidr} to ${podCidr}: recreate the node`);
    }
    this.setupDone ??= this.configureNode(podCidr).then(this.markReady, (err: unknown) => {
      this.setupDone = undefined;
      throw err;
    });
    await this.setupDone;
  }

  private async configureNode(podCidr: string): Promise<void> {
    const { ip, runner } = this.spec;
    const ipam = new PodIpam(join(this.spec.dir, 'pod-ips.json'), podCidr);
    const prefix = parseCidr(podCidr).prefix;
    if (!(await ip.linkGet(bridgeName, this.ns))) {
      await ip.linkAdd({ kind: 'bridge', name: bridgeName }, this.ns).catch((err: unknown) => {
        if (!isExistsError(err)) throw err;
      });
    }
    await ip.addrAddIfNotPresent({ dev: bridgeName, cidr: `${ipam.gateway}/${prefix}` }, this.ns);
    await ip.linkSet(bridgeName, { up: true }, this.ns);
    await ip.sysctlWrite('net.ipv4.ip_forward', '1', this.ns);
    const iptables = new Iptables(runner, this.ns);
    await iptables.syncChains(
      'nat',
      new Map([[masqueradeChain, [['-s', podCidr, '-d', this.spec.apiCidr, '-j', 'MASQUERADE']]]]),
      { hooks: [{ from: 'POSTROUTING', chain: masqueradeChain }] },
    );
    // A Service address kube-proxy has not translated (yet) is refused at once, as kube-proxy refuses a
    // Service without endpoints, instead of leaving the node and timing out: clients that start before
    // kube-proxy (CoreDNS) retry quickly.
    const svc = this.spec.cluster.serviceCidr;
    await iptables.syncChains(
      'filter',
      new Map([[serviceRejectChain, [
        ['-d', svc, '-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset'],
        ['-d', svc, '-j', 'REJECT', '--reject-with', 'icmp-port-unreachable'],
      ]]]),
      { hooks: [{ from: 'FORWARD', chain: serviceRejectChain }, { from: 'OUTPUT', chain: serviceRejectChain }] },
    );
    this.ipam = ipam;
  }

  /** Makes the node's routes to other nodes' pods exactly those of `peers` (this node skipped). */
  async syncRoutes(peers: readonly PeerNode[]): Promise<void> {
    const { ip, node, cluster } = this.spec;
    const clusterRange = parseCidr(cluster.podCidr, false);
    const want: Route[] = peers
      .filter((p) => p.name !== node.name && p.podCidr !== '' && p.ip !== '')
      .map((p) => ({ dst: p.podCidr, gateway: p.ip, dev: uplink }));
    const have = (await ip.routeList({ ...this.ns, family: 4 })).filter(
      (r) => r.gateway !== undefined && r.dst !== 'default' && cidrContains(clusterRange, parseIp(r.dst.split('/')[0] ?? '')),
    );
    for (const r of have) {
      if (!want.some((w) => w.dst === r.dst && w.gateway === r.gateway)) await ip.routeDelIfPresent(r, this.ns);
    }
    if (want.length > 0) await ip.routesAddOrReplace(want, this.ns);
  }

  /** The pod's address, also before attach (status of a pod that is starting). */
  addressOf(uid: string): string | undefined {
    return this.ipam?.lookup(uid);
  }

  /** Creates the pod's netns and veth (eth0 inside, the other end on cni0) and gives it its address. */
  async attach(uid: string): Promise<PodAttachment> {
    await this.ready();
    const { ip } = this.spec;
    const ipam = this.ipam;
    if (!ipam) throw new Error('pod network is not set up');
    const netns = podNetnsName(uid);
    const veth = podVethName(uid);
    await this.detachLinks(uid);
    await ip.netnsAdd(netns);
    await ip.linkAdd({ kind: 'veth', name: veth, peer: uplink, peerNetns: netns, master: bridgeName, up: true }, this.ns);
    const address = ipam.allocate(uid);
    const prefix = parseCidr(ipam.cidr).prefix;
    await ip.apply(
      [
        { op: 'linkSet', name: 'lo', attrs: { up: true } },
        { op: 'addrAdd', addr: { dev: uplink, cidr: `${address}/${prefix}` } },
        { op: 'linkSet', name: uplink, attrs: { up: true } },
        { op: 'routeAdd', route: { dst: 'default', gateway: ipam.gateway, dev: uplink } },
      ],
      { netns },
    );
    return { netns, ip: address, gateway: ipam.gateway };
  }

  /** Removes the pod's netns and veth; `release` also frees its address (the pod is gone for good). */
  async detach(uid: string, release: boolean): Promise<void> {
    await this.detachLinks(uid);
    if (release) this.ipam?.release(uid);
  }

  private async detachLinks(uid: string): Promise<void> {
    const { ip } = this.spec;
    const netns = podNetnsName(uid);
    if ((await ip.netnsList()).includes(netns)) await ip.netnsDel(netns);
    if (await ip.linkGet(podVethName(uid), this.ns).catch(() => undefined)) await ip.linkDelIfPresent(podVethName(uid), this.ns);
  }

  /** Namespace listing and deletion, for cleaning up after an earlier run. */
  netnsOps(): { netnsList(): Promise<string[]>; netnsDel(name: string): Promise<void> } {
    return { netnsList: () => this.spec.ip.netnsList(), netnsDel: (n) => this.spec.ip.netnsDel(n) };
  }

  /** Frees the addresses of pods that no longer exist. */
  retain(uids: ReadonlySet<string>): void {
    this.ipam?.retain(uids);
  }
}
