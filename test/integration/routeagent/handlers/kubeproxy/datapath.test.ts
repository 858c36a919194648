import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { V1Node } from '@kubernetes/client-node';
import type { Endpoint } from '../../../../../src/api/generated.js';
import { Ip } from '../../../../../src/net/iproute2/ip.js';
import { IpRoute2 } from '../../../../../src/net/iproute2/exec.js';
import { Iptables } from '../../../../../src/net/packetfilter/iptables.js';
import type { Logger } from '../../../../../src/base/log.js';
import { KubeProxyHandler } from '../../../../../src/routeagent/handlers/kubeproxy/handler.js';
import { vtepMac } from '../../../../../src/routeagent/handlers/kubeproxy/plan.js';
import { buildView, localCidrs } from '../../../../../src/routeagent/view.js';
import { RecordingRunner } from '../../../../support/recording-runner.js';

const isRoot = process.getuid?.() === 0;
const id = randomBytes(3).toString('hex');
const GW = `ksra-${id}-gw`;
const WK = `ksra-${id}-wk`;
const POD = `ksra-${id}-pod`;
const runner = new RecordingRunner();
const ip = new Ip(new IpRoute2(runner));
const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

const CLUSTER_CIDR = '10.77.0.0/16';
const nodes: V1Node[] = [
  { metadata: { name: GW }, status: { addresses: [{ type: 'InternalIP', address: '10.250.77.1' }] } },
  { metadata: { name: WK }, status: { addresses: [{ type: 'InternalIP', address: '10.250.77.2' }] } },
];
const spec = (cluster: string, hostname: string, privateIp: string, subnets: string[], config: Record<string, string> = {}): Endpoint['spec'] => ({
  cluster_id: cluster, cable_name: `submariner-cable-${cluster}`, hostname, subnets, private_ip: privateIp, nat_enabled: false, backend: 'wireguard', backend_config: config,
});
const endpoints: Endpoint[] = [
  { apiVersion: 'submariner.io/v1', kind: 'Endpoint', metadata: { name: 'east', creationTimestamp: new Date() }, spec: spec('east', GW, '10.250.77.1', ['10.78.0.0/16', CLUSTER_CIDR], { 'interface-name': 'cable0' }) },
  // The remote cluster's pods and services; 10.200.0.1 is held by the gateway's cable interface.
  { apiVersion: 'submariner.io/v1', kind: 'Endpoint', metadata: { name: 'west', creationTimestamp: new Date() }, spec: spec('west', 'west-gw', '172.30.0.9', ['10.200.0.0/16', '10.201.0.0/16']) },
];

/** The same cluster with the gateway moved to `hostname`. */
const gatewayOn = (hostname: string): Endpoint[] => endpoints.map((ep) => (ep.metadata?.name === 'east' && ep.spec ? { ...ep, spec: { ...ep.spec, hostname } } : ep));

function agent(nodeName: string, view: Endpoint[] = endpoints): KubeProxyHandler {
  const config = { clusterId: 'east', nodeName, clusterCidrs: [CLUSTER_CIDR], serviceCidrs: ['10.78.0.0/16'], globalCidrs: [] };
  const handler = new KubeProxyHandler({
    ip,
    packetFilter: new Iptables(runner, { netns: nodeName }),
    clusterCidrs: config.clusterCidrs,
    localCidrs: localCidrs(config),
    log: quiet,
    ns: { netns: nodeName },
  });
  handler.setState({ view: () => buildView(config, view, nodes).view });
  return handler;
}

const sh = async (netns: string, file: string, ...args: string[]): Promise<string> => (await runner.run(file, args, { netns, timeoutMs: 20_000 })).stdout;

/** What a restart must leave identical: the packet filter (without counters), every routing table, the rules and the flood list. */
async function nodeState(netns: string): Promise<string> {
  // Rules and user chains; nf_tables creates empty built-in tables on first use, which says nothing.
  const ipt = (await sh(netns, 'iptables-save'))
    .split('\n')
    .filter((l) => l.startsWith('-A') || (l.startsWith(':') && l.includes(' - ')))
    .join('\n');
  const routes = await sh(netns, 'ip', 'route', 'show', 'table', 'all');
  const rules = await sh(netns, 'ip', 'rule', 'show');
  const links = (await ip.linkList({ netns })).map((l) => `${l.name} ${l.kind ?? ''} ${l.mtu} ${JSON.stringify(l.vxlan ?? {})}`).join('\n');
  const fdb = links.includes('vx-submariner') ? await sh(netns, 'bridge', 'fdb', 'show', 'dev', 'vx-submariner') : '';
  return [ipt, routes, rules, links, fdb].join('\n----\n');
}

/** Drops the IPv6 routes the kernel adds by itself as links come up (link-local, multicast), which the agent never touches. */
const withoutIpv6 = (state: string): string => state.split('\n').filter((l) => !/ (fe80::|ff00::|::1 )/.test(l)).join('\n');

async function rxPackets(netns: string, dev: string): Promise<number> {
  const [link] = JSON.parse(await sh(netns, 'ip', '-s', '-json', 'link', 'show', 'dev', dev)) as { stats64: { rx: { packets: number } } }[];
  return link?.stats64.rx.packets ?? 0;
}

void describe('route agent data plane in network namespaces (needs root)', { skip: isRoot ? false : 'needs root (network namespaces, iptables)' }, () => {
  const gw = agent(GW);
  const wk = agent(WK);
  const pristine = new Map<string, string>();

  before(async () => {
    for (const ns of [GW, WK, POD]) await ip.netnsAdd(ns);
    await ip.linkAdd({ name: 'eth0', kind: 'veth', peer: 'eth0', peerNetns: WK, mtu: 1500 }, { netns: GW });
    const node = async (netns: string, addr: string, podGw: string, peer: string, peerPods: string) => {
      await ip.apply([
        { op: 'linkSet', name: 'lo', attrs: { up: true } },
        { op: 'addrAdd', addr: { dev: 'eth0', cidr: `${addr}/24` } },
        { op: 'linkSet', name: 'eth0', attrs: { up: true } },
        { op: 'routeAdd', route: { dst: 'default', gateway: '10.250.77.254', dev: 'eth0' } },
        { op: 'linkAdd', link: { name: 'cni0', kind: 'bridge', up: true } },
        { op: 'addrAdd', addr: { dev: 'cni0', cidr: `${podGw}/24` } },
        { op: 'routeAdd', route: { dst: peerPods, gateway: peer, dev: 'eth0' } },
      ], { netns });
      await ip.sysctlWrite('net.ipv4.ip_forward', '1', { netns });
    };
    await node(GW, '10.250.77.1', '10.77.0.1', '10.250.77.2', '10.77.1.0/24');
    await node(WK, '10.250.77.2', '10.77.1.1', '10.250.77.1', '10.77.0.0/24');
    await ip.apply([
      { op: 'linkAdd', link: { name: 'cable0', kind: 'veth', peer: 'cable1', up: true } },
      { op: 'linkSet', name: 'cable1', attrs: { up: true } },
      // One address of the remote range, not the range: a gateway's cable has no connected route to a remote cluster.
      { op: 'addrAdd', addr: { dev: 'cable0', cidr: '10.200.0.1/32' } },
    ], { netns: GW });
    await ip.linkAdd({ name: 'vethpod', kind: 'veth', peer: 'eth0', peerNetns: POD, master: 'cni0', up: true }, { netns: WK });
    await ip.apply([
      { op: 'linkSet', name: 'lo', attrs: { up: true } },
      { op: 'addrAdd', addr: { dev: 'eth0', cidr: '10.77.1.5/24' } },
      { op: 'linkSet', name: 'eth0', attrs: { up: true } },
      { op: 'routeAdd', route: { dst: 'default', gateway: '10.77.1.1', dev: 'eth0' } },
    ], { netns: POD });
    for (const ns of [GW, WK]) pristine.set(ns, await nodeState(ns));
  });

  after(async () => {
    for (const ns of [POD, WK, GW]) await runner.run('ip', ['netns', 'del', ns], { allowFailure: true });
    const left = await ip.netnsList();
    assert.deepEqual(left.filter((n) => n.startsWith(`ksra-${id}`)), []);
  });

  void it('builds vx-submariner, the routes and host networking on both nodes', async () => {
    await gw.sync();
    await wk.sync();
    const vx = await ip.linkGet('vx-submariner', { netns: WK });
    assert.deepEqual(vx?.vxlan, { vni: 100, port: 4800, dev: 'eth0', remote: '10.250.77.1', group: undefined, local: undefined });
    assert.equal(vx?.mtu, 1450);
    assert.match(await sh(WK, 'ip', 'route', 'show', '10.200.0.0/16'), /via 240\.250\.77\.1 dev vx-submariner/);
    for (const dev of ['vx-submariner', 'cni0']) assert.equal((await sh(WK, 'sysctl', '-n', `net.ipv4.conf.${dev}.rp_filter`)).trim(), '2');
    assert.equal((await ip.linkGet('vx-submariner', { netns: GW }))?.vxlan?.remote, undefined);
    assert.match(await sh(GW, 'bridge', 'fdb', 'show', 'dev', 'vx-submariner'), /00:00:00:00:00:00 dst 10\.250\.77\.2/);
    assert.match(await sh(GW, 'ip', 'rule', 'show'), /^150:\s+from all lookup 150/m);
    assert.match(await sh(GW, 'ip', 'route', 'get', '10.201.0.7'), /dev cable0 table 150 src 10\.77\.0\.1/);
  });

  void it("carries a pod's traffic to a remote subnet through vx-submariner, and host traffic SNATed to the CNI address", async () => {
    const before = await rxPackets(GW, 'vx-submariner');
    assert.match(await sh(POD, 'ping', '-n', '-c', '3', '-W', '2', '10.200.0.1'), / 0% packet loss/);
    assert.match(await sh(WK, 'ping', '-n', '-c', '2', '-W', '2', '10.200.0.1'), / 0% packet loss/);
    assert.ok((await rxPackets(GW, 'vx-submariner')) - before >= 5, 'the echo requests arrived over vx-submariner');
    assert.match(await sh(WK, 'iptables-save', '-c', '-t', 'nat'), /\[[1-9]\d*:\d+\] -A SUBMARINER-POSTROUTING -s 240\.0\.0\.0\/8 -o vx-submariner -j SNAT --to-source 10\.77\.1\.1/);
  });

  void it("keeps a pod's traffic flowing when the gateway's vx-submariner is built again for a role change, its MAC kept", async () => {
    // The worker has just resolved the gateway's VTEP: its neighbour entry is fresh and would be trusted for 15-45 s.
    assert.match(await sh(POD, 'ping', '-n', '-c', '2', '-W', '2', '10.200.0.1'), / 0% packet loss/);
    const mac = (await ip.linkGet('vx-submariner', { netns: GW }))?.address;
    assert.equal(mac, vtepMac('10.250.77.1'));
    await agent(GW, gatewayOn(WK)).sync();
    assert.equal((await ip.linkGet('vx-submariner', { netns: GW }))?.vxlan?.remote, '10.250.77.2', 'the device was built again as a non-gateway one');
    await agent(GW).sync();
    assert.equal((await ip.linkGet('vx-submariner', { netns: GW }))?.vxlan?.remote, undefined, 'and again as the gateway one');
    assert.match(await sh(POD, 'ping', '-n', '-c', '3', '-W', '1', '10.200.0.1'), / 0% packet loss/);
    assert.equal((await ip.linkGet('vx-submariner', { netns: GW }))?.address, mac);
  });

  void it('leaves iptables-save and every routing table identical when a restarted agent runs again', async () => {
    const first = [await nodeState(GW), await nodeState(WK)];
    const ran = runner.programs.length;
    await agent(GW).sync();
    await agent(WK).sync();
    assert.deepEqual([await nodeState(GW), await nodeState(WK)], first);
    assert.deepEqual(runner.programs.slice(ran).filter((p) => p === 'iptables-restore'), [], 'nothing to restore');
    for (const jump of ['-A FORWARD -j SUBMARINER-FORWARD', '-A INPUT -p udp -j SUBMARINER-INPUT', '-A POSTROUTING -j SUBMARINER-POSTROUTING']) {
      assert.equal(first[1]?.split('\n').filter((l) => l === jump).length, jump.includes('POSTROUTING') ? 2 : 1, jump);
    }
  });

  void it('uninstall removes every chain, jump, rule, route, FDB entry and vx-submariner', async () => {
    await gw.uninstall();
    await wk.uninstall();
    for (const ns of [GW, WK]) {
      const state = await nodeState(ns);
      assert.doesNotMatch(state, /SUBMARINER|vx-submariner|lookup 150|table 150/);
      assert.equal(withoutIpv6(state), withoutIpv6(pristine.get(ns) ?? ''), `${ns} is as it was before the agent ran`);
    }
    await gw.uninstall();
  });
});
