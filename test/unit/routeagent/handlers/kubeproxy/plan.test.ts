import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { annotations } from '../../../../../src/api/names.js';
import type { Route } from '../../../../../src/net/iproute2/model.js';
import { matchArgs, ruleArgs } from '../../../../../src/net/packetfilter/iptables-rules.js';
import type { HostFacts } from '../../../../../src/routeagent/handlers/kubeproxy/host.js';
import { planDatapath, vtepIp, vtepMac, type DatapathPlan } from '../../../../../src/routeagent/handlers/kubeproxy/plan.js';
import { buildView, localCidrs } from '../../../../../src/routeagent/view.js';
import { allNodes, CLUSTER_CIDR, cniIp, config, endpoint, localEndpoint, node, NODES, north, SERVICE_CIDR, west, type NodeName } from '../../fixtures.js';

const WEST = ['10.97.0.0/16', '10.245.0.0/16'];
const NORTH = ['10.98.0.0/16', '10.246.0.0/16'];

function host(name: NodeName, extra: Partial<HostFacts> = {}): HostFacts {
  return { defaultInterface: { name: 'eth0', mtu: 1500, ip: NODES[name].ip }, cniIp: cniIp(name), cniInterface: 'cni0', links: ['lo', 'eth0', 'cni0'], routes: [], ...extra };
}

function plan(self: NodeName, endpoints: unknown[], o: { host?: Partial<HostFacts>; nodes?: ReturnType<typeof allNodes> } = {}): DatapathPlan {
  const cfg = { ...config, nodeName: self };
  const { view } = buildView(cfg, endpoints, o.nodes ?? allNodes());
  return planDatapath({ view, localCidrs: localCidrs(cfg), host: host(self, o.host) });
}

const chain = (p: DatapathPlan, table: string, name: string) => p.packetFilter.chains.find((c) => c.table === table && c.name === name)?.rules.map(ruleArgs);

void describe('route agent planner', () => {
  void it('derives VTEP addresses by replacing the first octet with 240', () => {
    assert.equal(vtepIp('10.250.1.11'), '240.250.1.11');
    assert.equal(vtepIp('192.168.7.3'), '240.168.7.3');
  });

  void it('on a non-gateway node: unicast vx-submariner to the gateway and main-table routes via its VTEP', () => {
    const p = plan('east-worker', [localEndpoint('east-gw'), west()]);
    assert.equal(p.role, 'non-gateway');
    assert.deepEqual(p.vxlan, {
      link: { name: 'vx-submariner', kind: 'vxlan', vni: 100, port: 4800, dev: 'eth0', remote: '10.250.1.10', mtu: 1450, address: '02:00:f0:fa:01:0b', up: true },
      address: '240.250.1.11/8',
    });
    assert.deepEqual(p.routes, WEST.map((dst): Route => ({ dst, gateway: '240.250.1.10', dev: 'vx-submariner' })));
    assert.deepEqual([p.hostRoutes, p.flood, p.rule], [[], [], undefined]);
    assert.deepEqual(p.sysctls, [
      { key: 'net.ipv4.conf.vx-submariner.rp_filter', value: '2' },
      { key: 'net.ipv4.conf.vx-submariner.forwarding', value: '1' },
      { key: 'net/ipv4/conf/cni0/rp_filter', value: '2' },
    ]);
    assert.deepEqual(p.pending, []);
  });

  void it('gives vx-submariner one MAC per node, the same whichever its role, so a role change leaves other nodes\' neighbour entries valid', () => {
    assert.equal(vtepMac('10.250.1.11'), '02:00:f0:fa:01:0b');
    assert.equal(vtepMac('192.168.7.3'), '02:00:f0:a8:07:03');
    const gw = localEndpoint('east-gw');
    const asWorker = plan('east-gw', [localEndpoint('east-worker'), west()]);
    const asGateway = plan('east-gw', [gw, west()]);
    assert.deepEqual([asWorker.role, asGateway.role], ['non-gateway', 'gateway']);
    assert.notEqual(asWorker.vxlan?.link.remote, asGateway.vxlan?.link.remote);
    assert.equal(asWorker.vxlan?.link.address, vtepMac(NODES['east-gw'].ip));
    assert.equal(asGateway.vxlan?.link.address, vtepMac(NODES['east-gw'].ip));
    assert.notEqual(plan('east-worker', [gw, west()]).vxlan?.link.address, asGateway.vxlan?.link.address);
  });

  void it('steers what vx-submariner receives to every CPU of the node, in both roles', () => {
    const on = (self: NodeName, cpuMask: string | undefined) => plan(self, [localEndpoint('east-gw'), west()], { host: { cpuMask } }).vxlan?.rpsCpus;
    assert.equal(on('east-worker', '3'), '3');
    assert.equal(on('east-gw', 'f0'), 'f0');
    assert.equal(on('east-worker', undefined), undefined);
  });

  void it('takes the VXLAN MTU from the default interface', () => {
    const p = plan('east-worker', [localEndpoint('east-gw')], { host: { defaultInterface: { name: 'ens5', mtu: 9001, ip: '10.250.1.11' } } });
    assert.equal(p.vxlan?.link.mtu, 8951);
    assert.equal(p.vxlan?.link.dev, 'ens5');
  });

  void it('on the gateway node: no remote, flood entries for the other nodes, rule 150 and table 150 through the cable interface', () => {
    const p = plan('east-gw', [localEndpoint('east-gw', { backend: 'wireguard', backend_config: { 'interface-name': 'submariner' } }), west()], {
      host: { links: ['lo', 'eth0', 'cni0', 'submariner'] },
    });
    assert.equal(p.role, 'gateway');
    assert.equal(p.vxlan?.link.remote, undefined);
    assert.equal(p.vxlan?.address, '240.250.1.10/8');
    assert.deepEqual(p.flood, ['10.250.1.11', '10.250.1.12']);
    assert.deepEqual(p.routes, []);
    assert.deepEqual(p.rule, { priority: 150, table: 150 });
    assert.deepEqual(p.hostRoutes, WEST.map((dst): Route => ({ dst, table: 150, dev: 'submariner', protocol: 'static', src: '10.244.0.1' })));
    assert.deepEqual(p.pending, []);
  });

  void it('on the gateway node without interface-name: table 150 routes leave through the default interface', () => {
    const p = plan('east-gw', [localEndpoint('east-gw'), west()]);
    assert.deepEqual(p.hostRoutes.map((r) => r.dev), ['eth0', 'eth0']);
  });

  void it("keeps the cable driver's next hop on the cable interface", () => {
    const theirs: Route = { dst: '10.245.0.0/16', table: 100, gateway: '241.20.0.3', dev: 'vxlan-tunnel', src: '10.244.0.1' };
    const p = plan('east-gw', [localEndpoint('east-gw', { backend_config: { 'interface-name': 'vxlan-tunnel' } }), west()], {
      host: { links: ['eth0', 'cni0', 'vxlan-tunnel'], routes: [theirs] },
    });
    assert.deepEqual(p.hostRoutes, [
      { dst: '10.97.0.0/16', table: 150, dev: 'vxlan-tunnel', protocol: 'static', src: '10.244.0.1' },
      { dst: '10.245.0.0/16', table: 150, dev: 'vxlan-tunnel', protocol: 'static', gateway: '241.20.0.3', src: '10.244.0.1' },
    ]);
  });

  void it('waits for a cable interface that does not exist yet', () => {
    const p = plan('east-gw', [localEndpoint('east-gw', { backend_config: { 'interface-name': 'submariner' } }), west()]);
    assert.deepEqual(p.hostRoutes, []);
    assert.deepEqual(p.rule, { priority: 150, table: 150 });
    assert.match(p.pending.join(), /cable interface submariner does not exist/);
  });

  void it('re-points vx-submariner and the routes when the gateway moves to another node', () => {
    const before = plan('east-worker', [localEndpoint('east-gw'), west()]);
    const after = plan('east-worker', [localEndpoint('east-gw2'), west()]);
    assert.equal(before.vxlan?.link.remote, '10.250.1.10');
    assert.equal(after.vxlan?.link.remote, '10.250.1.12');
    assert.deepEqual(after.routes.map((r) => r.gateway), ['240.250.1.12', '240.250.1.12']);
    assert.equal(after.vxlan?.address, before.vxlan?.address, 'the node keeps its own VTEP address');
  });

  void it("uses the local Endpoint's private IP when the gateway's Node is not known", () => {
    const p = plan('east-worker', [localEndpoint('east-gw')], { nodes: [node('east-worker')] });
    assert.equal(p.vxlan?.link.remote, '10.250.1.10');
  });

  void it('a node turning into the gateway drops its main routes and takes on host networking', () => {
    const eps = [localEndpoint('east-worker'), west()];
    const p = plan('east-worker', eps);
    assert.equal(p.role, 'gateway');
    assert.deepEqual(p.routes, []);
    assert.equal(p.hostRoutes.length, 2);
    assert.deepEqual(p.flood, ['10.250.1.10', '10.250.1.12']);
  });

  void it('adds and removes routes and rules as remote clusters join and leave', () => {
    const two = plan('east-worker', [localEndpoint('east-gw'), west(), north()]);
    assert.deepEqual(two.routes.map((r) => r.dst), [...NORTH, ...WEST]);
    assert.equal(chain(two, 'nat', 'SUBMARINER-POSTROUTING')?.length, 2 * 2 * 4 + 1);
    const one = plan('east-worker', [localEndpoint('east-gw'), west()]);
    assert.deepEqual(one.routes.map((r) => r.dst), WEST);
    assert.equal(chain(one, 'nat', 'SUBMARINER-POSTROUTING')?.length, 2 * 2 * 2 + 1);
  });

  void it('uses the newest Endpoint of a cluster during a gateway failover', () => {
    const old = localEndpoint('east-gw');
    const fresh = localEndpoint('east-gw2');
    assert.equal(plan('east-worker', [fresh, old]).vxlan?.link.remote, '10.250.1.12');
  });

  void it('skips a malformed Endpoint and keeps the others', () => {
    const bad = endpoint('south', 'south-gw', ['10.99.0.0/16', 'not-a-cidr']);
    const cfg = { ...config, nodeName: 'east-worker' };
    const { view, skipped } = buildView(cfg, [localEndpoint('east-gw'), bad, west(), { metadata: { name: 'junk' }, spec: 'x' }], allNodes());
    assert.deepEqual(view.remoteEndpoints.map((e) => e.clusterId), ['west']);
    assert.deepEqual(skipped.map((s) => [s.name, s.reason]), [
      [bad.metadata.name, 'spec.subnets holds "not-a-cidr", which is not an IPv4 CIDR such as 10.1.0.0/16'],
      ['junk', 'it has no spec'],
    ]);
    const p = planDatapath({ view, localCidrs: localCidrs(cfg), host: host('east-worker') });
    assert.deepEqual(p.routes.map((r) => r.dst), WEST);
  });

  void it('skips a remote Endpoint whose subnets overlap the local CIDRs', () => {
    const clash = endpoint('south', 'south-gw', ['10.244.128.0/17']);
    const { view, skipped } = buildView(config, [localEndpoint('east-gw'), clash], allNodes());
    assert.deepEqual(view.remoteEndpoints, []);
    assert.match(skipped[0]?.reason ?? '', /overlaps the local CIDRs/);
  });

  void it('without an active gateway: no VXLAN and no routes, only the packet filter', () => {
    const p = plan('east-worker', [west()]);
    assert.equal(p.role, 'idle');
    assert.equal(p.vxlan, undefined);
    assert.deepEqual(p.routes, []);
    assert.deepEqual([...new Set(p.packetFilter.chains.map((c) => c.table))], ['nat', 'filter', 'mangle']);
  });

  void it('reports what is missing when the node is not ready', () => {
    const p = plan('east-worker', [localEndpoint('east-gw'), west()], { host: { cniIp: undefined } });
    assert.match(p.pending.join(), /no address of this node lies in the cluster CIDRs/);
    assert.equal(chain(p, 'nat', 'SUBMARINER-POSTROUTING')?.some((r) => r.includes('SNAT')), false);
    const noRoute = plan('east-worker', [localEndpoint('east-gw')], { host: { defaultInterface: undefined } });
    assert.equal(noRoute.vxlan, undefined);
    assert.match(noRoute.pending.join(), /no default route/);
  });

  void it('plans the packet filter: no masquerade between clusters, SNAT into the VXLAN, VXLAN port, forwarding, MSS clamping', () => {
    const p = plan('east-worker', [localEndpoint('east-gw'), west()]);
    const nat = chain(p, 'nat', 'SUBMARINER-POSTROUTING');
    assert.deepEqual(nat?.slice(0, 2), [
      ['-s', CLUSTER_CIDR, '-d', '10.97.0.0/16', '-j', 'ACCEPT'],
      ['-s', '10.97.0.0/16', '-d', CLUSTER_CIDR, '-j', 'ACCEPT'],
    ]);
    assert.ok(nat?.some((r) => r.join(' ') === `-s ${SERVICE_CIDR} -d 10.245.0.0/16 -j ACCEPT`));
    assert.deepEqual(nat?.at(-1), ['-s', '240.0.0.0/8', '-o', 'vx-submariner', '-j', 'SNAT', '--to-source', '10.244.1.1']);
    assert.deepEqual(chain(p, 'filter', 'SUBMARINER-INPUT'), [['-p', 'udp', '-m', 'udp', '--dport', '4800', '-j', 'ACCEPT']]);
    assert.deepEqual(chain(p, 'filter', 'SUBMARINER-FORWARD'), [['-o', 'vx-submariner', '-j', 'ACCEPT'], ['-i', 'vx-submariner', '-j', 'ACCEPT']]);
    assert.deepEqual(chain(p, 'mangle', 'SUBMARINER-POSTROUTING')?.[0], [
      '-s', CLUSTER_CIDR, '-d', '10.97.0.0/16', '-p', 'tcp', '-m', 'tcp', '--tcp-flags', 'SYN,RST', 'SYN', '-j', 'TCPMSS', '--clamp-mss-to-pmtu',
    ]);
    const hooks = p.packetFilter.chains.flatMap((c) => (c.hook ? [`${c.table}:${c.hook.from}>${c.name}${c.hook.match ? ` ${matchArgs(c.hook.match).join(' ')}` : ''}`] : []));
    assert.deepEqual(hooks, [
      'nat:POSTROUTING>SUBMARINER-POSTROUTING',
      'filter:INPUT>SUBMARINER-INPUT -p udp',
      'filter:FORWARD>SUBMARINER-FORWARD',
      'mangle:POSTROUTING>SUBMARINER-POSTROUTING',
    ]);
  });

  void it('sets the MSS from the node annotation, and ignores a bad one', () => {
    const nodes = [node('east-gw'), node('east-worker', { [annotations.tcpClampMss]: '1300' })];
    const p = plan('east-worker', [localEndpoint('east-gw'), west()], { nodes });
    assert.deepEqual(chain(p, 'mangle', 'SUBMARINER-POSTROUTING')?.[0]?.slice(-3), ['TCPMSS', '--set-mss', '1300']);
    const { skipped, view } = buildView(config, [], [node('east-worker', { [annotations.tcpClampMss]: 'lots' })]);
    assert.equal(view.self?.clampMss, undefined);
    assert.match(skipped[0]?.reason ?? '', /tcp-clamp-mss="lots" is not a whole number/);
  });
});
