import type { Reporter } from '../base/reporter.js';
import { percentile } from '../base/stats.js';
import type { TableView } from '../cli/output.js';
import { waitFor } from '../verify/probes.js';
import { idleCommand, runSuffix, type ClusterFacts, type Images, type RunningPod, type TestCluster } from '../verify/workloads.js';
import { bitRate, curlTimingCommand, parseCurlTimings, parseIperf } from './parse.js';

export type BenchmarkKind = 'throughput' | 'latency';

export interface BenchmarkOptions {
  kind: BenchmarkKind;
  from: TestCluster;
  /** The other cluster; unused with intraCluster. */
  to: TestCluster;
  /** Measure inside `from` only. */
  intraCluster: boolean;
  images: Images;
  timeoutMs: number;
  /** iperf3 parallel streams (-P). */
  streams: number;
  /** iperf3 test length in seconds (-t). */
  seconds: number;
  /** Requests per latency measurement. */
  requests: number;
  reporter: Reporter;
  signal: AbortSignal;
  suffix?: () => string;
}

/** Where one measurement ran. */
export interface BenchmarkPath {
  name: string;
  from: string;
  to: string;
  baseline: boolean;
}

export interface ThroughputRow extends BenchmarkPath {
  receivedBps: number;
  sentBps: number;
  retransmits: number | undefined;
  streams: number;
}

export interface LatencyRow extends BenchmarkPath {
  requests: number;
  connectP50Ms: number;
  connectP99Ms: number;
  totalP50Ms: number;
  totalP99Ms: number;
}

export type BenchmarkResult = { kind: 'throughput'; rows: ThroughputRow[] } | { kind: 'latency'; rows: LatencyRow[] };

interface Placement {
  name: string;
  client: { cluster: TestCluster; node: string; gateway: boolean };
  server: { cluster: TestCluster; node: string; gateway: boolean };
  baseline: boolean;
}

const role = (gateway: boolean): string => (gateway ? 'gateway' : 'non-gateway');

/**
 * The paths measured: across the clusters gateway → gateway and non-gateway → non-gateway, and as the baseline
 * a same-cluster path in `from` (non-gateway → gateway, as subctl's intra-cluster benchmark).
 */
export function placements(from: TestCluster, fromFacts: ClusterFacts, to: TestCluster, toFacts: ClusterFacts, intraCluster: boolean): Placement[] {
  const gw = (c: TestCluster, f: ClusterFacts): { cluster: TestCluster; node: string; gateway: boolean } | undefined =>
    f.gatewayNodes[0] === undefined ? undefined : { cluster: c, node: f.gatewayNodes[0], gateway: true };
  const other = (c: TestCluster, f: ClusterFacts): { cluster: TestCluster; node: string; gateway: boolean } | undefined =>
    f.otherNodes[0] === undefined ? undefined : { cluster: c, node: f.otherNodes[0], gateway: false };
  const out: Placement[] = [];
  const add = (client: Placement['client'] | undefined, server: Placement['server'] | undefined, baseline: boolean, prefix: string): void => {
    if (client && server) out.push({ name: `${prefix}${role(client.gateway)} → ${role(server.gateway)}`, client, server, baseline });
  };
  if (!intraCluster) {
    add(gw(from, fromFacts), gw(to, toFacts), false, 'inter-cluster ');
    add(other(from, fromFacts), other(to, toFacts), false, 'inter-cluster ');
  }
  add(other(from, fromFacts) ?? gw(from, fromFacts), gw(from, fromFacts), true, 'same cluster ');
  return out;
}

/** The cluster's facts with the active gateway's node first, so that "gateway" means the node the tunnel ends on. */
async function activeFirst(c: TestCluster): Promise<ClusterFacts> {
  const [f, active] = await Promise.all([c.facts(), c.activeGateway()]);
  return active ? { ...f, gatewayNodes: [active.node, ...f.gatewayNodes.filter((n) => n !== active.node)] } : f;
}

/** Runs the benchmark in its own namespace of each cluster, removed afterwards (also when interrupted). */
export async function runBenchmark(o: BenchmarkOptions): Promise<BenchmarkResult> {
  const [fromFacts, toFacts] = await Promise.all([activeFirst(o.from), o.intraCluster ? activeFirst(o.from) : activeFirst(o.to)]);
  const paths = placements(o.from, fromFacts, o.to, toFacts, o.intraCluster);
  if (paths.length === 0) throw new Error(`no gateway node in ${o.from.context}: label one with submariner.io/gateway=true`);
  if (!o.intraCluster && paths.every((p) => p.baseline)) throw new Error(`no gateway node in ${o.to.context}: label one with submariner.io/gateway=true`);
  const namespace = `benchmark-${(o.suffix ?? runSuffix)()}`;
  const clusters = o.intraCluster || o.from === o.to ? [o.from] : [o.from, o.to];
  const created: TestCluster[] = [];
  const pods = new Map<string, RunningPod>();
  const podOn = async (cluster: TestCluster, node: string, kind: 'client' | 'server', gateway: boolean): Promise<RunningPod> => {
    const name = `${kind}-${o.kind === 'throughput' && kind === 'server' ? 'iperf' : kind === 'server' ? 'http' : 'toolbox'}-${gateway ? 'gw' : 'node'}`;
    const key = `${cluster.context}/${name}/${node}`;
    const have = pods.get(key);
    if (have) return have;
    const server = kind === 'server';
    const image = server && o.kind === 'latency' ? o.images.server : o.images.toolbox;
    const command = !server ? idleCommand : o.kind === 'throughput' ? ['iperf3', '-s', '-p', '5201'] : undefined;
    const pod = await cluster.runPod({ namespace, name, image, node, ...(command ? { command } : {}), ...(server ? { labels: { app: name }, port: o.kind === 'throughput' ? 5201 : 80 } : {}) }, o.timeoutMs);
    pods.set(key, pod);
    return pod;
  };
  const abort = (): void => {
    if (o.signal.aborted) throw new Error('interrupted');
  };
  try {
    await o.reporter.step(`create namespace ${namespace} in ${clusters.map((c) => c.context).join(' and ')}`, async () => {
      for (const c of clusters) {
        await c.createNamespace(namespace, 'benchmark');
        created.push(c);
      }
    });
    const throughput: ThroughputRow[] = [];
    const latency: LatencyRow[] = [];
    for (const p of paths) {
      abort();
      const path: BenchmarkPath = {
        name: p.name,
        from: `${p.client.cluster.context}/${p.client.node}`,
        to: `${p.server.cluster.context}/${p.server.node}`,
        baseline: p.baseline,
      };
      await o.reporter.step(`${o.kind} ${p.name}: ${path.from} → ${path.to}`, async () => {
        const server = await podOn(p.server.cluster, p.server.node, 'server', p.server.gateway);
        const client = await podOn(p.client.cluster, p.client.node, 'client', p.client.gateway);
        abort();
        if (o.kind === 'throughput') throughput.push({ ...path, ...(await iperf(o, p.client.cluster, client, server.ip)) });
        else latency.push({ ...path, ...(await requestLatency(o, p.client.cluster, client, server.ip)) });
      });
    }
    return o.kind === 'throughput' ? { kind: 'throughput', rows: throughput } : { kind: 'latency', rows: latency };
  } finally {
    for (const c of created) {
      await c.deleteNamespace(namespace).catch((err: unknown) => o.reporter.warning(`cannot remove namespace ${namespace} from ${c.context}: ${String(err)}`));
    }
  }
}

async function iperf(o: BenchmarkOptions, cluster: TestCluster, client: RunningPod, ip: string): Promise<Omit<ThroughputRow, keyof BenchmarkPath>> {
  const command = ['iperf3', '-c', ip, '-p', '5201', '-P', String(o.streams), '-t', String(o.seconds), '-J'];
  // The server may not listen yet right after its pod turned Ready; iperf3 then fails to connect.
  return waitFor(`iperf3 from ${client.name} to ${ip}`, o.timeoutMs, async () => {
    const r = await cluster.exec(client, command, (o.seconds + 30) * 1000);
    return { value: parseIperf(r.stdout), seen: r.stdout.slice(0, 200) || r.stderr };
  }, { signal: o.signal, intervalMs: 2000 });
}

async function requestLatency(o: BenchmarkOptions, cluster: TestCluster, client: RunningPod, ip: string): Promise<Omit<LatencyRow, keyof BenchmarkPath>> {
  const url = `http://${ip}/`;
  // One request first, until the server answers, so that start-up does not count.
  await waitFor(`GET ${url} from ${client.name}`, o.timeoutMs, async () => {
    const t = parseCurlTimings((await cluster.exec(client, curlTimingCommand(url, 1), 15_000)).stdout);
    return { value: t[0]?.code === 200 ? true : undefined, seen: t[0] ? `HTTP ${t[0].code}` : 'no answer' };
  }, { signal: o.signal });
  const r = await cluster.exec(client, curlTimingCommand(url, o.requests), o.requests * 5000 + 10_000);
  const ok = parseCurlTimings(r.stdout).filter((t) => t.code === 200);
  if (ok.length < o.requests) throw new Error(`only ${ok.length} of ${o.requests} requests to ${url} answered 200${r.stderr ? `: ${r.stderr.trim()}` : ''}`);
  const connect = ok.map((t) => t.connectMs);
  const total = ok.map((t) => t.totalMs);
  return { requests: ok.length, connectP50Ms: percentile(connect, 50), connectP99Ms: percentile(connect, 99), totalP50Ms: percentile(total, 50), totalP99Ms: percentile(total, 99) };
}

const ms = (v: number): string => `${v.toFixed(2)} ms`;

function versus(value: number, baseline: number | undefined, baselineRow: boolean): string {
  if (baselineRow) return 'baseline';
  if (baseline === undefined || baseline === 0) return '-';
  return `${((value / baseline) * 100).toFixed(0)}%`;
}

export function throughputView(rows: ThroughputRow[]): TableView<ThroughputRow> {
  const base = rows.find((r) => r.baseline)?.receivedBps;
  return {
    columns: [
      { header: 'path', get: (r) => r.name },
      { header: 'from', get: (r) => r.from },
      { header: 'to', get: (r) => r.to },
      { header: 'throughput', get: (r) => bitRate(r.receivedBps) },
      { header: 'retransmits', get: (r) => r.retransmits ?? '-' },
      { header: 'streams', get: (r) => r.streams, wide: true },
      { header: 'vs baseline', get: (r) => versus(r.receivedBps, base, r.baseline) },
    ],
    rows,
  };
}

export function latencyView(rows: LatencyRow[]): TableView<LatencyRow> {
  const base = rows.find((r) => r.baseline)?.totalP50Ms;
  return {
    columns: [
      { header: 'path', get: (r) => r.name },
      { header: 'from', get: (r) => r.from },
      { header: 'to', get: (r) => r.to },
      { header: 'connect p50', get: (r) => ms(r.connectP50Ms) },
      { header: 'connect p99', get: (r) => ms(r.connectP99Ms) },
      { header: 'request p50', get: (r) => ms(r.totalP50Ms) },
      { header: 'request p99', get: (r) => ms(r.totalP99Ms) },
      { header: 'requests', get: (r) => r.requests, wide: true },
      { header: 'vs baseline', get: (r) => versus(r.totalP50Ms, base, r.baseline) },
    ],
    rows,
  };
}
