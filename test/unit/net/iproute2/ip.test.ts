import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { CommandError } from '../../../../src/net/command.js';
import { awaitLink, awaitRoute, awaitRule, FakeKernel } from '../../../../src/net/fake/index.js';
import { Ip, isExistsError, isNotFoundError } from '../../../../src/net/iproute2/ip.js';
import { cpuMask, sameCpuMask, ZERO_MAC, type VxlanSpec } from '../../../../src/net/iproute2/model.js';

const NS = { netns: 'node-1' };

void describe('Ip adapter over FakeKernel', () => {
  let kernel: FakeKernel;
  let ip: Ip;

  beforeEach(async () => {
    kernel = new FakeKernel();
    ip = new Ip(kernel);
    await ip.netnsAdd('node-1');
    await ip.linkAdd({ name: 'eth0', kind: 'veth', peer: 'node-1-eth0', mtu: 1500, up: true }, NS);
    await ip.addrAdd({ dev: 'eth0', cidr: '172.18.0.2/16' }, NS);
  });

  void it('adds a rule once however often it is asked', async () => {
    const rule = { priority: 150, table: 150 };
    assert.equal(await ip.ruleAddIfNotPresent(rule, NS), true);
    assert.equal(await ip.ruleAddIfNotPresent(rule, NS), false);
    const rules = (await ip.ruleList(NS)).filter((r) => r.table === 150);
    assert.deepEqual(rules, [{ priority: 150, table: 150 }]);
    await awaitRule(ip, rule, NS);
  });

  void it('treats differently written fwmarks and CIDRs as the same rule', async () => {
    await ip.ruleAdd({ priority: 100, table: 100, from: '10.1.0.0/16', fwmark: '0xc0000' }, NS);
    assert.equal(await ip.ruleAddIfNotPresent({ priority: 100, table: 100, from: '10.1.0.0/16', fwmark: '0xc0000/0xffffffff' }, NS), false);
  });

  void it('deletes a rule only when present', async () => {
    await ip.ruleAdd({ priority: 150, table: 150 }, NS);
    assert.equal(await ip.ruleDelIfPresent({ table: 150 }, NS), true);
    assert.equal(await ip.ruleDelIfPresent({ table: 150 }, NS), false);
    assert.equal((await ip.ruleList(NS)).some((r) => r.table === 150), false);
  });

  void it('writes a route only when the table does not already hold it', async () => {
    const route = { dst: '10.2.0.0/16', table: 150, dev: 'eth0', src: '172.18.0.2', protocol: '4' };
    assert.equal(await ip.routeAddOrReplace(route, NS), true);
    assert.equal(await ip.routeAddOrReplace(route, NS), false, 'protocol 4 reads back as "static" and still matches');
    assert.equal(await ip.routeAddOrReplace({ ...route, src: undefined, gateway: '172.18.0.1' }, NS), true);
    const table = await ip.routeList({ ...NS, table: 150 });
    assert.deepEqual(table, [{ dst: '10.2.0.0/16', table: 150, dev: 'eth0', gateway: '172.18.0.1', protocol: 'static' }]);
    await awaitRoute(ip, { dst: '10.2.0.0/16', table: 150, gateway: '172.18.0.1' }, NS);
  });

  void it('writes only the missing routes of a list, in one batch', async () => {
    await ip.routeAdd({ dst: '10.2.0.0/16', table: 150, dev: 'eth0' }, NS);
    const written = await ip.routesAddOrReplace(
      [{ dst: '10.2.0.0/16', table: 150, dev: 'eth0' }, { dst: '10.3.0.0/16', table: 150, dev: 'eth0' }, { dst: '10.4.0.1', table: 150, dev: 'eth0' }],
      NS,
    );
    assert.deepEqual(written.map((r) => r.dst), ['10.3.0.0/16', '10.4.0.1']);
    assert.deepEqual((await ip.routeList({ ...NS, table: 150 })).map((r) => r.dst), ['10.2.0.0/16', '10.3.0.0/16', '10.4.0.1/32']);
  });

  void it('deletes a link only when present', async () => {
    await ip.linkAdd({ name: 'br0', kind: 'bridge' }, NS);
    assert.equal(await ip.linkDelIfPresent('br0', NS), true);
    assert.equal(await ip.linkDelIfPresent('br0', NS), false);
    assert.equal(await ip.linkGet('br0', NS), undefined);
  });

  void it('adds an address once', async () => {
    await ip.linkAdd({ name: 'vx-submariner', kind: 'vxlan', vni: 100, port: 4800, dev: 'eth0' }, NS);
    assert.equal(await ip.addrAddIfNotPresent({ dev: 'vx-submariner', cidr: '240.18.0.2/8' }, NS), true);
    assert.equal(await ip.addrAddIfNotPresent({ dev: 'vx-submariner', cidr: '240.18.0.2/8' }, NS), false);
    assert.deepEqual((await ip.addrList({ ...NS, dev: 'vx-submariner' })).map((a) => a.cidr), ['240.18.0.2/8']);
  });

  void it('writes CPU masks as the kernel prints them, and compares them however they are padded', () => {
    assert.deepEqual([cpuMask(1), cpuMask(2), cpuMask(8), cpuMask(32), cpuMask(33), cpuMask(64)], ['1', '3', 'ff', 'ffffffff', '1,ffffffff', 'ffffffff,ffffffff']);
    assert.throws(() => cpuMask(0), /cannot make a CPU mask of 0 CPUs/);
    assert.ok(sameCpuMask('3', '00000003'));
    assert.ok(sameCpuMask('00000000,00000003', '3'));
    assert.ok(sameCpuMask('0', '00000000'));
    assert.ok(!sameCpuMask('3', '1'));
    assert.ok(!sameCpuMask('1,00000000', '1'));
  });

  void describe('ensureVxlan', () => {
    const spec: VxlanSpec = { name: 'vx-submariner', kind: 'vxlan', vni: 100, port: 4800, dev: 'eth0', remote: '172.18.0.3', mtu: 1450, up: true };

    void it('creates the link, then leaves it alone', async () => {
      assert.equal(await ip.ensureVxlan(spec, NS), 'created');
      const first = await awaitLink(ip, 'vx-submariner', NS);
      assert.deepEqual(first.vxlan, { vni: 100, port: 4800, dev: 'eth0', remote: '172.18.0.3', group: undefined, local: undefined });
      assert.equal(first.up, true);
      assert.equal(await ip.ensureVxlan(spec, NS), 'unchanged');
      assert.equal((await ip.linkGet('vx-submariner', NS))?.index, first.index, 'not recreated');
    });

    for (const [what, change] of [
      ['VNI', { vni: 101 }],
      ['remote', { remote: '172.18.0.4' }],
      ['port', { port: 4801 }],
      ['underlay device', { dev: 'lo' }],
    ] as const) {
      void it(`recreates the link when the ${what} differs`, async () => {
        await ip.ensureVxlan(spec, NS);
        const before = await ip.linkGet('vx-submariner', NS);
        assert.equal(await ip.ensureVxlan({ ...spec, ...change }, NS), 'recreated');
        const after = await ip.linkGet('vx-submariner', NS);
        assert.notEqual(after?.index, before?.index);
        const was = { vni: 100, port: 4800, dev: 'eth0', remote: '172.18.0.3', group: undefined, local: undefined };
        assert.deepEqual(after?.vxlan, { ...was, ...change });
      });
    }

    void it('changes the MTU in place', async () => {
      await ip.ensureVxlan(spec, NS);
      const before = await ip.linkGet('vx-submariner', NS);
      assert.equal(await ip.ensureVxlan({ ...spec, mtu: 1400 }, NS), 'updated');
      const after = await ip.linkGet('vx-submariner', NS);
      assert.equal(after?.mtu, 1400);
      assert.equal(after?.index, before?.index);
    });

    void it('changes the MAC in place, and keeps it when the link is recreated', async () => {
      await ip.ensureVxlan(spec, NS);
      const before = await ip.linkGet('vx-submariner', NS);
      assert.equal(await ip.ensureVxlan({ ...spec, address: '02:00:F0:12:00:03' }, NS), 'updated');
      const after = await ip.linkGet('vx-submariner', NS);
      assert.deepEqual([after?.address, after?.index], ['02:00:f0:12:00:03', before?.index]);
      assert.equal(await ip.ensureVxlan({ ...spec, address: '02:00:f0:12:00:03', remote: undefined }, NS), 'recreated');
      assert.equal((await ip.linkGet('vx-submariner', NS))?.address, '02:00:f0:12:00:03');
    });

    void it('steers what the device receives to the given CPUs once; a recreated device starts without', async () => {
      await ip.ensureVxlan(spec, NS);
      assert.equal(await ip.rpsCpusRead('vx-submariner', NS), '0');
      assert.equal(await ip.ensureRpsCpus('vx-submariner', '3', NS), true);
      assert.equal(await ip.rpsCpusRead('vx-submariner', NS), '3');
      assert.equal(await ip.ensureRpsCpus('vx-submariner', '00000003', NS), false);
      assert.equal(await ip.ensureVxlan({ ...spec, vni: 101 }, NS), 'recreated');
      assert.equal(await ip.rpsCpusRead('vx-submariner', NS), '0');
      await assert.rejects(ip.rpsCpusWrite('vx-submariner', '3\n', NS), /invalid CPU mask "3\n": give hex digits/);
      await assert.rejects(ip.ensureRpsCpus('nope', '3', NS), /No such file or directory/);
    });

    void it('replaces a link of another kind with the same name', async () => {
      await ip.linkAdd({ name: 'vx-submariner', kind: 'bridge' }, NS);
      assert.equal(await ip.ensureVxlan(spec, NS), 'recreated');
      assert.equal((await ip.linkGet('vx-submariner', NS))?.kind, 'vxlan');
    });
  });

  void it('keeps the VXLAN flood list equal to the given remotes', async () => {
    await ip.linkAdd({ name: 'vx-submariner', kind: 'vxlan', vni: 100, port: 4800, dev: 'eth0' }, NS);
    assert.deepEqual(await ip.syncFloodList('vx-submariner', ['172.18.0.3', '172.18.0.4'], NS), { added: ['172.18.0.3', '172.18.0.4'], removed: [] });
    assert.deepEqual(await ip.syncFloodList('vx-submariner', ['172.18.0.4', '172.18.0.5'], NS), { added: ['172.18.0.5'], removed: ['172.18.0.3'] });
    assert.deepEqual(await ip.syncFloodList('vx-submariner', ['172.18.0.4', '172.18.0.5'], NS), { added: [], removed: [] });
    const fdb = await ip.fdbList('vx-submariner', NS);
    assert.deepEqual(fdb.map((e) => [e.mac, e.dst]), [[ZERO_MAC, '172.18.0.4'], [ZERO_MAC, '172.18.0.5']]);
  });

  void it('classifies kernel errors as "exists" and "not found"', async () => {
    const exists = await ip.linkAdd({ name: 'eth0', kind: 'bridge' }, NS).catch((e: unknown) => e);
    assert.ok(exists instanceof CommandError);
    assert.equal(isExistsError(exists), true);
    const missing = await ip.linkDel('nope', NS).catch((e: unknown) => e);
    assert.equal(isNotFoundError(missing), true);
    assert.equal(isExistsError(missing), false);
  });
});
