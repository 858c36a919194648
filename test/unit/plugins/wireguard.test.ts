import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CommandError } from '../../../src/net/command.js';
import { FakeKernel } from '../../../src/net/fake/index.js';
import type { LinkSpec, NsOpt } from '../../../src/net/iproute2/model.js';
import { fakePublicKey, FakeWg } from '../../../plugins/fake/wg.js';
import { parseWgDump, wgPresharedKey } from '../../../plugins/wireguard/wg.js';
import { findWireguardGo } from '../../../plugins/wireguard/install.js';
import { WireGuardDriver } from '../../../plugins/wireguard/wireguard.js';
import { driverContext, gatewayKernel, localEndpoint, PSK, remoteEndpoint } from './support.js';

/** A kernel without the WireGuard module, as on this project's machines. */
class NoWireGuardKernel extends FakeKernel {
  override async linkAdd(spec: LinkSpec, o?: NsOpt): Promise<void> {
    if (spec.kind === 'wireguard') throw new CommandError(['ip', 'link', 'add', 'name', spec.name, 'type', 'wireguard'], { code: 2, stderr: 'Error: Unknown device type.\n' });
    return super.linkAdd(spec, o);
  }
}

const REMOTE_KEY = fakePublicKey('remote-private');
const remote = remoteEndpoint({ backend: 'wireguard', backend_config: { 'udp-port': '4501', publicKey: REMOTE_KEY } });

async function started(kernel?: FakeKernel) {
  const t = await driverContext(localEndpoint({ backend: 'wireguard' }), await gatewayKernel(kernel));
  const wg = new FakeWg((dev) => t.kernel.state().links.has(dev));
  t.runner.on('wg', (c) => wg.handle(c));
  t.processes.onStart('wireguard-go', (p) => {
    t.kernel.state().addLink({ name: p.args[1] ?? '', kind: 'tun', mtu: 1420, up: false, address: '00:00:00:00:00:00' });
  });
  let now = 1_800_000_000_000;
  const clock = { set: (ms: number) => (now = ms), get: () => now };
  const driver = new WireGuardDriver(t.ctx, () => now, 'wireguard-go');
  await driver.init();
  return { ...t, wg, driver, clock, st: t.kernel.state() };
}

void describe('wireguard cable driver over the fake kernel and a fake wg', () => {
  void it('uses the kernel device when there is one, with fresh keys and the udp-port', async () => {
    const { wg, driver, processes, st } = await started();
    assert.equal(st.links.get('submariner')?.kind, 'wireguard');
    assert.equal(st.links.get('submariner')?.up, true);
    assert.deepEqual(processes.started, []);
    const dev = wg.devices.get('submariner');
    assert.equal(dev?.listenPort, 4500);
    assert.deepEqual(driver.backendConfig(), { publicKey: fakePublicKey(dev?.privateKey ?? ''), 'interface-name': 'submariner' });
  });

  void it('starts wireguard-go in the foreground when the kernel has no WireGuard', async () => {
    const { processes, st, driver } = await started(new NoWireGuardKernel());
    assert.deepEqual(processes.running().map((p) => p.line), ['wireguard-go -f submariner']);
    assert.equal(st.links.get('submariner')?.up, true);
    await driver.cleanup();
    assert.deepEqual(processes.running(), []);
    assert.equal(st.links.has('submariner'), false);
  });

  void it('generates new keys at every start', async () => {
    const first = await started();
    const key = first.driver.backendConfig().publicKey;
    await first.driver.init();
    assert.notEqual(first.driver.backendConfig().publicKey, key);
  });

  void it('connect adds one peer (endpoint, allowed IPs, keepalive, PSK from SHA-256) and routes through the device', async () => {
    const { driver, wg, st } = await started();
    assert.equal(await driver.connectToEndpoint({ endpoint: remote, useIP: '192.168.242.2', useNAT: true }), '192.168.242.2');
    const peer = wg.devices.get('submariner')?.peers.get(REMOTE_KEY);
    assert.deepEqual(peer && { endpoint: peer.endpoint, allowed: peer.allowedIps, keepalive: peer.keepalive, psk: peer.presharedKey }, {
      endpoint: '192.168.242.2:4501',
      allowed: ['100.2.0.0/16', '10.2.0.0/16'],
      keepalive: 10,
      psk: wgPresharedKey(PSK),
    });
    assert.deepEqual(
      st.routes.filter((r) => r.dev === 'submariner').map((r) => [r.dst, r.src, r.table]),
      [['100.2.0.0/16', '10.1.0.1', 254], ['10.2.0.0/16', '10.1.0.1', 254]],
    );
  });

  void it('reports connecting, then connected after a handshake, then an error when handshakes stop', async () => {
    const { driver, wg, clock } = await started();
    await driver.connectToEndpoint({ endpoint: remote, useIP: '10.250.2.2', useNAT: false });
    assert.deepEqual((await driver.getConnections()).map((c) => [c.status, c.statusMessage]), [['connecting', 'no initial handshake yet']]);
    wg.handshake('submariner', REMOTE_KEY, clock.get() / 1000, 1024, 2048);
    assert.deepEqual((await driver.getConnections()).map((c) => [c.status, c.statusMessage]), [['connected', 'Rx=1024 Bytes, Tx=2048 Bytes']]);
    clock.set(clock.get() + 200_000);
    assert.deepEqual((await driver.getConnections()).map((c) => [c.status, c.statusMessage]), [['error', 'no handshake for 200.0 seconds']]);
  });

  void it('reports an error when the first handshake never comes', async () => {
    const { driver, clock } = await started();
    await driver.connectToEndpoint({ endpoint: remote, useIP: '10.250.2.2', useNAT: false });
    clock.set(clock.get() + 131_000);
    assert.deepEqual((await driver.getConnections()).map((c) => c.status), ['error']);
  });

  void it('replaces the peer of a cluster whose gateway changed its key', async () => {
    const { driver, wg } = await started();
    await driver.connectToEndpoint({ endpoint: remote, useIP: '10.250.2.2', useNAT: false });
    const newKey = fakePublicKey('restarted');
    await driver.connectToEndpoint({ endpoint: { ...remote, backend_config: { publicKey: newKey } }, useIP: '10.250.2.2', useNAT: false });
    assert.deepEqual([...(wg.devices.get('submariner')?.peers.keys() ?? [])], [newKey]);
  });

  void it('refuses a remote Endpoint without a valid public key', async () => {
    const { driver } = await started();
    await assert.rejects(driver.connectToEndpoint({ endpoint: remoteEndpoint({ backend: 'wireguard' }), useIP: '10.250.2.2', useNAT: false }), /has no valid WireGuard publicKey/);
  });

  void it('disconnect removes the peer and its routes; cleanup removes the device', async () => {
    const { driver, wg, st } = await started();
    await driver.connectToEndpoint({ endpoint: remote, useIP: '10.250.2.2', useNAT: false });
    await driver.disconnectFromEndpoint(remote);
    assert.equal(wg.devices.get('submariner')?.peers.size, 0);
    assert.deepEqual(st.routes.filter((r) => r.dev === 'submariner'), []);
    assert.deepEqual(await driver.getConnections(), []);
    await driver.cleanup();
    assert.equal(st.links.has('submariner'), false);
  });

  void it('never logs or passes on the command line the PSK or the private key', async () => {
    const { driver, wg, log, runner, ctx } = await started();
    await driver.connectToEndpoint({ endpoint: remote, useIP: '10.250.2.2', useNAT: false });
    await driver.getConnections();
    const secrets = [PSK, wgPresharedKey(PSK), wg.devices.get('submariner')?.privateKey ?? 'x'];
    for (const secret of secrets) {
      assert.equal(log.lines.some((l) => l.includes(secret)), false);
      assert.equal(runner.calls.some((c) => c.args.includes(secret)), false);
    }
    assert.deepEqual(readdirSync(join(ctx.stateDir, 'wireguard')), [], 'key files are removed once wg has read them');
  });

  void it('parses `wg show dump` peers', () => {
    const dump = 'priv\tpub\t4500\toff\nK1\tpsk\t10.0.0.2:4500\t10.2.0.0/16,100.2.0.0/16\t1700000000\t10\t20\t10\nK2\t(none)\t(none)\t(none)\t0\t0\t0\toff\n';
    assert.deepEqual(parseWgDump(dump), [
      { publicKey: 'K1', endpoint: '10.0.0.2:4500', allowedIps: ['10.2.0.0/16', '100.2.0.0/16'], latestHandshake: 1700000000, rxBytes: 10, txBytes: 20 },
      { publicKey: 'K2', endpoint: undefined, allowedIps: [], latestHandshake: 0, rxBytes: 0, txBytes: 0 },
    ]);
  });

  void it('starts the wireguard-go built into the cache, else the one on PATH', () => {
    const env = { KSUB_CACHE: '/var/cache/ksub' };
    assert.equal(findWireguardGo(env, (p) => p === '/var/cache/ksub/wireguard-go/wireguard-go'), '/var/cache/ksub/wireguard-go/wireguard-go');
    assert.equal(findWireguardGo(env, () => false), 'wireguard-go');
  });
});
