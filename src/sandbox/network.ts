import type { CommandRunner } from '../net/command.js';
import type { FleetState } from './state.js';
import type { ClusterTopology, FleetTopology, NodeTopology } from './topology.js';

/**
 * The fleet's wiring on the host: a link holding every apiserver address, a bridge per cluster (its
 * nodes' underlay network, the host being their default gateway) and a shared "public" bridge for gateway
 * nodes. Everything is recorded in the fleet state before it is created, so that teardown finds it.
 */
export class FleetNetwork {
  constructor(
    private readonly runner: CommandRunner,
    private readonly state: FleetState,
  ) {}

  async createHost(topo: FleetTopology): Promise<void> {
    const links = [topo.apiLink, topo.publicBridge, ...topo.clusters.map((c) => c.bridge)];
    this.state.update((r) => r.links.push(...links.filter((l) => !r.links.includes(l))));
    const cmds = [
      // An empty bridge: some kernels have no dummy links, and a bridge holds local addresses just as well.
      `link add ${topo.apiLink} type bridge`,
      ...topo.clusters.map((c) => `addr add ${c.apiAddress}/32 dev ${topo.apiLink}`),
      `link set ${topo.apiLink} up`,
      `link add ${topo.publicBridge} type bridge nf_call_iptables 0`,
      `link set ${topo.publicBridge} up`,
      ...topo.clusters.flatMap((c) => [
        `link add ${c.bridge} type bridge nf_call_iptables 0`,
        `addr add ${c.underlayGateway}/24 dev ${c.bridge}`,
        `link set ${c.bridge} up`,
      ]),
    ];
    await this.batch(cmds);
  }

  /** A node's network namespace with eth0 on its cluster's bridge and, for gateways, eth1 on the public bridge. */
  async createNode(topo: FleetTopology, cluster: ClusterTopology, node: NodeTopology): Promise<void> {
    this.state.update((r) => {
      r.netns.push(node.netns);
      r.links.push(node.hostLink, ...(node.publicHostLink ? [node.publicHostLink] : []));
    });
    await this.runner.run('ip', ['netns', 'add', node.netns]);
    const host = [
      `link add ${node.hostLink} type veth peer name eth0 netns ${node.netns}`,
      `link set ${node.hostLink} master ${cluster.bridge} up`,
    ];
    if (node.publicHostLink && node.publicIp) {
      host.push(
        `link add ${node.publicHostLink} type veth peer name eth1 netns ${node.netns}`,
        `link set ${node.publicHostLink} master ${topo.publicBridge} up`,
      );
    }
    await this.batch(host);
    const inside = [
      'link set lo up',
      `addr add ${node.ip}/24 dev eth0`,
      'link set eth0 up',
      `route add default via ${cluster.underlayGateway} dev eth0`,
    ];
    if (node.publicIp) inside.push(`addr add ${node.publicIp}/16 dev eth1`, 'link set eth1 up');
    await this.batch(inside, node.netns);
    await this.runner.run('sysctl', ['-qw', 'net.ipv4.ip_forward=1'], { netns: node.netns });
  }

  private async batch(cmds: string[], netns?: string): Promise<void> {
    const args = netns === undefined ? ['-batch', '-'] : ['-n', netns, '-batch', '-'];
    await this.runner.run('ip', args, { input: cmds.join('\n') + '\n' });
  }
}

/**
 * Removes what the fleet record lists: namespaces first (their veths go with them), then host links.
 * Idempotent: a namespace or link that is already gone is fine.
 */
export async function teardownNetwork(runner: CommandRunner, netns: readonly string[], links: readonly string[]): Promise<void> {
  const existing = new Set((await runner.run('ip', ['netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]));
  for (const ns of netns) {
    if (existing.has(ns)) await runner.run('ip', ['netns', 'delete', ns], { allowFailure: true });
  }
  for (const link of [...links].reverse()) {
    const shown = await runner.run('ip', ['link', 'show', 'dev', link], { allowFailure: true });
    if (shown.code === 0) await runner.run('ip', ['link', 'delete', 'dev', link], { allowFailure: true });
  }
}
