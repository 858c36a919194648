import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandError } from '../../../../src/net/command.js';
import { FakeRunner } from '../../../../src/net/fake/index.js';
import { IpRoute2 } from '../../../../src/net/iproute2/exec.js';

// Output captured from iproute2 6.1 inside a network namespace.
const LINK_VXLAN = JSON.stringify([
  {
    ifindex: 5, ifname: 'vx0', flags: ['BROADCAST', 'MULTICAST', 'UP'], mtu: 1450, operstate: 'UNKNOWN', address: 'c2:9e:1a:43:2d:3b',
    linkinfo: { info_kind: 'vxlan', info_data: { id: 100, remote: '10.0.0.2', link: 'v0', port_range: { low: 0, high: 0 }, port: 4800, learning: true } },
  },
  { ifindex: 4, link_index: 5, ifname: 'v0', flags: ['UP'], mtu: 1500, master: 'br0', operstate: 'LOWERLAYERDOWN', address: '26:07:1b:3b:77:a7', link: 'v1', linkinfo: { info_kind: 'veth' } },
]);
const ROUTES_150 =
  '[{"dst":"10.7.0.7","dev":"v0","scope":"link","flags":[]},{"dst":"10.8.0.0/16","gateway":"192.168.1.1","dev":"v0","flags":["onlink"]},' +
  '{"dst":"10.9.0.0/16","gateway":"10.0.0.2","dev":"v0","protocol":"static","prefsrc":"10.0.0.1","metric":5,"flags":[]}]';
const ROUTES_ALL =
  '[{"dst":"10.9.0.0/16","gateway":"10.0.0.2","dev":"v0","table":"150","protocol":"static","flags":["linkdown"]},' +
  '{"dst":"10.0.0.0/24","dev":"v0","protocol":"kernel","scope":"link","prefsrc":"10.0.0.1","flags":["linkdown"]},' +
  '{"type":"local","dst":"10.0.0.1","dev":"v0","table":"local","protocol":"kernel","scope":"host","prefsrc":"10.0.0.1","flags":[]}]';
const RULES =
  '[{"priority":0,"src":"all","table":"local"},{"priority":100,"src":"10.1.0.0","srclen":16,"dst":"10.2.0.0","dstlen":16,"fwmark":"0xc0000","fwmask":"0xc0000","iif":"v0","table":"100"},' +
  '{"priority":101,"src":"all","oif":"v1","table":"main"},{"priority":32766,"src":"all","table":"main"}]';
const ADDRS =
  '[{"ifindex":4,"ifname":"v0","addr_info":[{"family":"inet","local":"10.0.0.1","prefixlen":24,"scope":"global","label":"v0"}]}]';
const FDB = '[{"mac":"00:00:00:00:00:00","dst":"10.0.0.2","viaIf":"v0","flags":["self"],"state":"permanent"},{"mac":"c2:9e:1a:43:2d:3b","flags":["self"],"state":"permanent"}]';

void describe('IpRoute2', () => {
  void it('reads links with their kind, bridge master and VXLAN attributes', async () => {
    const runner = new FakeRunner().on('ip -json -details link show', { stdout: LINK_VXLAN });
    const links = await new IpRoute2(runner).linkList({ netns: 'n1' });
    assert.deepEqual(links[0], {
      name: 'vx0', index: 5, kind: 'vxlan', up: true, mtu: 1450, address: 'c2:9e:1a:43:2d:3b', operState: 'UNKNOWN',
      vxlan: { vni: 100, port: 4800, dev: 'v0', remote: '10.0.0.2', group: undefined, local: undefined },
    });
    assert.equal(links[1]?.master, 'br0');
    assert.equal(links[1]?.peer, 'v1');
    assert.deepEqual(runner.calls[0]?.argv, ['ip', 'netns', 'exec', 'n1', 'ip', '-json', '-details', 'link', 'show']);
  });

  void it('reads a missing link as undefined, not as an error', async () => {
    const runner = new FakeRunner().on('ip -json -details link show dev nope', { code: 1, stderr: 'Device "nope" does not exist.\n' });
    assert.equal(await new IpRoute2(runner).linkGet('nope'), undefined);
  });

  void it('reads routes of one table and of all tables with their table ids', async () => {
    const runner = new FakeRunner().on('ip -json route show table 150', { stdout: ROUTES_150 }).on('ip -json route show table all', { stdout: ROUTES_ALL });
    const ip = new IpRoute2(runner);
    assert.deepEqual(await ip.routeList({ table: 150 }), [
      { dst: '10.7.0.7/32', table: 150, dev: 'v0', scope: 'link' },
      { dst: '10.8.0.0/16', table: 150, gateway: '192.168.1.1', dev: 'v0', onlink: true },
      { dst: '10.9.0.0/16', table: 150, gateway: '10.0.0.2', dev: 'v0', src: '10.0.0.1', metric: 5, protocol: 'static' },
    ]);
    assert.deepEqual((await ip.routeList({ table: 'all' })).map((r) => [r.dst, r.table, r.type]), [
      ['10.9.0.0/16', 150, undefined],
      ['10.0.0.0/24', 254, undefined],
      ['10.0.0.1/32', 255, 'local'],
    ]);
  });

  void it('reads a table the kernel has not created as empty', async () => {
    const runner = new FakeRunner().on('ip -json route show table 151', { code: 2, stdout: '[', stderr: 'Error: ipv4: FIB table does not exist.\nDump terminated\n' });
    assert.deepEqual(await new IpRoute2(runner).routeList({ table: 151 }), []);
    runner.on('ip route flush table 151', { code: 2, stderr: 'Error: ipv4: FIB table does not exist.\nFlush terminated\n' });
    await new IpRoute2(runner).routeFlush(151);
  });

  void it('reads rules, addresses and FDB entries', async () => {
    const runner = new FakeRunner()
      .on('ip -json -4 rule show', { stdout: RULES })
      .on('ip -json addr show dev v0', { stdout: ADDRS })
      .on('bridge -json fdb show dev vx0', { stdout: FDB });
    const ip = new IpRoute2(runner);
    assert.deepEqual((await ip.ruleList({ family: 4 }))[1], { priority: 100, table: 100, from: '10.1.0.0/16', to: '10.2.0.0/16', fwmark: '0xc0000/0xc0000', iif: 'v0' });
    assert.deepEqual((await ip.ruleList({ family: 4 }))[2], { priority: 101, table: 254, oif: 'v1' });
    assert.deepEqual(await ip.addrList({ dev: 'v0' }), [{ dev: 'v0', cidr: '10.0.0.1/24', family: 4, scope: 'global' }]);
    assert.deepEqual(await ip.fdbList('vx0'), [{ dev: 'vx0', mac: '00:00:00:00:00:00', dst: '10.0.0.2' }]);
  });

  void it('builds one argv per write', async () => {
    const runner = new FakeRunner().on(/^(ip|bridge|sysctl) /, {});
    const ip = new IpRoute2(runner);
    await ip.linkAdd({ name: 'vx-submariner', kind: 'vxlan', vni: 100, port: 4800, dev: 'eth0', remote: '172.18.0.3', mtu: 1450, up: true });
    await ip.linkAdd({ name: 'veth-a', kind: 'veth', peer: 'eth0', peerNetns: 'pod-1' });
    await ip.linkSet('veth-a', { master: 'cni0', up: true });
    await ip.routeReplace({ dst: '10.2.0.0/16', dev: 'vx-submariner', src: '10.1.0.1', protocol: '4', table: 150 });
    await ip.ruleAdd({ priority: 150, table: 150 });
    await ip.fdbAppend({ dev: 'vx-submariner', mac: '00:00:00:00:00:00', dst: '172.18.0.4' });
    await ip.sysctlWrite('net.ipv4.conf.vx-submariner.rp_filter', '2', { netns: 'n1' });
    assert.deepEqual(runner.calls.map((c) => c.argv.join(' ')), [
      'ip link add name vx-submariner mtu 1450 up type vxlan id 100 dstport 4800 dev eth0 remote 172.18.0.3',
      'ip link add name veth-a type veth peer name eth0 netns pod-1',
      'ip link set dev veth-a master cni0 up',
      'ip route replace 10.2.0.0/16 dev vx-submariner src 10.1.0.1 proto 4 table 150',
      'ip rule add priority 150 table 150',
      'bridge fdb append 00:00:00:00:00:00 dev vx-submariner dst 172.18.0.4',
      'ip netns exec n1 sysctl -q -w net.ipv4.conf.vx-submariner.rp_filter=2',
    ]);
  });

  void it('batches writes on stdin, one exec per program, and names the failing line', async () => {
    const runner = new FakeRunner()
      .on('ip -force -batch -', { code: 1, stderr: 'RTNETLINK answers: File exists\nCommand failed -:2\n' })
      .on('bridge -force -batch -', {});
    const ip = new IpRoute2(runner);
    const err = await ip
      .apply(
        [
          { op: 'routeReplace', route: { dst: '10.2.0.0/16', dev: 'vx-submariner', table: 150 } },
          { op: 'routeAdd', route: { dst: '10.3.0.0/16', dev: 'vx-submariner', table: 150 } },
          { op: 'fdbAppend', entry: { dev: 'vx-submariner', mac: '00:00:00:00:00:00', dst: '172.18.0.4' } },
        ],
        { netns: 'n1', force: true },
      )
      .catch((e: unknown) => e);
    assert.ok(err instanceof CommandError);
    assert.match(err.message, /Command failed -:2 \(route add 10\.3\.0\.0\/16 dev vx-submariner table 150\)/);
    assert.deepEqual(runner.calls.map((c) => [c.line, c.netns, c.input]), [
      ['ip -force -batch -', 'n1', 'route replace 10.2.0.0/16 dev vx-submariner table 150\nroute add 10.3.0.0/16 dev vx-submariner table 150\n'],
      ['bridge -force -batch -', 'n1', 'fdb append 00:00:00:00:00:00 dev vx-submariner dst 172.18.0.4\n'],
    ]);
  });

  void it('refuses bad values with an error naming them, before running anything', async () => {
    const runner = new FakeRunner();
    const ip = new IpRoute2(runner);
    await assert.rejects(ip.routeReplace({ dst: '10.2.0.0/33', dev: 'eth0' }), /invalid route destination "10.2.0.0\/33"/);
    await assert.rejects(ip.linkAdd({ name: 'a-very-long-interface-name', kind: 'bridge' }), /invalid interface name "a-very-long-interface-name"/);
    await assert.rejects(ip.ruleAdd({ table: 150, fwmark: 'mark' }), /invalid fwmark "mark"/);
    await assert.rejects(ip.linkSet('eth0', {}), /nothing to set on link "eth0"/);
    await assert.rejects(ip.sysctlWrite('net.ipv4.ip_forward', '1\n2'), /invalid value for sysctl/);
    assert.equal(runner.calls.length, 0);
  });
});
