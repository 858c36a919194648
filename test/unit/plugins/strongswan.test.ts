import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FakeStrongswan } from '../../../plugins/fake/strongswan.js';
import { strongswanAt } from '../../../plugins/strongswan/install.js';
import { SOCKET_BUFFER_BYTES } from '../../../plugins/strongswan/socket-buffers.js';
import { KILL_SWITCH_METRIC, LIBIPSEC_DEVICE, REINITIATE_MS, StrongswanDriver } from '../../../plugins/strongswan/strongswan.js';
import { driverContext, localEndpoint, remoteEndpoint } from './support.js';

const remote = remoteEndpoint({ backend: 'strongswan' });
const install = strongswanAt('/cache/strongswan');

async function started(kernelEsp = false, sleep: (ms: number) => Promise<void> = async () => {}) {
  const t = await driverContext(localEndpoint({ backend: 'strongswan' }));
  const swan = new FakeStrongswan((up) => {
    if (up) void t.kernel.linkAdd({ name: LIBIPSEC_DEVICE, kind: 'dummy', up: true });
    else void t.ctx.ip.linkDelIfPresent(LIBIPSEC_DEVICE);
  });
  t.runner.on('env', (c) => swan.handle(c));
  t.runner.on('ip xfrm', {});
  t.runner.on('perl', { stdout: '4\n' });
  t.runner.on('ip xfrm state add', kernelEsp ? {} : { code: 2, stderr: 'Error: Requested AEAD algorithm not found.\n' });
  t.processes.onStart('unshare', swan.onCharonStart);
  let now = 1_000_000;
  const clock = { advance: (ms: number) => (now += ms) };
  const driver = new StrongswanDriver(t.ctx, { install, now: () => now, sleep });
  await driver.init();
  return { ...t, swan, driver, clock };
}

const statuses = async (d: StrongswanDriver) => (await d.getConnections()).map((c) => [c.status, c.statusMessage]);

void describe('strongswan cable driver over a fake charon', () => {
  void it('without kernel ESP, init picks kernel-libipsec, says so and starts its own charon with its own files', async () => {
    const { driver, processes, ctx, log } = await started();
    assert.equal(driver.espBackend, 'kernel-libipsec');
    assert.deepEqual(driver.backendConfig(), { 'interface-name': LIBIPSEC_DEVICE });
    assert.ok(log.lines.some((l) => l.includes('strongswan cable ready') && l.includes('kernel-libipsec')));
    const [charon] = processes.running('unshare');
    assert.ok(charon?.args.includes(`STRONGSWAN_CONF=${join(ctx.stateDir, 'strongswan.conf')}`));
    assert.ok(charon?.args.includes(join(ctx.stateDir, 'run', 'charon.pid')), 'the pid file is the gateway own');
    assert.equal(charon?.args.at(-1), '/cache/strongswan/usr/lib/ipsec/charon');
    assert.ok(charon?.args.some((a) => a.startsWith('LD_PRELOAD=') && a.includes('/cache/strongswan/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so')));
    const conf = readFileSync(join(ctx.stateDir, 'strongswan.conf'), 'utf8');
    assert.match(conf, /load = random nonce openssl kdf socket-default kernel-libipsec kernel-netlink vici/);
    assert.ok(conf.includes(`unix://${join(ctx.stateDir, 'run', 'charon.vici')}`));
  });

  void it('raises the buffers of charon\'s UDP sockets once it runs; a failure there only warns', async () => {
    const { runner, processes, log } = await started();
    const [charon] = processes.running('unshare');
    const perl = runner.calls.filter((c) => c.file === 'perl');
    assert.equal(perl.length, 1);
    assert.deepEqual(perl[0]?.args.slice(-2), [String(charon?.pid), String(SOCKET_BUFFER_BYTES)]);
    assert.ok(log.lines.some((l) => l.includes("raised the buffers of charon's UDP sockets")));
  });

  void it('a charon whose socket buffers cannot be raised still runs and loads its connections', async () => {
    const { driver, runner, processes, swan, log } = await started();
    await driver.connectToEndpoint({ endpoint: remote, useIP: '10.250.2.2', useNAT: false });
    runner.failOn('perl', { code: 2, stderr: 'pidfd_getfd(1000, 12): Operation not permitted\n' });
    processes.running('unshare')[0]?.exit(null, 'SIGKILL');
    await new Promise((r) => setImmediate(r));
    await driver.settled();
    assert.equal(processes.running('unshare').length, 1, 'charon restarted');
    assert.deepEqual([...swan.loaded.keys()], [remote.cable_name]);
    assert.ok(log.lines.some((l) => l.includes("could not raise the buffers of charon's UDP sockets") && l.includes('Operation not permitted')));
  });

  void it('with kernel ESP, init picks kernel-netlink and reports no TUN interface', async () => {
    const { driver, ctx } = await started(true);
    assert.equal(driver.espBackend, 'kernel-netlink');
    assert.deepEqual(driver.backendConfig(), {});
    assert.doesNotMatch(readFileSync(join(ctx.stateDir, 'strongswan.conf'), 'utf8'), /load = .*kernel-libipsec/);
  });

  void it('connect loads the connection (swanctl.conf 0600), adds the kill switch and an address in each local subnet it lacks', async () => {
    const { driver, swan, kernel, ctx } = await started();
    assert.equal(await driver.connectToEndpoint({ endpoint: remote, useIP: '10.250.2.2', useNAT: false }), '10.250.2.2');
    assert.deepEqual([...swan.loaded.keys()], [remote.cable_name]);
    assert.deepEqual(swan.initiated, [remote.cable_name]);
    assert.equal(statSync(join(ctx.stateDir, 'swanctl', 'swanctl.conf')).mode & 0o777, 0o600);
    const unreachable = kernel.state().routes.filter((r) => r.type === 'unreachable').map((r) => [r.dst, r.metric]);
    assert.deepEqual(unreachable.sort(), [['10.2.0.0/16', KILL_SWITCH_METRIC], ['100.2.0.0/16', KILL_SWITCH_METRIC]]);
    // cni0 holds 10.1.0.1, inside 10.1.0.0/16; nothing is inside 100.1.0.0/16.
    assert.deepEqual((await ctx.ip.addrList({ dev: 'lo', family: 4 })).map((a) => a.cidr), ['100.1.255.254/32']);
  });

  void it('reports connecting, re-initiates a connection without SAs, then connected with the ESP choice and bytes', async () => {
    const { driver, swan, clock } = await started();
    await driver.connectToEndpoint({ endpoint: remote, useIP: '10.250.2.2', useNAT: false });
    assert.deepEqual(await statuses(driver), [['connecting', 'userspace ESP (kernel-libipsec): IKE SA connecting']]);
    swan.sas.delete(remote.cable_name); // the peer refused: it had not loaded its side yet
    assert.deepEqual(await statuses(driver), [['connecting', 'userspace ESP (kernel-libipsec): no IKE SA yet']]);
    assert.equal(swan.initiated.length, 1, 'no retry before the interval');
    clock.advance(REINITIATE_MS);
    await driver.getConnections();
    assert.equal(swan.initiated.length, 2);
    swan.sas.set(remote.cable_name, { ike: 'ESTABLISHED', child: 'INSTALLED', mode: 'TUNNEL-in-UDP', inBytes: 10, outBytes: 20 });
    assert.deepEqual(await statuses(driver), [['connected', 'userspace ESP (kernel-libipsec): CHILD_SA INSTALLED, TUNNEL-in-UDP, Rx=10 Bytes, Tx=20 Bytes']]);
  });

  void it('reports a pre-shared key mismatch charon logs as an error of that cable only, until the cable comes up', async () => {
    const { driver, swan, processes } = await started();
    const north = remoteEndpoint({ backend: 'strongswan', cluster_id: 'north', cable_name: 'submariner-cable-north-10-250-3-2', private_ip: '10.250.3.2', subnets: ['10.3.0.0/16'] });
    await driver.connectToEndpoint({ endpoint: remote, useIP: '10.250.2.2', useNAT: false });
    await driver.connectToEndpoint({ endpoint: north, useIP: '10.250.3.2', useNAT: false });
    swan.sas.set(remote.cable_name, { ike: 'ESTABLISHED', child: 'INSTALLED', mode: 'TUNNEL-in-UDP' });
    swan.sas.delete(north.cable_name);
    const [charon] = processes.running('unshare');
    charon?.say(`14[IKE] <${north.cable_name}|2> received AUTHENTICATION_FAILED notify error`);
    charon?.say(`14[IKE] <${north.cable_name}|2> establishing IKE_SA failed, peer not responding`);
    assert.deepEqual(await statuses(driver), [
      ['connected', 'userspace ESP (kernel-libipsec): CHILD_SA INSTALLED, TUNNEL-in-UDP, Rx=0 Bytes, Tx=0 Bytes'],
      ['error', "userspace ESP (kernel-libipsec): IKE authentication failed (received AUTHENTICATION_FAILED notify error): the peers' pre-shared keys differ"],
    ]);
    swan.sas.set(north.cable_name, { ike: 'ESTABLISHED', child: 'INSTALLED', mode: 'TUNNEL-in-UDP' });
    assert.equal((await statuses(driver))[1]?.[0], 'connected');
    swan.sas.delete(north.cable_name);
    assert.deepEqual((await statuses(driver))[1], ['connecting', 'userspace ESP (kernel-libipsec): no IKE SA yet'], 'the failure was forgotten once the cable was up');
  });

  void it('adds the last other IKE failure to a connecting cable', async () => {
    const { driver, processes } = await started();
    await driver.connectToEndpoint({ endpoint: remote, useIP: '10.250.2.2', useNAT: false });
    processes.running('unshare')[0]?.say(`11[IKE] <${remote.cable_name}|1> establishing IKE_SA failed, peer not responding`);
    assert.deepEqual(await statuses(driver), [['connecting', 'userspace ESP (kernel-libipsec): IKE SA connecting; last IKE error: establishing IKE_SA failed, peer not responding']]);
  });

  void it('restarts charon when it dies and loads the connections again', async () => {
    const { driver, swan, processes, kernel } = await started();
    await driver.connectToEndpoint({ endpoint: remote, useIP: '10.250.2.2', useNAT: false });
    const [first] = processes.running('unshare');
    first?.exit(null, 'SIGKILL');
    await new Promise((r) => setImmediate(r));
    await driver.settled();
    const [second] = processes.running('unshare');
    assert.ok(second && second !== first, 'a new charon runs');
    assert.deepEqual([...swan.loaded.keys()], [remote.cable_name]);
    assert.equal(kernel.state().links.has(LIBIPSEC_DEVICE), true);
    assert.ok(kernel.state().routes.some((r) => r.type === 'unreachable' && r.dst === '10.2.0.0/16'), 'the kill switch stayed');
  });

  void it('reports an error while charon is down, until it is back', async () => {
    let wake!: () => void;
    const { driver, processes } = await started(false, () => new Promise((r) => (wake = r)));
    await driver.connectToEndpoint({ endpoint: remote, useIP: '10.250.2.2', useNAT: false });
    processes.running('unshare').forEach((p) => p.exit(1));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(await statuses(driver), [['error', 'userspace ESP (kernel-libipsec): charon is not running; restarting it']]);
    wake();
    await driver.settled();
    assert.deepEqual(await statuses(driver), [['connecting', 'userspace ESP (kernel-libipsec): IKE SA connecting']]);
  });

  void it('disconnect unloads and terminates the connection and removes its kill switch', async () => {
    const { driver, swan, kernel } = await started();
    await driver.connectToEndpoint({ endpoint: remote, useIP: '10.250.2.2', useNAT: false });
    await driver.disconnectFromEndpoint(remote);
    assert.deepEqual([...swan.loaded.keys()], []);
    assert.equal(swan.sas.size, 0);
    assert.equal(kernel.state().routes.some((r) => r.type === 'unreachable'), false);
    assert.deepEqual(await driver.getConnections(), []);
  });

  void it('cleanup stops charon and removes the TUN device, table 220 and its rule, the kill switch and the lo address', async () => {
    const { driver, processes, kernel, ctx } = await started();
    await driver.connectToEndpoint({ endpoint: remote, useIP: '10.250.2.2', useNAT: false });
    // What a killed charon leaves: rule 220 (its routes went with its device).
    await kernel.ruleAdd({ priority: 220, table: 220 });
    await kernel.routeAdd({ dst: '10.2.0.0/16', table: 220, dev: 'eth0' });
    await driver.cleanup();
    assert.deepEqual(processes.running(), []);
    assert.equal(kernel.state().links.has(LIBIPSEC_DEVICE), false);
    assert.deepEqual(await ctx.ip.routeList({ table: 220 }), []);
    assert.equal((await ctx.ip.ruleList()).some((r) => r.table === 220), false);
    assert.equal(kernel.state().routes.some((r) => r.type === 'unreachable'), false);
    assert.deepEqual(await ctx.ip.addrList({ dev: 'lo', family: 4 }), []);
  });
});
