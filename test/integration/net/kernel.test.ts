import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ExecRunner } from '../../../src/net/command.js';
import { awaitLink, awaitNoLink, awaitRoute, awaitRule, FakeKernel } from '../../../src/net/fake/index.js';
import { Ip, type IpBasic } from '../../../src/net/iproute2/ip.js';
import { IpRoute2 } from '../../../src/net/iproute2/exec.js';
import { sameCpuMask } from '../../../src/net/iproute2/model.js';
import { Iptables, type RuleArgs } from '../../../src/net/packetfilter/iptables.js';

const isRoot = process.getuid?.() === 0;
const ns = `ksub-t-${randomBytes(4).toString('hex')}`;
const NS = { netns: ns };
const runner = new ExecRunner();
const ip = new Ip(new IpRoute2(runner));
const ipt = new Iptables(runner, NS);

const NAT: Map<string, RuleArgs[]> = new Map([
  [
    'SUBMARINER-POSTROUTING',
    [
      ['-s', '10.0.0.0/16', '-d', '10.1.0.0/16', '-j', 'ACCEPT'],
      ['-s', '10.1.0.0/16', '-d', '10.0.0.0/16', '-j', 'ACCEPT'],
      ['-s', '240.0.0.0/8', '-o', 'vx-submariner', '-j', 'SNAT', '--to-source', '10.0.0.1'],
    ],
  ],
]);
const FILTER: Map<string, RuleArgs[]> = new Map([
  ['SUBMARINER-FORWARD', [['-o', 'vx-submariner', '-j', 'ACCEPT']]],
  // Written without the implicit `-m udp` iptables-save adds: the sync still converges.
  ['SUBMARINER-INPUT', [['-p', 'udp', '--dport', '4800', '-m', 'comment', '--comment', 'vxlan "submariner" tunnel', '-j', 'ACCEPT']]],
]);
const NAT_HOOKS = [{ from: 'POSTROUTING', chain: 'SUBMARINER-POSTROUTING' }];
const FILTER_HOOKS = [
  { from: 'FORWARD', chain: 'SUBMARINER-FORWARD' },
  { from: 'INPUT', chain: 'SUBMARINER-INPUT', match: ['-p', 'udp'] },
];

async function iptablesSave(): Promise<string> {
  const { stdout } = await runner.run('iptables-save', [], NS);
  return stdout.split('\n').filter((l) => !l.startsWith('#')).join('\n');
}

void describe('kernel seams against the real tools in a network namespace (needs root)', { skip: isRoot ? false : 'needs root (network namespaces)' }, () => {
  before(async () => {
    await ip.netnsAdd(ns);
  });

  after(async () => {
    if ((await ip.netnsList()).includes(ns)) await ip.netnsDel(ns);
    assert.equal((await ip.netnsList()).includes(ns), false);
  });

  void it('creates a bridge, a veth pair on it and a VXLAN, and reads them back', async () => {
    await ip.linkAdd({ name: 'br-t', kind: 'bridge', up: true }, NS);
    await ip.linkAdd({ name: 'eth0', kind: 'veth', peer: 'veth-t' }, NS);
    await ip.apply([
      { op: 'linkSet', name: 'veth-t', attrs: { master: 'br-t', up: true } },
      { op: 'linkSet', name: 'eth0', attrs: { mtu: 1400, up: true } },
    ], NS);
    const veth = await awaitLink(ip, 'veth-t', NS);
    assert.equal(veth.kind, 'veth');
    assert.equal(veth.master, 'br-t');
    assert.equal(veth.peer, 'eth0');
    assert.equal((await ip.linkGet('eth0', NS))?.mtu, 1400);

    const spec = { name: 'vx-submariner', kind: 'vxlan', vni: 100, port: 4800, dev: 'eth0', remote: '172.30.0.3', mtu: 1350, up: true } as const;
    assert.equal(await ip.ensureVxlan(spec, NS), 'created');
    const vx = await ip.linkGet('vx-submariner', NS);
    assert.deepEqual(vx?.vxlan, { vni: 100, port: 4800, dev: 'eth0', remote: '172.30.0.3', group: undefined, local: undefined });
    assert.equal(vx?.mtu, 1350);
    assert.equal(vx?.up, true);
    assert.equal(await ip.ensureVxlan(spec, NS), 'unchanged');
    // Receive packet steering on the device's one queue, set once.
    assert.equal(await ip.ensureRpsCpus('vx-submariner', '1', NS), true);
    assert.ok(sameCpuMask(await ip.rpsCpusRead('vx-submariner', NS), '1'));
    assert.equal(await ip.ensureRpsCpus('vx-submariner', '00000001', NS), false);
    assert.equal(await ip.ensureVxlan({ ...spec, vni: 101, remote: undefined }, NS), 'recreated');
    assert.deepEqual((await ip.linkGet('vx-submariner', NS))?.vxlan, { vni: 101, port: 4800, dev: 'eth0', remote: undefined, group: undefined, local: undefined });
    assert.equal(await ip.linkGet('nope', NS), undefined);
  });

  void it('adds addresses, table 150 routes, the table 150 rule and FDB entries once', async () => {
    assert.equal(await ip.addrAddIfNotPresent({ dev: 'eth0', cidr: '10.0.0.1/24' }, NS), true);
    assert.equal(await ip.addrAddIfNotPresent({ dev: 'eth0', cidr: '10.0.0.1/24' }, NS), false);
    assert.equal(await ip.addrAddIfNotPresent({ dev: 'vx-submariner', cidr: '240.0.0.1/8' }, NS), true);
    assert.deepEqual((await ip.addrList({ ...NS, dev: 'eth0', family: 4 })).map((a) => a.cidr), ['10.0.0.1/24']);

    const route = { dst: '10.2.0.0/16', table: 150, dev: 'vx-submariner', src: '10.0.0.1', protocol: '4' };
    assert.equal(await ip.routeAddOrReplace(route, NS), true);
    assert.equal(await ip.routeAddOrReplace(route, NS), false);
    const written = await ip.routesAddOrReplace([route, { dst: '10.3.0.0/16', table: 150, gateway: '10.0.0.2' }, { dst: '10.4.0.9', table: 150, dev: 'eth0' }], NS);
    assert.deepEqual(written.map((r) => r.dst), ['10.3.0.0/16', '10.4.0.9']);
    assert.deepEqual(await ip.routeList({ ...NS, table: 150 }), [
      { dst: '10.2.0.0/16', table: 150, dev: 'vx-submariner', src: '10.0.0.1', protocol: 'static', scope: 'link' },
      { dst: '10.3.0.0/16', table: 150, gateway: '10.0.0.2', dev: 'eth0' },
      { dst: '10.4.0.9/32', table: 150, dev: 'eth0', scope: 'link' },
    ]);
    await awaitRoute(ip, { dst: '10.3.0.0/16', table: 150, gateway: '10.0.0.2' }, NS);
    assert.ok((await ip.routeList({ ...NS, table: 'all' })).some((r) => r.table === 150 && r.dst === '10.2.0.0/16'));

    assert.equal(await ip.ruleAddIfNotPresent({ priority: 150, table: 150 }, NS), true);
    assert.equal(await ip.ruleAddIfNotPresent({ priority: 150, table: 150 }, NS), false);
    await awaitRule(ip, { priority: 150, table: 150 }, NS);

    assert.deepEqual(await ip.syncFloodList('vx-submariner', ['172.30.0.4', '172.30.0.5'], NS), { added: ['172.30.0.4', '172.30.0.5'], removed: [] });
    assert.deepEqual(await ip.syncFloodList('vx-submariner', ['172.30.0.5'], NS), { added: [], removed: ['172.30.0.4'] });
    assert.deepEqual((await ip.fdbList('vx-submariner', NS)).map((e) => e.dst), ['172.30.0.5']);

    await ip.sysctlWrite('net.ipv4.conf.vx-submariner.rp_filter', '2', NS);
    assert.equal(await ip.sysctlRead('net.ipv4.conf.vx-submariner.rp_filter', NS), '2');
  });

  void it('syncs the SUBMARINER chains: the second sync leaves iptables-save identical with one jump each', async () => {
    assert.deepEqual(await ipt.syncChains('nat', NAT, { hooks: NAT_HOOKS }), { changed: true });
    assert.deepEqual(await ipt.syncChains('filter', FILTER, { hooks: FILTER_HOOKS }), { changed: true });
    const first = await iptablesSave();

    assert.deepEqual(await ipt.syncChains('nat', NAT, { hooks: NAT_HOOKS }), { changed: false }, 'rules written as iptables-save prints them need no restore');
    await ipt.syncChains('filter', FILTER, { hooks: FILTER_HOOKS });
    assert.equal(await iptablesSave(), first);

    const jumps = (chain: string) => first.split('\n').filter((l) => l.endsWith(`-j ${chain}`));
    assert.deepEqual(jumps('SUBMARINER-POSTROUTING'), ['-A POSTROUTING -j SUBMARINER-POSTROUTING']);
    assert.deepEqual(jumps('SUBMARINER-FORWARD'), ['-A FORWARD -j SUBMARINER-FORWARD']);
    assert.deepEqual(jumps('SUBMARINER-INPUT'), ['-A INPUT -p udp -j SUBMARINER-INPUT']);
    assert.match(first, /-A SUBMARINER-INPUT -p udp -m udp --dport 4800 -m comment --comment "vxlan \\"submariner\\" tunnel" -j ACCEPT/);
    assert.deepEqual((await ipt.readChains('nat')).get('SUBMARINER-POSTROUTING')?.rules, NAT.get('SUBMARINER-POSTROUTING'));
  });

  void it('puts the jump back on top after another component inserts above it', async () => {
    await runner.run('iptables', ['-t', 'nat', '-I', 'POSTROUTING', '1', '-j', 'MASQUERADE'], NS);
    await ipt.syncChains('nat', NAT, { hooks: NAT_HOOKS });
    assert.deepEqual((await ipt.readChains('nat')).get('POSTROUTING')?.rules, [['-j', 'SUBMARINER-POSTROUTING'], ['-j', 'MASQUERADE']]);
  });

  void it('reads back from FakeKernel what the real kernel reports for the same writes', async () => {
    const scenario = async (k: IpBasic, netns: string) => {
      const o = { netns };
      await k.apply([
        { op: 'linkAdd', link: { name: 'p0', kind: 'veth', peer: 'p1', up: true } },
        { op: 'linkSet', name: 'p1', attrs: { up: true } },
        { op: 'addrAdd', addr: { dev: 'p0', cidr: '10.60.0.1/24' } },
        { op: 'linkAdd', link: { name: 'vxp', kind: 'vxlan', vni: 7, port: 4789, dev: 'p0', remote: '10.60.0.2', up: true } },
        { op: 'routeReplace', route: { dst: '10.61.0.0/16', dev: 'vxp', table: 160, protocol: '4' } },
        { op: 'routeReplace', route: { dst: '10.62.0.0/16', gateway: '10.60.0.2', metric: 5, table: 160 } },
        { op: 'ruleAdd', rule: { priority: 160, from: '10.60.0.0/24', fwmark: '0xc0000/0xc0000', table: 160 } },
      ], o);
      const vxlan = await k.linkGet('vxp', o);
      const rpsBefore = await k.rpsCpusRead('vxp', o);
      await k.rpsCpusWrite('vxp', '1', o);
      return {
        // The kernel pads the mask to the width of the possible CPUs ('0', '00', '00000000,00000000').
        rps: [sameCpuMask(rpsBefore, '0'), sameCpuMask(await k.rpsCpusRead('vxp', o), '1')],
        vxlan: { kind: vxlan?.kind, up: vxlan?.up, mtu: vxlan?.mtu, attrs: vxlan?.vxlan },
        peer: (await k.linkGet('p0', o))?.peer,
        addrs: await k.addrList({ ...o, dev: 'p0', family: 4 }),
        routes: await k.routeList({ ...o, table: 160 }),
        rules: (await k.ruleList(o)).filter((r) => r.table === 160),
        fdb: await k.fdbList('vxp', o),
      };
    };
    const fake = new FakeKernel();
    await fake.netnsAdd(ns);
    assert.deepEqual(await scenario(fake, ns), await scenario(ip, ns));
  });

  void it('deletes the chains, their jumps, the rule, routes and links', async () => {
    await ipt.deleteChains('nat', ['SUBMARINER-POSTROUTING']);
    await ipt.deleteChains('filter', ['SUBMARINER-FORWARD', 'SUBMARINER-INPUT']);
    assert.doesNotMatch(await iptablesSave(), /SUBMARINER/);

    assert.equal(await ip.ruleDelIfPresent({ table: 150 }, NS), true);
    assert.equal(await ip.ruleDelIfPresent({ table: 160 }, NS), false, 'a rule with other selectors is a different rule');
    assert.equal(await ip.ruleDelIfPresent({ table: 160, from: '10.60.0.0/24', fwmark: '0xc0000/0xc0000' }, NS), true);
    assert.equal((await ip.ruleList(NS)).some((r) => r.table === 150), false);
    await ip.routeFlush(150, NS);
    assert.deepEqual(await ip.routeList({ ...NS, table: 150 }), []);
    await ip.routeFlush(150, NS);

    for (const name of ['vx-submariner', 'eth0', 'br-t', 'vxp', 'p0']) assert.equal(await ip.linkDelIfPresent(name, NS), true);
    await awaitNoLink(ip, 'veth-t', NS);
    assert.equal(await ip.linkDelIfPresent('br-t', NS), false);
    assert.deepEqual((await ip.linkList(NS)).map((l) => l.name), ['lo']);
  });
});
