import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Connection } from '../../../src/api/generated.js';
import { KILL_SWITCH_METRIC, LIBIPSEC_DEVICE, StrongswanDriver, tsAddress } from '../../../plugins/strongswan/strongswan.js';
import { tcpEcho, twoNodes, type NetnsNode } from '../../support/netns-node.js';
import { skipUnlessRoot } from '../../support/skip.js';
import { eventually } from '../../support/kubectl.js';
import { charonPid, install, swanctl } from '../../support/strongswan.js';

const SERVICE_CIDR = { east: '100.91.0.0/16', west: '100.92.0.0/16' };
const COUNT_CHAIN = 'SS-UNDERLAY';

/** Packet counters of everything the node sends and receives on its underlay eth0, by kind. */
async function countUnderlay(node: NetnsNode, remotePodCidr: string): Promise<void> {
  const ipt = (...args: string[]) => node.runner.run('iptables', ['-w', ...args]);
  await ipt('-N', COUNT_CHAIN);
  await ipt('-A', COUNT_CHAIN, '-p', 'udp', '--sport', '4500', '--dport', '4500', '-m', 'comment', '--comment', 'udp4500');
  await ipt('-A', COUNT_CHAIN, '-d', remotePodCidr, '-m', 'comment', '--comment', 'plaintext-out');
  await ipt('-A', COUNT_CHAIN, '-s', remotePodCidr, '-m', 'comment', '--comment', 'plaintext-in');
  await ipt('-A', COUNT_CHAIN, '-m', 'comment', '--comment', 'all');
  await ipt('-I', 'OUTPUT', '-o', 'eth0', '-j', COUNT_CHAIN);
  await ipt('-I', 'INPUT', '-i', 'eth0', '-j', COUNT_CHAIN);
}

async function counters(node: NetnsNode): Promise<Record<string, number>> {
  const out = (await node.runner.run('iptables', ['-w', '-L', COUNT_CHAIN, '-n', '-v', '-x'])).stdout;
  const c: Record<string, number> = {};
  for (const line of out.split('\n')) {
    const m = /^\s*(\d+)\s+\d+.*\/\* (\S+) \*\//.exec(line);
    if (m) c[m[2] ?? ''] = Number(m[1]);
  }
  return c;
}

const connected = async (d: StrongswanDriver): Promise<Connection[] | undefined> => {
  const conns = await d.getConnections();
  return conns.length > 0 && conns.every((c) => c.status === 'connected') ? conns : undefined;
};


void describe('strongswan: two charons in two network namespaces carry pod traffic in ESP over UDP 4500 (needs root and strongSwan)', { skip: skipUnlessRoot('network namespaces') }, () => {
  let a: NetnsNode;
  let b: NetnsNode;
  let da: StrongswanDriver;
  let db: StrongswanDriver;

  before(async () => {
    [a, b] = await twoNodes('ss-test-');
    // Default routes across the underlay: without the tunnel, pod traffic would flow there in plaintext.
    await a.runner.run('ip', ['route', 'add', 'default', 'via', b.underlayIp]);
    await b.runner.run('ip', ['route', 'add', 'default', 'via', a.underlayIp]);
    await countUnderlay(a, b.podCidr);
    const subnets = (n: NetnsNode) => [n.podCidr, SERVICE_CIDR[n.name as 'east' | 'west']];
    da = new StrongswanDriver(a.context(a.endpoint('strongswan', { subnets: subnets(a) })), { install });
    db = new StrongswanDriver(b.context(b.endpoint('strongswan', { subnets: subnets(b) })), { install });
  });

  after(async () => {
    await da?.cleanup().catch(() => undefined);
    await db?.cleanup().catch(() => undefined);
    await a?.destroy();
    await b?.destroy();
  });

  void it('brings the child SA up in UDP (INSTALLED, TUNNEL-in-UDP), also when one side loads its connection late', async () => {
    await da.init();
    await db.init();
    assert.equal(da.espBackend, 'kernel-libipsec', 'this kernel has no ESP, so ESP runs in charon');
    assert.deepEqual(da.backendConfig(), { 'interface-name': LIBIPSEC_DEVICE });
    // west initiates first, while east has no connection yet and refuses it.
    await db.connectToEndpoint({ endpoint: a.endpoint('strongswan', { subnets: [a.podCidr, SERVICE_CIDR.east] }), useIP: a.underlayIp, useNAT: false });
    await new Promise((r) => setTimeout(r, 1000));
    await da.connectToEndpoint({ endpoint: b.endpoint('strongswan', { subnets: [b.podCidr, SERVICE_CIDR.west] }), useIP: b.underlayIp, useNAT: false });
    const [conn] = await eventually(async () => ((await connected(db)) ? connected(da) : undefined), 45_000, 'both cables connected');
    assert.match(conn?.statusMessage ?? '', /^userspace ESP \(kernel-libipsec\): CHILD_SA INSTALLED, TUNNEL-in-UDP, /);
    assert.match(await swanctl(a, '--list-sas'), /INSTALLED, TUNNEL-in-UDP/);
    // The gateway has no address in its service CIDR: the driver put one on lo.
    assert.ok((await a.ip.addrList({ dev: 'lo', family: 4 })).some((x) => x.cidr === `${tsAddress(SERVICE_CIDR.east)}/32`));
  });

  void it('carries pod-to-pod traffic, and the underlay sees only UDP 4500, never the pod addresses', async () => {
    const before = await counters(a);
    assert.equal(await a.ping(b.podIp, 5), true, 'pod to pod ping through the tunnel');
    const marker = `strongswan-marker-${Date.now()}`;
    assert.equal(await tcpEcho(a, b, marker), marker);
    const after = await counters(a);
    const delta = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
    assert.ok(delta('udp4500') >= 10, `ESP-in-UDP packets on the underlay: ${delta('udp4500')}`);
    assert.equal(delta('plaintext-out') + delta('plaintext-in'), 0, 'no packet with a pod address on the underlay');
    assert.equal(delta('all'), delta('udp4500'), 'every underlay packet is UDP 4500');
  });

  void it('the kill switch holds while charon is dead, and the driver restarts it', async () => {
    const routes = await a.ip.routeList({ family: 4 });
    assert.ok(routes.some((r) => r.dst === b.podCidr && r.type === 'unreachable' && r.metric === KILL_SWITCH_METRIC), 'kill-switch route');
    const pid = charonPid(a);
    const before = await counters(a);
    process.kill(pid, 'SIGKILL');
    await eventually(async () => ((await a.links()).includes(LIBIPSEC_DEVICE) ? undefined : true), 5000, 'ipsec0 gone');
    assert.equal(await a.ping(b.podIp, 1), false, 'no pod traffic while charon is dead');
    assert.equal((await counters(a))['plaintext-out'] ?? 0, before['plaintext-out'] ?? 0, 'nothing left in plaintext');
    await eventually(async () => (charonPid(a) !== pid && (await a.links()).includes(LIBIPSEC_DEVICE) ? true : undefined), 20_000, 'charon restarted');
    await eventually(async () => ((await connected(da)) ? connected(db) : undefined), 45_000, 'the cable connected again');
    await eventually(async () => ((await a.ping(b.podIp, 1)) ? true : undefined), 20_000, 'pod traffic flows again');
    const after = await counters(a);
    assert.equal((after['plaintext-out'] ?? 0) - (before['plaintext-out'] ?? 0), 0, 'still no plaintext on the underlay');
  });

  void it('cleanup removes charon, the TUN device, table 220, its rule, the kill switch and the lo address', async () => {
    const pid = charonPid(a);
    await da.cleanup();
    await db.cleanup();
    assert.equal((await a.links()).includes(LIBIPSEC_DEVICE), false);
    assert.throws(() => process.kill(pid, 0), 'charon is gone');
    assert.deepEqual(await a.ip.routeList({ table: 220, family: 4 }), []);
    assert.equal((await a.ip.ruleList({ family: 4 })).some((r) => r.table === 220), false);
    assert.equal((await a.ip.routeList({ family: 4 })).some((r) => r.type === 'unreachable'), false);
    assert.equal((await a.ip.addrList({ dev: 'lo', family: 4 })).some((x) => x.cidr === `${tsAddress(SERVICE_CIDR.east)}/32`), false);
  });
});
