// strongSwan cables in real network namespaces under faults: a gateway with the wrong pre-shared key beside two
// good ones, a rekey under continuous traffic, charon killed under forwarded pod traffic (both underlays
// counted), and the cleanup of every gateway.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Connection } from '../../../src/api/generated.js';
import { ExecRunner } from '../../../src/net/command.js';
import { SOCKET_BUFFER_BYTES } from '../../../plugins/strongswan/socket-buffers.js';
import { CHARON_TABLE, KILL_SWITCH_METRIC, LIBIPSEC_DEVICE, StrongswanDriver } from '../../../plugins/strongswan/strongswan.js';
import { eventually } from '../../support/kubectl.js';
import { podBehind, switchedNodes, type NetnsNode, type SwitchedNodes } from '../../support/netns-node.js';
import { skipUnlessRoot } from '../../support/skip.js';
import { charonPid, install, swanctl } from '../../support/strongswan.js';

const host = new ExecRunner();
const WRONG_PSK = Buffer.from('not-the-cluster-set-psk-0123456789').toString('base64');
const COUNT_CHAIN = 'SS-UNDERLAY';

const byCable = async (d: StrongswanDriver): Promise<Map<string, Connection>> => new Map((await d.getConnections()).map((c) => [c.endpoint.cluster_id, c]));

/** The names of the processes in the node's network namespace, the namespace holder (sleep) left out. */
async function processesIn(node: NetnsNode): Promise<string[]> {
  const pids = (await host.run('ip', ['netns', 'pids', node.netns])).stdout.split('\n').filter((p) => p !== '');
  const names = pids.map((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      return '';
    }
  });
  return names.filter((n) => n !== '' && n !== 'sleep');
}

/**
 * Counts, on the node's underlay eth0, every packet leaving (mangle POSTROUTING: sent and forwarded) and
 * arriving (raw PREROUTING), by kind: ESP in UDP 4500, a packet with an address of `plainCidrs`, anything.
 */
async function countUnderlay(node: NetnsNode, plainCidrs: readonly string[]): Promise<void> {
  for (const [table, hook, dir] of [['mangle', 'POSTROUTING', '-o'], ['raw', 'PREROUTING', '-i']] as const) {
    const ipt = (...args: string[]) => node.runner.run('iptables', ['-w', '-t', table, ...args]);
    await ipt('-N', COUNT_CHAIN);
    await ipt('-A', COUNT_CHAIN, '-p', 'udp', '--sport', '4500', '--dport', '4500', '-m', 'comment', '--comment', 'udp4500');
    for (const cidr of plainCidrs) {
      await ipt('-A', COUNT_CHAIN, '-d', cidr, '-m', 'comment', '--comment', 'plaintext');
      await ipt('-A', COUNT_CHAIN, '-s', cidr, '-m', 'comment', '--comment', 'plaintext');
    }
    await ipt('-A', COUNT_CHAIN, '-m', 'comment', '--comment', 'all');
    await ipt('-I', hook, dir, 'eth0', '-j', COUNT_CHAIN);
  }
}

async function counters(node: NetnsNode): Promise<Record<string, number>> {
  const c: Record<string, number> = {};
  for (const table of ['mangle', 'raw']) {
    const out = (await node.runner.run('iptables', ['-w', '-t', table, '-L', COUNT_CHAIN, '-n', '-v', '-x'])).stdout;
    for (const line of out.split('\n')) {
      const m = /^\s*(\d+)\s+\d+.*\/\* (\S+) \*\//.exec(line);
      if (m) c[m[2] ?? ''] = (c[m[2] ?? ''] ?? 0) + Number(m[1]);
    }
  }
  return c;
}

const delta = (before: Record<string, number>, after: Record<string, number>, k: string): number => (after[k] ?? 0) - (before[k] ?? 0);

/** `ping` from `runner` to `dst` every `intervalS` for `count` packets: what was sent and what came back. */
async function pingCounted(runner: { run: ExecRunner['run'] }, dst: string, count: number, intervalS: number): Promise<{ sent: number; received: number }> {
  const r = await runner.run('ping', ['-n', '-q', '-i', String(intervalS), '-c', String(count), '-W', '2', dst], { allowFailure: true, timeoutMs: (count * intervalS + 30) * 1000 });
  const m = /(\d+) packets transmitted, (\d+) received/.exec(r.stdout);
  if (!m) throw new Error(`ping printed no statistics: ${r.stdout} ${r.stderr}`);
  return { sent: Number(m[1]), received: Number(m[2]) };
}

void describe('strongswan under faults: three gateways, one with the wrong pre-shared key (needs root and strongSwan)', { skip: skipUnlessRoot('network namespaces') }, () => {
  let nodes: SwitchedNodes;
  let east: NetnsNode;
  let west: NetnsNode;
  let north: NetnsNode;
  const drivers = new Map<string, StrongswanDriver>();
  const driver = (n: NetnsNode): StrongswanDriver => drivers.get(n.name) as StrongswanDriver;
  let pod: Awaited<ReturnType<typeof podBehind>> | undefined;

  before(async () => {
    nodes = await switchedNodes('ss-fault-', 3);
    [east, west, north] = nodes.nodes as [NetnsNode, NetnsNode, NetnsNode];
    // Default routes across the underlay: without the tunnel, pod traffic would flow there in plaintext.
    await east.runner.run('ip', ['route', 'add', 'default', 'via', west.underlayIp]);
    await west.runner.run('ip', ['route', 'add', 'default', 'via', east.underlayIp]);
    for (const n of [east, west, north]) {
      const ctx = n.context(n.endpoint('strongswan'));
      if (n === north) ctx.settings = { ...ctx.settings, psk: WRONG_PSK };
      drivers.set(n.name, new StrongswanDriver(ctx, { install }));
      await driver(n).init();
    }
    for (const n of [east, west, north]) {
      for (const peer of [east, west, north].filter((p) => p !== n)) {
        await driver(n).connectToEndpoint({ endpoint: peer.endpoint('strongswan'), useIP: peer.underlayIp, useNAT: false });
      }
    }
  });

  after(async () => {
    for (const d of drivers.values()) await d.cleanup().catch(() => undefined);
    await pod?.destroy();
    await nodes?.destroy();
  });

  void it('reports the IKE authentication failure on every cable to the gateway with the wrong key, while east and west connect', async () => {
    await eventually(async () => {
      const e = await byCable(driver(east));
      const w = await byCable(driver(west));
      return e.get('west')?.status === 'connected' && w.get('east')?.status === 'connected' && e.get('north')?.status === 'error' && w.get('north')?.status === 'error' ? true : undefined;
    }, 60_000, 'east and west connected, their cables to north failed');
    for (const n of [east, west]) {
      const c = (await byCable(driver(n))).get('north');
      assert.equal(c?.status, 'error');
      assert.match(c?.statusMessage ?? '', /IKE authentication failed \((received AUTHENTICATION_FAILED notify error|tried 1 shared key .* but MAC mismatched)\): the peers' pre-shared keys differ/);
    }
    const n = await eventually(async () => {
      const conns = await driver(north).getConnections();
      return conns.length === 2 && conns.every((c) => c.status === 'error') ? conns : undefined;
    }, 30_000, 'north reports both cables failed');
    assert.ok(n.every((c) => /pre-shared keys differ/.test(c.statusMessage)), JSON.stringify(n.map((c) => c.statusMessage)));
    assert.equal(await east.ping(west.podIp, 5), true, 'east to west through the tunnel');
    // charon's ESP socket got the driver's buffers, not the kernel's 208 KiB default (ss shows the doubled size).
    const ss = (await east.runner.run('ss', ['-uamnH', 'sport = :4500'])).stdout;
    const rb = [...ss.matchAll(/rb(\d+)/g)].map((m) => Number(m[1]));
    assert.ok(rb.length > 0 && rb.every((b) => b >= 2 * SOCKET_BUFFER_BYTES), `receive buffers of charon's UDP 4500 sockets: ${rb.join(', ')}`);
    // Charon's log names the key's peers, never the key.
    assert.equal(n.some((c) => c.statusMessage.includes(WRONG_PSK)), false);
  });

  void it('a CHILD_SA rekey and an IKE_SA rekey lose no packet of a continuous ping between pods', async () => {
    pod = await podBehind(east);
    const conn = west.endpoint('strongswan').cable_name;
    const sasBefore = await swanctl(east, '--list-sas', '--ike', conn);
    const probe = pingCounted(pod.runner, west.podIp, 300, 0.02);
    await new Promise((r) => setTimeout(r, 1500));
    await swanctl(east, '--rekey', '--child', conn);
    await new Promise((r) => setTimeout(r, 1500));
    await swanctl(west, '--rekey', '--ike', east.endpoint('strongswan').cable_name);
    const { sent, received } = await probe;
    const sasAfter = await swanctl(east, '--list-sas', '--ike', conn);
    const spis = (text: string) => [...text.matchAll(/^\s+in\s+([0-9a-f]{8})/gm)].map((m) => m[1]);
    const ikeIds = (text: string) => [...text.matchAll(/^\S+: #(\d+),/gm)].map((m) => m[1]);
    assert.notDeepEqual(spis(sasAfter), spis(sasBefore), `the CHILD_SA was rekeyed:\n${sasBefore}\n${sasAfter}`);
    assert.notDeepEqual(ikeIds(sasAfter), ikeIds(sasBefore), 'the IKE_SA was rekeyed');
    assert.equal(sent, 300);
    assert.equal(received, sent, `${sent - received} of ${sent} pings lost across the rekeys`);
    assert.equal((await byCable(driver(east))).get('west')?.status, 'connected');
  });

  void it('with charon killed under pod traffic, no plaintext packet crosses either underlay, and the driver restarts charon', async () => {
    assert.ok(pod, 'the pod of the rekey test');
    const plain = [east.podCidr, west.podCidr];
    await countUnderlay(east, plain);
    await countUnderlay(west, plain);
    const before = { east: await counters(east), west: await counters(west) };
    const routes = await east.ip.routeList({ family: 4 });
    assert.ok(routes.some((r) => r.dst === west.podCidr && r.type === 'unreachable' && r.metric === KILL_SWITCH_METRIC), 'kill-switch route');
    // 20 s of pings from the pod (forwarded by east) across the kill and the restart.
    const probe = pingCounted(pod.runner, west.podIp, 400, 0.05);
    await new Promise((r) => setTimeout(r, 2000));
    const pid = charonPid(east);
    process.kill(pid, 'SIGKILL');
    await eventually(async () => ((await east.links()).includes(LIBIPSEC_DEVICE) ? undefined : true), 5000, 'ipsec0 gone');
    await eventually(async () => (charonPid(east) !== pid && (await east.links()).includes(LIBIPSEC_DEVICE) ? true : undefined), 20_000, 'charon restarted');
    await eventually(async () => ((await byCable(driver(east))).get('west')?.status === 'connected' ? true : undefined), 45_000, 'the cable connected again');
    const { sent, received } = await probe;
    const after = { east: await counters(east), west: await counters(west) };
    assert.ok(received < sent, `pings were refused while charon was down (${received} of ${sent} came back)`);
    assert.ok(received > 0, 'pings came back before the kill and after the restart');
    assert.ok(await pingCounted(pod.runner, west.podIp, 5, 0.2).then((r) => r.received === 5), 'the pod reaches west again');
    for (const side of ['east', 'west'] as const) {
      assert.equal(delta(before[side], after[side], 'plaintext'), 0, `no packet with a pod address on ${side}'s underlay`);
      assert.ok(delta(before[side], after[side], 'udp4500') > 0, `ESP in UDP 4500 on ${side}'s underlay`);
    }
  });

  void it('cleanup leaves no charon, TUN device, table 220 route or rule, kill switch or lo address on any gateway', async () => {
    const pids = [east, west, north].map(charonPid);
    for (const n of [east, west, north]) await driver(n).cleanup();
    for (const n of [east, west, north]) {
      assert.deepEqual(await processesIn(n), [], `processes left in ${n.name}'s namespace`);
      assert.equal((await n.links()).includes(LIBIPSEC_DEVICE), false, `${n.name}: ${LIBIPSEC_DEVICE}`);
      assert.deepEqual(await n.ip.routeList({ table: CHARON_TABLE, family: 4 }), [], `${n.name}: table ${CHARON_TABLE}`);
      assert.equal((await n.ip.ruleList({ family: 4 })).some((r) => r.table === CHARON_TABLE), false, `${n.name}: rule to table ${CHARON_TABLE}`);
      assert.equal((await n.ip.routeList({ family: 4 })).some((r) => r.type === 'unreachable'), false, `${n.name}: kill switch`);
      assert.deepEqual((await n.ip.addrList({ dev: 'lo', family: 4 })).map((a) => a.cidr), ['127.0.0.1/8'], `${n.name}: lo addresses`);
    }
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), `charon ${pid} is gone`);
  });
});
