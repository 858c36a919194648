// Data plane benchmark on a sandbox fleet of two clusters: TCP throughput (iperf3) and round-trip time (ping)
// from a pod on cluster1's worker to a pod on cluster2's worker through the vxlan, wireguard and strongswan cables,
// and, as subctl's gateway → gateway benchmark, from a pod on cluster1's active gateway to one on cluster2's (no
// route agent hop), each beside a veth pair straight between the same two pod namespaces (for strongswan: bare
// charon between two plain namespaces on the sandbox's public network, round by round with the cable; for
// wireguard and vxlan also one bare tunnel between the two active gateways, the ceiling of the cable, in each
// gateway → gateway round just after it and after the cable between the same two gateway namespaces, and for
// wireguard a second one with the cable's GOMAXPROCS); and the traffic interruption when cluster2's active gateway pod is
// deleted (median of 5; the agents' logs of one over 2 s are kept). BENCH_DATAPLANE_DRIVERS=strongswan,... picks
// drivers, BENCH_DATAPLANE_FAILOVERS=0 skips the failovers.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExecRunner } from '../../src/net/command.js';
import { exampleImages } from '../../src/image/debian-image.js';
import { sandboxDown, sandboxUp } from '../../src/sandbox/control.js';
import { binaries } from '../../src/sandbox/binaries/versions.js';
import { fleetTopology } from '../../src/sandbox/topology.js';
import { podNetnsName } from '../../src/sandbox/kubelet/pod/network.js';
import { eventually, kubectlFor, type Kubectl } from '../support/kubectl.js';
import { connectClusters, disconnectClusters } from '../support/submariner.js';
import { VXLAN_IFACE } from '../../plugins/vxlan/vxlan.js';
import { WG_IFACE } from '../../plugins/wireguard/wireguard.js';
import { startBareStrongswan } from './bare-strongswan.js';
import { iperfBetween, linkMtu, startBareTunnel, type BarePath, type BareSide, type BareTunnel } from './bare-tunnel.js';
import { bitRate, iperfReceivedBps, longestGapMs, pingAverageMs, pingReplyTimes } from './dataplane-parse.js';
import { median, ms, printBench, sec, type BenchRow } from './table.js';

const runner = new ExecRunner();
const fleetName = 'bench-dataplane';
const options = { clusters: 2, nodes: 3, gateways: 2, overlapping: false, hub: false };
const ns = 'bench-dataplane';
const allDrivers = ['vxlan', 'wireguard', 'strongswan'] as const;
const throughputRounds = 5;
const iperfSeconds = 5;
/** BENCH_DATAPLANE_FAILOVERS=0 skips the failovers (5 by default). */
const failovers = failoverCount(process.env.BENCH_DATAPLANE_FAILOVERS);
const probeIntervalS = 0.05;
/** The veth pair of the baseline, in the RFC 2544 benchmarking range. */
const veth = { name: 'bench0', client: '198.18.0.1', server: '198.18.0.2', prefix: 30 };
const gatewayNs = 'submariner-operator';

function failoverCount(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 5;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 50) throw new Error(`BENCH_DATAPLANE_FAILOVERS=${JSON.stringify(raw)} is invalid: give a whole number from 0 to 50`);
  return n;
}

const progress = (message: string) => process.stderr.write(`dataplane benchmark: ${message}\n`);

/** The pod `name` on `nodeName`: the client (the toolbox) or the iperf3 server. */
const workload = (side: 'client' | 'server', name: string, nodeName: string) =>
  side === 'client'
    ? { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName, containers: [{ name: 'toolbox', image: exampleImages.toolbox.name }] } }
    : {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name },
        spec: { nodeName, containers: [{ name: 'iperf3', image: exampleImages.toolbox.name, command: ['iperf3', '-s'], ports: [{ containerPort: 5201 }] }] },
      };

/** Waits until no other sandbox holds the host's fixed links (`ksub-api`), for at most 30 minutes. */
export async function waitHostFree(): Promise<void> {
  const deadline = Date.now() + 30 * 60_000;
  let told = false;
  while ((await runner.run('ip', ['link', 'show', 'ksub-api'], { allowFailure: true })).code === 0) {
    if (Date.now() > deadline) throw new Error('the host link ksub-api still exists after 30 minutes: another sandbox is running here; stop it with `kubectl submariner sandbox down` and run again');
    if (!told) progress('another sandbox is running on this host (ksub-api exists); waiting for it to go');
    told = true;
    await sleep(10_000);
  }
}

/** A client pod in cluster1 and a server pod in cluster2, on the nodes a path names. */
interface Pods {
  client: Kubectl;
  server: Kubectl;
  clientPod: string;
  serverPod: string;
  serverIp: string;
  clientNetns: string;
  serverNetns: string;
}

async function deployPods(kubeconfig: string, names: { client: string; server: string }, nodes: { client: string; server: string }): Promise<Pods> {
  const client = kubectlFor(kubeconfig, 'cluster1');
  const server = kubectlFor(kubeconfig, 'cluster2');
  for (const [k, side] of [[client, 'client'], [server, 'server']] as const) {
    await k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));
    await k(['apply', '-n', ns, '-f', '-'], JSON.stringify(workload(side, names[side], nodes[side])));
  }
  await client(['-n', ns, 'wait', '--for=condition=Ready', `pod/${names.client}`, '--timeout=120s']);
  await server(['-n', ns, 'wait', '--for=condition=Ready', `pod/${names.server}`, '--timeout=120s']);
  const field = async (k: Kubectl, pod: string, path: string) => (await k(['-n', ns, 'get', 'pod', pod, '-o', `jsonpath={${path}}`])).trim();
  return {
    client,
    server,
    clientPod: names.client,
    serverPod: names.server,
    serverIp: await field(server, names.server, '.status.podIP'),
    clientNetns: podNetnsName(await field(client, names.client, '.metadata.uid')),
    serverNetns: podNetnsName(await field(server, names.server, '.metadata.uid')),
  };
}

/** Deletes both pods at once, each whatever became of the other, without waiting out the toolbox's sleep. */
async function deletePods(k: { client: Kubectl; server: Kubectl }, names: { client: string; server: string }): Promise<void> {
  const del = (kc: Kubectl, pod: string) => kc.result(['-n', ns, 'delete', 'pod', pod, '--ignore-not-found', '--grace-period=1', '--wait=true']);
  const failed = (await Promise.all([del(k.client, names.client), del(k.server, names.server)])).filter((r) => r.code !== 0);
  if (failed.length > 0) throw new Error(`cannot delete the benchmark's pods: ${failed.map((r) => r.stderr.trim()).join('; ')}`);
}

/** A veth pair straight between the two pods' network namespaces, with a /30 on it. */
async function createBaseline(p: Pods): Promise<void> {
  await runner.run('ip', ['link', 'add', veth.name, 'netns', p.clientNetns, 'type', 'veth', 'peer', 'name', veth.name, 'netns', p.serverNetns]);
  for (const [netns, address] of [[p.clientNetns, veth.client], [p.serverNetns, veth.server]] as const) {
    await runner.run('ip', ['-n', netns, 'addr', 'add', `${address}/${veth.prefix}`, 'dev', veth.name]);
    await runner.run('ip', ['-n', netns, 'link', 'set', veth.name, 'up']);
  }
}

async function deleteBaseline(p: Pods): Promise<void> {
  await runner.run('ip', ['-n', p.clientNetns, 'link', 'del', veth.name], { allowFailure: true });
}

async function iperf(p: Pods, address: string): Promise<number> {
  const args = ['-n', ns, 'exec', p.clientPod, '--', 'iperf3', '-c', address, '-t', String(iperfSeconds), '-O', '1', '-J'];
  for (let attempt = 1; ; attempt++) {
    const r = await p.client.result(args);
    try {
      return iperfReceivedBps(r.stdout);
    } catch (err) {
      // The server serves one test at a time and may still be closing the previous one.
      if (attempt === 3) throw new Error(`iperf3 to ${address} failed (exit ${r.code}): ${err instanceof Error ? err.message : String(err)} ${r.stderr}`);
      await sleep(2000);
    }
  }
}

async function rtt(p: Pods, address: string): Promise<number> {
  await p.client.result(['-n', ns, 'exec', p.clientPod, '--', 'ping', '-n', '-q', '-c', '3', '-i', '0.2', '-W', '1', address]);
  const r = await p.client.result(['-n', ns, 'exec', p.clientPod, '--', 'ping', '-n', '-q', '-c', '20', '-i', String(probeIntervalS), '-W', '1', address]);
  return pingAverageMs(r.stdout);
}

// ---------------------------------------------------------------- failover

const probes = new Set<ChildProcess>();

const probeSeconds = 150;
const recoveryLimitMs = 120_000;

interface Probe {
  lines: string[];
  running: () => boolean;
  stop: () => Promise<void>;
}

/**
 * `ping -D` from the client pod every 50 ms for at most 150 s, its lines read as they come. A count, not a
 * deadline (-w): with a deadline ping stops at the first "Destination Host Unreachable".
 */
function startProbe(kubeconfig: string, address: string): Probe {
  const count = String(Math.round(probeSeconds / probeIntervalS));
  const child = spawn(
    binaries().kubectl,
    ['--kubeconfig', kubeconfig, '--context', 'cluster1', '-n', ns, 'exec', workerPods.client, '--', 'ping', '-D', '-n', '-i', String(probeIntervalS), '-c', count, address],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  probes.add(child);
  const lines: string[] = [];
  let partial = '';
  child.stdout?.on('data', (d: Buffer) => {
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', () => undefined);
  return {
    lines,
    running: () => child.exitCode === null && child.signalCode === null,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      probes.delete(child);
    },
  };
}

interface GatewayPod {
  name: string;
  node: string;
  active: boolean;
  ready: boolean;
}

async function gateways(k: Kubectl): Promise<GatewayPod[]> {
  const list = JSON.parse(await k(['-n', gatewayNs, 'get', 'pods', '-l', 'app=submariner-gateway', '-o', 'json'])) as {
    items: { metadata: { name: string; deletionTimestamp?: string; labels?: Record<string, string> }; spec: { nodeName?: string }; status: { conditions?: { type: string; status: string }[] } }[];
  };
  return list.items
    .filter((p) => p.metadata.deletionTimestamp === undefined)
    .map((p) => ({
      name: p.metadata.name,
      node: p.spec.nodeName ?? '',
      active: p.metadata.labels?.['gateway.submariner.io/status'] === 'active',
      ready: p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    }));
}

/** Both gateway pods of cluster2 ready, one of them active: the state a failover starts from. */
async function settledGateways(k: Kubectl): Promise<GatewayPod> {
  return eventually(async () => {
    const gws = await gateways(k);
    const active = gws.filter((g) => g.active);
    return gws.length === 2 && gws.every((g) => g.ready) && active.length === 1 ? active[0] : undefined;
  }, 180_000, 'two ready gateway pods in cluster2, one active');
}

/** A failover slower than this keeps the agents' logs for a look. */
const slowFailoverMs = 2000;

/**
 * Writes the gateway and route agent logs of both clusters (the last 5 minutes) and the ping's lines to a new
 * directory, and names it.
 */
async function keepFailoverLogs(p: Pods, round: number, deleted: GatewayPod, deletedAt: number, ping: readonly string[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `bench-failover-${round}-`));
  for (const [k, cluster] of [[p.client, 'cluster1'], [p.server, 'cluster2']] as const) {
    for (const app of ['submariner-gateway', 'submariner-routeagent']) {
      const r = await k.result(['-n', gatewayNs, 'logs', '-l', `app=${app}`, '--all-containers', '--prefix', '--timestamps', '--since=5m', '--tail=-1']);
      writeFileSync(join(dir, `${cluster}-${app}.log`), r.stdout + r.stderr);
    }
  }
  writeFileSync(join(dir, 'ping.log'), [`deleted ${deleted.name} on ${deleted.node} at ${new Date(deletedAt).toISOString()}`, ...ping, ''].join('\n'));
  progress(`failover ${round}: over ${slowFailoverMs / 1000} s; the agents' logs and the ping are in ${dir}`);
}

/**
 * Deletes cluster2's active gateway pod under a 50 ms ping and returns the longest gap between replies, in
 * ms; Infinity when traffic has not resumed steadily within two minutes.
 */
async function failover(kubeconfig: string, p: Pods, round: number): Promise<number> {
  const active = await settledGateways(p.server);
  await sleep(3000);
  const probe = startProbe(kubeconfig, p.serverIp);
  try {
    await eventually(async () => (pingReplyTimes(probe.lines).length >= 20 ? true : undefined), 30_000, 'ping replies before the failover');
    const deletedAt = Date.now();
    await p.server(['-n', gatewayNs, 'delete', 'pod', active.name, '--wait=false']);
    const deadline = deletedAt + recoveryLimitMs;
    let takenOver = false;
    for (;;) {
      await sleep(250);
      takenOver ||= (await gateways(p.server).catch(() => [])).some((g) => g.active && g.node !== active.node);
      const replies = pingReplyTimes(probe.lines);
      const last = replies.at(-1) ?? 0;
      // Recovered: the other gateway is active and replies have come steadily for the last 5 s.
      const steady = takenOver && Date.now() - last < 500 && longestGapMs(replies, Date.now() - 5000) < 500 && last - deletedAt > 5000;
      if (steady) {
        const gap = longestGapMs(replies, deletedAt);
        progress(`failover ${round}: ${active.node} -> another gateway, longest gap between replies ${gap.toFixed(0)} ms`);
        if (gap > slowFailoverMs) await keepFailoverLogs(p, round, active, deletedAt, probe.lines);
        return gap;
      }
      if (!probe.running()) {
        await keepFailoverLogs(p, round, active, deletedAt, probe.lines);
        throw new Error(`failover ${round}: the ping in the client pod ended early:\n${probe.lines.slice(-10).join('\n')}`);
      }
      if (Date.now() > deadline) {
        progress(`failover ${round}: traffic did not resume steadily within ${recoveryLimitMs / 1000} s of deleting ${active.name} on ${active.node}${takenOver ? '' : ' (no other gateway became active)'}`);
        await keepFailoverLogs(p, round, active, deletedAt, probe.lines);
        return Infinity;
      }
    }
  } finally {
    await probe.stop();
  }
}

// ---------------------------------------------------------------- bare tunnels between the gateways

/** The cables whose ceiling is one bare tunnel between the two active gateways, and their devices. */
const bareTunnels: Partial<Record<string, { kind: BareTunnel; dev: string }>> = {
  wireguard: { kind: 'wireguard-go', dev: WG_IFACE },
  vxlan: { kind: 'vxlan', dev: VXLAN_IFACE },
};

/** A cluster's active gateway node and the address its connection to the other cluster uses. */
interface ActiveGateway {
  node: string;
  remoteIp: string;
}

/** The active gateway of `k`'s cluster, once it has a connected connection. */
async function activeGateway(k: Kubectl): Promise<ActiveGateway> {
  return eventually(async () => {
    const list = JSON.parse(await k(['-n', gatewayNs, 'get', 'gateways.submariner.io', '-o', 'json'])) as {
      items: { metadata: { name: string }; status?: { haStatus?: string; connections?: { status?: string; usingIP?: string }[] } }[];
    };
    const gw = list.items.find((g) => g.status?.haStatus === 'active');
    const ip = gw?.status?.connections?.find((c) => c.status === 'connected')?.usingIP;
    return gw && ip ? { node: gw.metadata.name, remoteIp: ip } : undefined;
  }, 60_000, 'an active Gateway with a connected connection');
}

/** The device and source address `netns` routes `to` through. */
async function routeTo(netns: string, to: string): Promise<{ dev: string; src: string }> {
  const [route] = JSON.parse((await runner.run('ip', ['-n', netns, '-j', 'route', 'get', to])).stdout) as { dev?: string; prefsrc?: string }[];
  if (route?.dev === undefined || route.prefsrc === undefined) throw new Error(`${netns} has no route with a source address to ${to}`);
  return { dev: route.dev, src: route.prefsrc };
}

/**
 * The cable between the two gateway nodes' own namespaces, measured as the bare tunnel is: iperf3 in the namespaces,
 * in the root CPU cgroup, to the address cluster2's gateway reaches cluster1's pods from, which both route through the
 * cable's device. Only the pods' hop differs from the gateway → gateway pods' path.
 */
async function cableBetweenNodes(driver: string, dev: string, gw: Pods, a: BareSide, b: BareSide): Promise<() => Promise<number>> {
  const back = await routeTo(b.netns, (await routeTo(a.netns, gw.serverIp)).src);
  const out = await routeTo(a.netns, back.src);
  const reply = await routeTo(b.netns, out.src);
  if (out.dev !== dev || reply.dev !== dev) throw new Error(`${driver}: the gateways route each other's addresses through ${out.dev} and ${reply.dev}, not the cable's ${dev}`);
  return () => iperfBetween({ netns: a.netns }, { netns: b.netns }, back.src, iperfSeconds);
}

/** What the cable of `driver` is measured against, between the two active gateways' own namespaces. */
interface Ceiling {
  kind: BareTunnel;
  /** The bare tunnel, up. */
  path: BarePath;
  /** The same bare tunnel with the GOMAXPROCS the cable's wireguard-go runs with, when it runs with one. */
  sized?: { goMaxProcs: string; path: BarePath } | undefined;
  /** One run of the cable between the same two namespaces, its bit/s. */
  cable: () => Promise<number>;
}

/**
 * The GOMAXPROCS of the cable's wireguard-go in `netns` (the one serving `dev`), when it runs with one: the gateway
 * pod's, from the node's CPUs.
 */
async function cableGoMaxProcs(netns: string, dev: string): Promise<string | undefined> {
  const pids = (await runner.run('ip', ['netns', 'pids', netns])).stdout.split('\n').filter((p) => p !== '');
  for (const pid of pids) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv[0]?.split('/').pop() !== 'wireguard-go' || !argv.includes(dev)) continue;
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      return env.find((e) => e.startsWith('GOMAXPROCS='))?.slice('GOMAXPROCS='.length);
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
}

/** The bare tunnel of `driver` between the two active gateways, at the MTU of the cable's device, up. */
async function startBare(driver: string, gw: Pods, one: ActiveGateway, two: ActiveGateway): Promise<Ceiling | undefined> {
  const bare = bareTunnels[driver];
  if (bare === undefined) return undefined;
  const a: BareSide = { netns: `ksub-${one.node}`, address: two.remoteIp };
  const b: BareSide = { netns: `ksub-${two.node}`, address: one.remoteIp };
  const mtu = await linkMtu(a.netns, bare.dev);
  const cable = await cableBetweenNodes(driver, bare.dev, gw, a, b);
  const goMaxProcs = bare.kind === 'wireguard-go' ? await cableGoMaxProcs(a.netns, bare.dev) : undefined;
  progress(`${driver}: bare ${bare.kind} between ${one.node} and ${two.node} (MTU ${mtu}), measured in each round after the cable`);
  const path = await startBareTunnel(bare.kind, a, b, mtu);
  if (goMaxProcs === undefined) return { kind: bare.kind, path, cable };
  try {
    progress(`${driver}: the cable's wireguard-go runs with GOMAXPROCS=${goMaxProcs}; a second bare wireguard-go runs with it too`);
    return { kind: bare.kind, path, cable, sized: { goMaxProcs, path: await startBareTunnel(bare.kind, a, b, mtu, { slot: 1, env: { GOMAXPROCS: goMaxProcs } }) } };
  } catch (err) {
    await path.stop();
    throw err;
  }
}

// ---------------------------------------------------------------- one cable driver

const seconds = (v: number): string => (Number.isFinite(v) ? sec(v, 2) : `> ${recoveryLimitMs / 1000} s`);

/** The drivers of BENCH_DATAPLANE_DRIVERS (comma-separated), all by default. */
function chosenDrivers(): string[] {
  const raw = process.env.BENCH_DATAPLANE_DRIVERS?.trim();
  if (!raw) return [...allDrivers];
  const chosen = raw.split(',').map((d) => d.trim());
  const unknown = chosen.filter((d) => !(allDrivers as readonly string[]).includes(d));
  if (unknown.length > 0) throw new Error(`BENCH_DATAPLANE_DRIVERS names unknown drivers ${unknown.join(', ')}: use some of ${allDrivers.join(', ')}`);
  return chosen;
}

const percent = (v: number): string => `${(v * 100).toFixed(0)}%`;

/** The pods of the main path, on a worker of each cluster, and of the gateway path, on each active gateway. */
const workerPods = { client: 'client', server: 'server' };
const gatewayPods = { client: 'client-gw', server: 'server-gw' };

async function reachThroughTunnel(p: Pods, driver: string): Promise<void> {
  await eventually(async () => {
    const r = await p.client.result(['-n', ns, 'exec', p.clientPod, '--', 'ping', '-n', '-c', '1', '-W', '1', p.serverIp]);
    return r.code === 0 ? true : undefined;
  }, 180_000, `${driver}: ${p.clientPod} reaches ${p.serverIp} through the tunnel`);
}

interface Measured {
  /** Per round, the cable and the baseline measured just before it. */
  tunnel: number[];
  base: number[];
  tunnelRtt: number;
  baseRtt: number;
  /**
   * The bare tunnel's rounds, each measured just after the cable between the same two gateway namespaces (`cable`),
   * its processes in the host's root CPU cgroup, then each in a CPU cgroup of its own as the cable's in their
   * containers; and its RTT.
   */
  ceiling?: { kind: BareTunnel; cable: number[]; bps: number[]; grouped: number[]; sized?: { goMaxProcs: string; bps: number[] }; rttMs: number };
}

type Baseline = Pick<BarePath, 'iperf' | 'rttMs'>;

/**
 * Throughput rounds (the baseline, then the cable, then the bare tunnel when there is one, so that all see the same
 * load) and round-trip times.
 */
async function measurePath(label: string, p: Pods, baseline: Baseline, ceiling?: Ceiling): Promise<Measured> {
  const tunnel: number[] = [];
  const base: number[] = [];
  const cable: number[] = [];
  const bare: number[] = [];
  const grouped: number[] = [];
  const sized: number[] = [];
  progress(`${label}: throughput, ${throughputRounds} rounds of ${iperfSeconds} s each path`);
  for (let i = 0; i < throughputRounds; i++) {
    base.push(await baseline.iperf(iperfSeconds));
    tunnel.push(await iperf(p, p.serverIp));
    if (ceiling) {
      cable.push(await ceiling.cable());
      bare.push(await ceiling.path.iperf(iperfSeconds, 'host'));
      grouped.push(await ceiling.path.iperf(iperfSeconds, 'cgroups'));
      if (ceiling.sized) sized.push(await ceiling.sized.path.iperf(iperfSeconds, 'host'));
    }
    const bareText = ceiling ? `, the cable between the nodes ${bitRate(cable.at(-1) ?? 0)}, bare ${ceiling.kind} ${bitRate(bare.at(-1) ?? 0)} (in cgroups ${bitRate(grouped.at(-1) ?? 0)}${ceiling.sized ? `; with GOMAXPROCS=${ceiling.sized.goMaxProcs} ${bitRate(sized.at(-1) ?? 0)}` : ''})` : '';
    progress(`${label}: round ${i + 1}: ${bitRate(tunnel.at(-1) ?? 0)} beside ${bitRate(base.at(-1) ?? 0)}${bareText}`);
  }
  progress(`${label}: round-trip time`);
  const measured: Measured = { tunnel, base, baseRtt: await baseline.rttMs(probeIntervalS), tunnelRtt: await rtt(p, p.serverIp) };
  if (ceiling) {
    measured.ceiling = { kind: ceiling.kind, cable, bps: bare, grouped, rttMs: await ceiling.path.rttMs(probeIntervalS) };
    if (ceiling.sized) measured.ceiling.sized = { goMaxProcs: ceiling.sized.goMaxProcs, bps: sized };
  }
  return measured;
}

const vethBaseline = (p: Pods): Baseline => ({ iperf: () => iperf(p, veth.server), rttMs: () => rtt(p, veth.server) });

/**
 * The gateway → gateway path of subctl's benchmark: a pod on each cluster's active gateway, so no route agent
 * hop, beside a veth pair between the same two pod namespaces and, for wireguard and vxlan, one bare tunnel between
 * the two gateways.
 */
async function measureGatewayPath(kubeconfig: string, p: Pods, driver: string): Promise<Measured> {
  const [one, two] = [await activeGateway(p.client), await activeGateway(p.server)];
  progress(`${driver}: pods on the active gateways ${one.node} and ${two.node}`);
  let bare: Ceiling | undefined;
  try {
    const gw = await deployPods(kubeconfig, gatewayPods, { client: one.node, server: two.node });
    await createBaseline(gw);
    await reachThroughTunnel(gw, driver);
    bare = await startBare(driver, gw, one, two);
    return await measurePath(`${driver} (gateway → gateway)`, gw, vethBaseline(gw), bare);
  } finally {
    try {
      await Promise.allSettled([bare?.path.stop(), bare?.sized?.path.stop()]);
    } finally {
      await deletePods(p, gatewayPods);
    }
  }
}

/** `tunnel`'s median beside `base`'s, with each round's share: their spread is the machine's noise. */
function shareText(m: Measured, baseName: string): string {
  const shares = m.tunnel.map((t, i) => t / (m.base[i] ?? Infinity)).sort((x, y) => x - y);
  return `${bitRate(median(m.tunnel))} (median share ${percent(median(shares))} of ${baseName}; rounds ${percent(shares[0] ?? 0)} to ${percent(shares.at(-1) ?? 0)})`;
}

async function measureDriver(kubeconfig: string, p: Pods, driver: string): Promise<BenchRow[]> {
  progress(`${driver}: joining both clusters`);
  connectClusters(kubeconfig, driver);
  try {
    await reachThroughTunnel(p, driver);
    // strongswan is measured against bare charon between two namespaces on the gateways' public network, the
    // others against the veth pair.
    const ipsec = driver === 'strongswan';
    let workers: Measured;
    if (ipsec) {
      progress('strongswan: bare charon between two namespaces on the public network');
      const bare = await startBareStrongswan(fleetTopology(options).publicBridge);
      try {
        workers = await measurePath(driver, p, bare);
      } finally {
        await bare.stop();
      }
    } else {
      workers = await measurePath(driver, p, vethBaseline(p));
    }
    const gateways = await measureGatewayPath(kubeconfig, p, driver);
    progress(`${driver}: ${failovers} failovers of cluster2's active gateway`);
    const gaps: number[] = [];
    for (let i = 1; i <= failovers; i++) gaps.push(await failover(kubeconfig, p, i));
    const failoverMs = median(gaps);
    const baseName = ipsec ? 'bare charon' : 'baseline';
    const bareRows: BenchRow[] = [];
    const ceiling = gateways.ceiling;
    if (ceiling !== undefined) {
      const nodes = median(ceiling.cable);
      const shares = (bps: number) => {
        const of = (cable: number) => percent(cable / bps);
        return `${bitRate(bps)} (the cable between the gateway nodes: ${of(nodes)}; gateway → gateway pods: ${of(median(gateways.tunnel))}; worker → worker: ${of(median(workers.tunnel))})`;
      };
      bareRows.push(
        {
          metric: `${driver}: TCP throughput of the cable between the two active gateway nodes' own namespaces, as the bare rows below measure (iperf3 in the nodes, in the host's root CPU cgroup; no pod hop; median of ${throughputRounds}, each round just after the gateway → gateway pods')`,
          value: `${bitRate(nodes)} (${percent(nodes / median(ceiling.bps))} of bare ${ceiling.kind} in the root CPU cgroup)`,
          baseline: bitRate(median(gateways.base)),
        },
        {
          metric: `${driver}: bare ${ceiling.kind} between the two active gateways, same addresses and MTU, its processes in the host's root CPU cgroup (median of ${throughputRounds}, each round just after the cable between the nodes)`,
          value: shares(median(ceiling.bps)),
          baseline: bitRate(median(gateways.base)),
          target: driver === 'wireguard' ? 'the cable gateway → gateway >= 90% of bare' : undefined,
        },
        {
          metric: `${driver}: the same bare ${ceiling.kind}, each of its processes (${ceiling.kind === 'wireguard-go' ? 'both daemons, ' : ''}iperf3's client and server) in a CPU cgroup of its own, as runc runs the cable's and the pods' (median of ${throughputRounds}, each round just after the one above)`,
          value: shares(median(ceiling.grouped)),
          baseline: bitRate(median(gateways.base)),
          target: driver === 'wireguard' ? 'the cable gateway → gateway >= 90% of bare' : undefined,
        },
      );
      const sized = ceiling.sized;
      if (sized) {
        bareRows.push({
          metric: `${driver}: the same bare ${ceiling.kind} with GOMAXPROCS=${sized.goMaxProcs}, as the cable's runs (the gateway pod's CPUs: the node's share of the host's), its processes in the host's root CPU cgroup (median of ${throughputRounds}, each round just after the ones above)`,
          value: shares(median(sized.bps)),
          baseline: bitRate(median(gateways.base)),
        });
      }
      bareRows.push({ metric: `${driver}: bare ${ceiling.kind} RTT avg (ping, 20 x ${probeIntervalS * 1000} ms)`, value: ms(ceiling.rttMs, 3), baseline: ms(gateways.baseRtt, 3) });
    }
    return [
      {
        metric: `${driver}: TCP throughput worker → worker (iperf3 ${iperfSeconds} s, median of ${throughputRounds})`,
        value: shareText(workers, baseName),
        baseline: `${bitRate(median(workers.base))}${ipsec ? ' (bare charon)' : ''}`,
        target: driver === 'vxlan' ? '>= 50% of baseline' : ipsec ? '>= 90% of bare charon' : undefined,
      },
      {
        metric: `${driver}: RTT avg worker → worker (ping, 20 x ${probeIntervalS * 1000} ms)`,
        value: ms(workers.tunnelRtt, 3),
        baseline: `${ms(workers.baseRtt, 3)}${ipsec ? ' (bare charon)' : ''}`,
      },
      {
        metric: `${driver}: TCP throughput gateway → gateway (pods on the active gateways, median of ${throughputRounds})`,
        value: shareText(gateways, 'baseline'),
        baseline: bitRate(median(gateways.base)),
        target: driver === 'vxlan' ? '>= 50% of baseline' : undefined,
      },
      {
        metric: `${driver}: RTT avg gateway → gateway (ping, 20 x ${probeIntervalS * 1000} ms)`,
        value: ms(gateways.tunnelRtt, 3),
        baseline: ms(gateways.baseRtt, 3),
      },
      ...(failovers === 0
        ? []
        : [
            {
              metric: `${driver}: failover interruption (median of ${failovers})`,
              value: `${seconds(failoverMs)} (${gaps.map(seconds).join(', ')})`,
              baseline: '-',
              target: 'median < 1 s, each < 2 s (Submariner defaults: ~15 s)',
            },
          ]),
      ...bareRows,
    ];
  } finally {
    progress(`${driver}: uninstalling`);
    disconnectClusters(kubeconfig);
  }
}

export async function run(): Promise<void> {
  await waitHostFree();
  let stopping = false;
  const interrupted = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    for (const child of probes) child.kill('SIGKILL');
    void sandboxDown(runner, fleetName).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const drivers = chosenDrivers();
    progress('starting the sandbox (2 clusters, 3 nodes each, 2 gateways)');
    const { info } = await sandboxUp(runner, options, () => undefined, fleetName);
    const pods = await deployPods(info.kubeconfig, workerPods, { client: 'cluster1-worker', server: 'cluster2-worker' });
    await createBaseline(pods);
    const rows: BenchRow[] = [];
    try {
      for (const driver of drivers) rows.push(...(await measureDriver(info.kubeconfig, pods, driver)));
    } finally {
      await deleteBaseline(pods);
    }
    rows.push({ metric: 'libreswan: throughput, RTT, failover', value: 'n/a: this kernel has no ESP and Libreswan has no userspace ESP (strongswan carries IPsec here)', baseline: '-' });
    printBench(
      'data plane, pod on cluster1-worker to pod on cluster2-worker through both clusters\' gateways, and pod to pod between the two active gateways (baseline: a veth pair straight between the same two pod namespaces; for strongswan worker → worker, bare charon between two namespaces on the gateways\' public network; each round measures the baseline just before the cable; failover: cluster2\'s active gateway pod deleted under a 50 ms ping, longest gap between replies)',
      rows,
    );
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    if (!stopping) {
      progress('stopping the sandbox');
      await sandboxDown(runner, fleetName);
    }
  }
}
