import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { CommandError } from '../../../../src/net/command.js';
import { awaitNoLink, awaitRoute, FakeKernel } from '../../../../src/net/fake/index.js';

const NS = { netns: 'n1' };

async function stderrOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof CommandError, `expected a CommandError, got ${String(err)}`);
    return err.stderr.trim();
  }
  assert.fail('expected the operation to fail');
}

void describe('FakeKernel', () => {
  let k: FakeKernel;

  beforeEach(async () => {
    k = new FakeKernel();
    await k.netnsAdd('n1');
    await k.linkAdd({ name: 'v0', kind: 'veth', peer: 'v1', up: true }, NS);
    await k.addrAdd({ dev: 'v0', cidr: '10.0.0.1/24' }, NS);
  });

  void it('answers duplicates and missing objects with the messages iproute2 prints', async () => {
    assert.equal(await stderrOf(k.linkAdd({ name: 'v0', kind: 'bridge' }, NS)), 'RTNETLINK answers: File exists');
    assert.equal(await stderrOf(k.linkDel('nope', NS)), 'Cannot find device "nope"');
    assert.equal(await stderrOf(k.addrAdd({ dev: 'v0', cidr: '10.0.0.1/24' }, NS)), 'Error: ipv4: Address already assigned.');
    assert.equal(await stderrOf(k.addrDel({ dev: 'v0', cidr: '10.0.0.9/24' }, NS)), 'Error: ipv4: Address not found.');
    await k.routeAdd({ dst: '10.9.0.0/16', gateway: '10.0.0.2', table: 150 }, NS);
    assert.equal(await stderrOf(k.routeAdd({ dst: '10.9.0.0/16', dev: 'v0', table: 150 }, NS)), 'RTNETLINK answers: File exists');
    assert.equal(await stderrOf(k.routeDel({ dst: '10.8.0.0/16', table: 150 }, NS)), 'RTNETLINK answers: No such process');
    await k.ruleAdd({ priority: 150, table: 150 }, NS);
    assert.equal(await stderrOf(k.ruleAdd({ priority: 150, table: 150 }, NS)), 'RTNETLINK answers: File exists');
    assert.equal(await stderrOf(k.ruleDel({ priority: 555, table: 555 }, NS)), 'RTNETLINK answers: No such file or directory');
    assert.equal(await stderrOf(k.netnsAdd('n1')), 'Cannot create namespace file "/run/netns/n1": File exists');
    assert.equal(await stderrOf(k.linkList({ netns: 'gone' })), 'Cannot open network namespace "gone": No such file or directory');
  });

  void it('puts the argv of the failed command in the error', async () => {
    const err = await k.routeDel({ dst: '10.8.0.0/16', table: 150 }, NS).catch((e: unknown) => e);
    assert.ok(err instanceof CommandError);
    assert.deepEqual(err.argv, ['ip', 'netns', 'exec', 'n1', 'ip', 'route', 'del', '10.8.0.0/16', 'table', '150']);
  });

  void it('checks next hops as the kernel does', async () => {
    assert.equal(await stderrOf(k.routeAdd({ dst: '10.6.0.0/16', gateway: '10.9.9.9', table: 150 }, NS)), 'Error: Nexthop has invalid gateway.');
    await k.linkAdd({ name: 'down0', kind: 'bridge' }, NS);
    assert.equal(await stderrOf(k.routeAdd({ dst: '10.6.0.0/16', dev: 'down0', table: 150 }, NS)), 'Error: Device for nexthop is not up.');
    const route = await awaitRoute(k, { dst: '10.5.0.0/16', table: 150, gateway: '10.0.0.2' }, { ...NS, timeoutMs: 1 }).catch(() => undefined);
    assert.equal(route, undefined);
    await k.routeAdd({ dst: '10.5.0.0/16', gateway: '10.0.0.2', table: 150 }, NS);
    assert.equal((await awaitRoute(k, { dst: '10.5.0.0/16', table: 150, gateway: '10.0.0.2' }, NS)).dev, 'v0', 'device found from the gateway');
  });

  void it('drops routes when their link goes down, and everything with a deleted link', async () => {
    await k.routeAdd({ dst: '10.5.0.0/16', dev: 'v0', table: 150 }, NS);
    await k.linkSet('v0', { up: false }, NS);
    assert.deepEqual(await k.routeList({ ...NS, table: 150 }), []);
    await k.linkDel('v0', NS);
    assert.deepEqual(await k.addrList(NS), []);
    await awaitNoLink(k, 'v1', NS);
  });

  void it('gives a rule without priority the one below the first user rule', async () => {
    await k.ruleAdd({ priority: 100, table: 100 }, NS);
    await k.ruleAdd({ table: 177 }, NS);
    assert.deepEqual((await k.ruleList(NS)).map((r) => [r.priority, r.table]), [[0, 255], [99, 177], [100, 100], [32766, 254], [32767, 253]]);
  });

  void it('moves a link between namespaces, dropping its addresses, and follows the veth peer', async () => {
    await k.netnsAdd('n2');
    await k.linkSet('v1', { netns: 'n2' }, NS);
    assert.equal(await k.linkGet('v1', NS), undefined);
    assert.equal((await k.linkGet('v1', { netns: 'n2' }))?.kind, 'veth');
    await k.linkDel('v0', NS);
    assert.equal(await k.linkGet('v1', { netns: 'n2' }), undefined, 'deleting one end deletes the other');
  });

  void it('adds the remote of a unicast VXLAN to its FDB like the kernel', async () => {
    await k.linkAdd({ name: 'vx0', kind: 'vxlan', vni: 100, port: 4800, dev: 'v0', remote: '10.0.0.2' }, NS);
    assert.equal((await k.linkGet('vx0', NS))?.mtu, 1450);
    assert.deepEqual(await k.fdbList('vx0', NS), [{ dev: 'vx0', mac: '00:00:00:00:00:00', dst: '10.0.0.2' }]);
  });

  void it('keeps sysctls per namespace and refuses per-device keys of missing devices', async () => {
    await k.sysctlWrite('net.ipv4.conf.v0.rp_filter', '2', NS);
    assert.equal(await k.sysctlRead('net/ipv4/conf/v0/rp_filter', NS), '2');
    await k.sysctlWrite('net.ipv4.ip_forward', '1', NS);
    assert.equal(await k.sysctlRead('net.ipv4.ip_forward', NS), '1');
    assert.equal(await k.sysctlRead('net.ipv4.ip_forward'), '0', 'the root namespace is separate');
    assert.equal(
      await stderrOf(k.sysctlWrite('net.ipv4.conf.nope.rp_filter', '2', NS)),
      'sysctl: cannot stat /proc/sys/net/ipv4/conf/nope/rp_filter: No such file or directory',
    );
  });

  void it('stops a batch at the first failure, or runs all of it with force', async () => {
    const ops = [
      { op: 'routeAdd', route: { dst: '10.20.0.0/16', dev: 'v0', table: 160 } },
      { op: 'routeAdd', route: { dst: '10.20.0.0/16', dev: 'v0', table: 160 } },
      { op: 'routeAdd', route: { dst: '10.21.0.0/16', dev: 'v0', table: 160 } },
    ] as const;
    const err = await k.apply(ops, NS).catch((e: unknown) => e);
    assert.ok(err instanceof CommandError);
    assert.match(err.stderr, /RTNETLINK answers: File exists\nCommand failed -:2 \(route add 10\.20\.0\.0\/16 dev v0 table 160\)/);
    assert.deepEqual((await k.routeList({ ...NS, table: 160 })).map((r) => r.dst), ['10.20.0.0/16']);
    await k.routeFlush(160, NS);
    await assert.rejects(k.apply(ops, { ...NS, force: true }), /Command failed -:2/);
    assert.deepEqual((await k.routeList({ ...NS, table: 160 })).map((r) => r.dst), ['10.20.0.0/16', '10.21.0.0/16']);
  });

  void it('rejects values that could inject options or batch lines before touching state', async () => {
    await assert.rejects(k.linkAdd({ name: '-evil', kind: 'bridge' }, NS), /invalid interface name "-evil"/);
    await assert.rejects(k.routeAdd({ dst: '10.0.0.0/16\nlink del v0', dev: 'v0' }, NS), /invalid route destination/);
    await assert.rejects(k.addrAdd({ dev: 'v0', cidr: '10.0.0.300/24' }, NS), /invalid interface address "10.0.0.300\/24"/);
  });
});
