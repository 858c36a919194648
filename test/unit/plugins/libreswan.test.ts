import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FakeIpsec } from '../../../plugins/fake/ipsec.js';
import { LibreswanDriver } from '../../../plugins/libreswan/libreswan.js';
import { parseEstablishedIke, parseTrafficStatus } from '../../../plugins/libreswan/whack-status.js';
import { driverContext, localEndpoint, PSK, remoteEndpoint } from './support.js';

const remote = remoteEndpoint({ backend: 'libreswan', subnets: ['10.2.0.0/16'] });
const names = (cable: string) => [`${cable}-0-0`, `${cable}-1-0`];

async function started() {
  const t = await driverContext(localEndpoint({ backend: 'libreswan' }));
  const ipsec = new FakeIpsec();
  t.runner.on('ipsec', (c) => ipsec.handle(c));
  t.runner.on('ip xfrm', {});
  t.processes.onStart('ipsec', ipsec.onPlutoStart);
  const driver = new LibreswanDriver(t.ctx);
  await driver.init();
  return { ...t, ipsec, driver };
}

void describe('libreswan cable driver over a fake pluto', () => {
  void it('init writes the secrets file (0600) in the gateway own directory and creates the NSS database', async () => {
    const { ctx } = await started();
    const secrets = join(ctx.stateDir, 'ipsec.d', 'submariner.secrets');
    assert.equal(readFileSync(secrets, 'utf8'), `%any %any : PSK "${PSK}"\n`);
    assert.equal(statSync(secrets).mode & 0o777, 0o600);
    assert.equal(statSync(join(ctx.stateDir, 'nss', 'cert9.db')).isFile(), true);
  });

  void it('the first connection starts this gateway pluto with its own directories, listening', async () => {
    const { driver, processes, ipsec, ctx } = await started();
    assert.deepEqual(processes.started, []);
    await driver.connectToEndpoint({ endpoint: remote, useIP: '10.250.2.2', useNAT: false });
    const [pluto] = processes.running('ipsec');
    const arg = (flag: string) => pluto?.args[pluto.args.indexOf(flag) + 1];
    assert.equal(pluto?.args[0], 'pluto');
    assert.ok(pluto?.args.includes('--nofork'));
    assert.deepEqual([arg('--rundir'), arg('--ipsecdir'), arg('--nssdir')], ['run', 'ipsec.d', 'nss'].map((d) => join(ctx.stateDir, d)));
    assert.equal(ipsec.listening, true);
  });

  void it('adds, routes and initiates one connection per subnet pair', async () => {
    const { driver, ipsec } = await started();
    assert.equal(await driver.connectToEndpoint({ endpoint: remote, useIP: '10.250.2.2', useNAT: false }), '10.250.2.2');
    assert.deepEqual([...ipsec.connections.keys()], names(remote.cable_name));
    assert.ok([...ipsec.connections.values()].every((c) => c.routed && c.initiated));
  });

  void it('reinstalling a cable replaces its connections instead of failing on redefinition', async () => {
    const { driver, ipsec } = await started();
    await driver.connectToEndpoint({ endpoint: remote, useIP: '10.250.2.2', useNAT: false });
    await driver.connectToEndpoint({ endpoint: remote, useIP: '192.168.242.2', useNAT: true });
    assert.deepEqual([...ipsec.connections.keys()], names(remote.cable_name));
    assert.ok([...ipsec.connections.values()].every((c) => c.args.includes('--forceencaps') && c.args.includes('192.168.242.2')));
  });

  void it('reports connecting until an IPsec SA is up, then connected with its bytes', async () => {
    const { driver, ipsec } = await started();
    await driver.connectToEndpoint({ endpoint: remote, useIP: '10.250.2.2', useNAT: false });
    const [first, second] = names(remote.cable_name);
    assert.deepEqual((await driver.getConnections()).map((c) => [c.status, c.statusMessage]), [['connecting', 'no IKE SA yet']]);
    ipsec.ikeUp.add(first!);
    assert.deepEqual((await driver.getConnections()).map((c) => [c.status, c.statusMessage]), [['connecting', 'IKE SA established, no IPsec SA yet']]);
    ipsec.ipsecUp.set(second!, { inBytes: 10, outBytes: 20 });
    assert.deepEqual((await driver.getConnections()).map((c) => [c.status, c.statusMessage]), [['connected', '1 of 2 IPsec SAs up, Rx=10 Bytes, Tx=20 Bytes']]);
  });

  void it('disconnect deletes the connections; cleanup stops pluto and flushes the xfrm state', async () => {
    const { driver, ipsec, processes, runner } = await started();
    await driver.connectToEndpoint({ endpoint: remote, useIP: '10.250.2.2', useNAT: false });
    await driver.disconnectFromEndpoint(remote);
    assert.equal(ipsec.connections.size, 0);
    assert.deepEqual(await driver.getConnections(), []);
    await driver.cleanup();
    assert.deepEqual(processes.running(), []);
    assert.deepEqual(runner.callsTo('ip xfrm').map((c) => c.line), ['ip xfrm policy flush', 'ip xfrm state flush']);
  });

  void it('fails clearly when pluto exits before opening its control socket', async () => {
    const t = await driverContext(localEndpoint({ backend: 'libreswan' }));
    const ipsec = new FakeIpsec();
    t.runner.on('ipsec', (c) => ipsec.handle(c));
    t.processes.onStart('ipsec', (p) => p.exit(1));
    const driver = new LibreswanDriver(t.ctx);
    await driver.init();
    await assert.rejects(driver.connectToEndpoint({ endpoint: remote, useIP: '10.250.2.2', useNAT: false }), /pluto exited before opening its control socket/);
  });

  void it('never puts the PSK in a command line or a log line', async () => {
    const { driver, runner, log } = await started();
    await driver.connectToEndpoint({ endpoint: remote, useIP: '10.250.2.2', useNAT: false });
    assert.equal(runner.calls.some((c) => c.line.includes(PSK)), false);
    assert.equal(log.lines.some((l) => l.includes(PSK)), false);
  });

  void it('parses whack --trafficstatus and --showstates', () => {
    const traffic = [
      '006 #3: "c-0-0", type=ESP, add_time=1590508783, inBytes=5, outBytes=7, id=\'172.17.0.8\'',
      '006 #4: "c-0-0"[1] 3.139.75.179, type=ESP, add_time=1617195756, inBytes=1, outBytes=2, id=\'@10.0.63.203-0-0\'',
      'garbage',
    ].join('\n');
    assert.deepEqual([...parseTrafficStatus(traffic)], [['c-0-0', { inBytes: 6, outBytes: 9 }]]);
    const states = '000 #1: "c-0-0":4500 STATE_V2_ESTABLISHED_IKE_SA (established IKE SA); REKEY in 28202s; newest; idle;\n000 #2: "c-0-1":4500 STATE_V2_PARENT_I1 (sent IKE_SA_INIT request);';
    assert.deepEqual([...parseEstablishedIke(states)], ['c-0-0']);
  });
});
