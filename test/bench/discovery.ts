// Service discovery benchmark on real control planes (broker, cluster1, cluster2), with the Lighthouse agents and
// cluster1's DNS server running as child processes: the time from a ServiceExport created in cluster2 until its
// clusterset name answers from cluster1's DNS server (baseline: a plain object relayed cluster2 → broker → cluster1
// by watches), the resident memory of the agents and the DNS server with 5,000 exported services (baseline: idle), and
// the clusterset IP data plane beside kube-proxy (clusterset-ip.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ServiceExportResource, ServiceImportResource } from '../../src/api/index.js';
import { labels, lighthouseManagedBy, wellKnown } from '../../src/api/names.js';
import { DnsProbe } from './dns-probe.js';
import {
  agentCommand,
  apiWriteCount,
  apiWrites,
  requestsBetween,
  assertRunning,
  members,
  reportConnected,
  startComponent,
  startLighthouseFleet,
  stopComponent,
  type Component,
  type ComponentProcess,
  type Apis,
  type LighthouseFleet,
  type Member,
} from './lighthouse-fleet.js';
import { brokerNamespace } from '../support/join.js';
import { clustersetIpRows } from './clusterset-ip.js';
import { firstSeen, relayLatency } from './observe.js';
import { busyShare, cpuSeconds, hostCpu, pool, settledRss } from './process.js';
import { mib, ms, percentile, printBench, sec, type BenchRow } from './table.js';

const latencyServices = 100;
const memoryServices = servicesFromEnv(process.env.BENCH_DISCOVERY_SERVICES);
const perNamespace = 100;
const createConcurrency = 16;
const progress = (message: string) => process.stderr.write(`discovery benchmark: ${message}\n`);

/** How many services the memory benchmark exports across the fleet: BENCH_DISCOVERY_SERVICES, 5,000 by default. */
function servicesFromEnv(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 5000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 4 * latencyServices || n > 20_000) {
    throw new Error(`BENCH_DISCOVERY_SERVICES=${JSON.stringify(raw)} is invalid: give a whole number from ${4 * latencyServices} to 20000`);
  }
  return n;
}

/** A ClusterIP Service with one ready backend (its EndpointSlice written as the EndpointSlice controller would). */
async function createService(api: Apis, namespace: string, name: string, address: string): Promise<void> {
  await api.core.createNamespacedService({ namespace, body: { metadata: { name }, spec: { ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }] } } });
  await api.discovery.createNamespacedEndpointSlice({
    namespace,
    body: {
      metadata: { name: `${name}-pods`, labels: { 'kubernetes.io/service-name': name, [labels.managedBy]: 'bench.kubectl-submariner.io' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [address], conditions: { ready: true } }],
      ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
    },
  });
}

async function exportService(api: Apis, namespace: string, name: string): Promise<void> {
  const { group, version, plural, kind } = ServiceExportResource;
  await api.custom.createNamespacedCustomObject({ group, version, plural, namespace, body: { apiVersion: `${group}/${version}`, kind, metadata: { name, namespace } } });
}

async function createNamespace(api: Apis, name: string): Promise<void> {
  await api.core.createNamespace({ body: { metadata: { name } } });
}

const podAddress = (cluster: Member, i: number) => `10.24${cluster === 'cluster1' ? 1 : 2}.${Math.floor(i / 250)}.${(i % 250) + 1}`;

// ---------------------------------------------------------------- latency

/** How the exports of a latency run are created: all at once, or one every `spacingMs`. */
interface Pace {
  label: string;
  spacingMs: number;
}

interface LatencyResult {
  /** Per service, ms from the ServiceExport create request to each stage. */
  local: number[];
  broker: number[];
  remoteApi: number[];
  resolvable: number[];
  wallMs: number;
  /** Write requests the three API servers served per export, the export's own create included. */
  writesPerService: number;
  /** The same, by API server and request (`cluster2 PATCH serviceimports/status`). */
  writesByRequest: Map<string, number>;
}

/** Exports `latencyServices` Services of a fresh namespace of cluster2 and times each one's way to cluster1's DNS server. */
async function exportLatency(f: LighthouseFleet, dnsPort: number, namespace: string, pace: Pace): Promise<LatencyResult> {
  const names = Array.from({ length: latencyServices }, (_, i) => `svc-${i}`);
  const dnsName = (svc: string) => `${svc}.${namespace}.svc.${wellKnown.clustersetDomain}`;
  for (const c of members) await createNamespace(f.api[c], namespace);
  await pool(names, createConcurrency, (svc, i) => createService(f.api.cluster2, namespace, svc, podAddress('cluster2', i)));

  const probe = new DnsProbe(dnsPort);
  const importPath = `/apis/${ServiceImportResource.group}/${ServiceImportResource.version}`;
  const nameOf = (o: { metadata?: { name?: string } }) => o.metadata?.name;
  const serviceOf = (o: { metadata?: { labels?: Record<string, string> } }) => o.metadata?.labels?.[labels.serviceName];
  const listImports = (api: Apis, ns: string, labelSelector?: string) => () => api.custom.listNamespacedCustomObject({ ...ServiceImportResource, namespace: ns, labelSelector }) as never;
  const lighthouse = `${labels.managedBy}=${lighthouseManagedBy}`;
  const sourced = `${labels.sourceNamespace}=${namespace}`;
  const watchers = {
    local: firstSeen(f.kc.cluster2, `${importPath}/namespaces/${namespace}/serviceimports`, listImports(f.api.cluster2, namespace), undefined, nameOf),
    broker: firstSeen(f.kc.broker, `${importPath}/namespaces/${brokerNamespace}/serviceimports`, listImports(f.api.broker, brokerNamespace, sourced), sourced, serviceOf),
    remoteImport: firstSeen(f.kc.cluster1, `${importPath}/namespaces/${namespace}/serviceimports`, listImports(f.api.cluster1, namespace), undefined, nameOf),
    remoteSlice: firstSeen(
      f.kc.cluster1,
      `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`,
      () => f.api.cluster1.discovery.listNamespacedEndpointSlice({ namespace, labelSelector: lighthouse }),
      lighthouse,
      (o) => {
        const svc = serviceOf(o);
        if (svc !== undefined) probe.heat(dnsName(svc));
        return svc;
      },
    ),
  };
  for (const w of Object.values(watchers)) await w.start();
  await probe.start();
  try {
    const writesBefore = await fleetWritesByRequest(f);
    const sent = new Map<string, number>();
    const started = Date.now();
    await Promise.all(
      names.map(async (svc, i) => {
        await sleep(i * pace.spacingMs);
        probe.watch(dnsName(svc));
        sent.set(svc, Date.now());
        await exportService(f.api.cluster2, namespace, svc);
      }),
    );
    await probe.allAnswered(120_000);
    // The exporting cluster's own import may come after the remote answer: wait for every stage before reading them.
    const deadline = Date.now() + 60_000;
    while (Object.values(watchers).some((w) => names.some((svc) => !w.seen.has(svc))) && Date.now() < deadline) await sleep(50);
    const since = (stage: string, at: (svc: string) => number | undefined) =>
      names.map((svc) => {
        const t = at(svc);
        if (t === undefined || Number.isNaN(t)) throw new Error(`${namespace}/${svc} answered from DNS but was not seen within 60 s at stage "${stage}"`);
        return t - (sent.get(svc) ?? NaN);
      });
    const remoteApi = (svc: string) => Math.max(watchers.remoteImport.seen.get(svc) ?? NaN, watchers.remoteSlice.seen.get(svc) ?? NaN);
    const resolvable = since('answered', (svc) => probe.answeredAt(dnsName(svc)));
    // Statuses are the last writes: give them a moment to land before counting.
    await sleep(2000);
    const writes = requestsBetween(writesBefore, await fleetWritesByRequest(f));
    const writesByRequest = new Map([...writes].map(([key, n]) => [key, n / latencyServices]));
    return {
      local: since('ServiceImport in cluster2', (svc) => watchers.local.seen.get(svc)),
      broker: since('ServiceImport on the broker', (svc) => watchers.broker.seen.get(svc)),
      remoteApi: since('ServiceImport and EndpointSlice in cluster1', remoteApi),
      resolvable,
      wallMs: Math.max(...names.map((svc) => probe.answeredAt(dnsName(svc)) ?? NaN)) - started,
      writesPerService: [...writesByRequest.values()].reduce((a, b) => a + b, 0),
      writesByRequest,
    };
  } finally {
    await probe.stop();
    for (const w of Object.values(watchers)) await w.stop();
  }
}

const fleet = ['broker', ...members] as const;

/** Write requests served so far by the broker's and both members' API servers. */
async function fleetWrites(f: LighthouseFleet): Promise<number> {
  const counts = await Promise.all(fleet.map((c) => apiWriteCount(f.kc[c])));
  return counts.reduce((a, b) => a + b, 0);
}

/** The same, by API server and request. */
async function fleetWritesByRequest(f: LighthouseFleet): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const c of fleet) for (const [key, n] of await apiWrites(f.kc[c])) out.set(`${c} ${key}`, n);
  return out;
}

/** `cluster2 PATCH serviceimports 1.0, ...`, the most frequent first, leaving out what is not per export (lease renewals). */
const byRequest = (writes: Map<string, number>): string =>
  [...writes]
    .filter(([, n]) => n >= 0.05)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([key, n]) => `${key} ${n.toFixed(1)}`)
    .join(', ');

const p50p99 = (values: number[]) => `${ms(percentile(values, 50))} / ${ms(percentile(values, 99))}`;

interface Load {
  /** Share of the host's CPU busy (every process) during the exports and during the relay. */
  host: number;
  relayHost: number;
  /** CPU seconds of the cluster1 and cluster2 agents during the exports. */
  agents: number[];
}

const percent = (v: number) => `${(v * 100).toFixed(0)}%`;

function latencyRows(title: string, r: LatencyResult, relay: Awaited<ReturnType<typeof relayLatency>>, load: Load): BenchRow[] {
  return [
    { metric: `${title}: export → answered by cluster1's DNS, p50`, value: ms(percentile(r.resolvable, 50)), baseline: ms(percentile(relay.arrived, 50)) },
    { metric: `${title}: export → answered by cluster1's DNS, p99`, value: ms(percentile(r.resolvable, 99)), baseline: ms(percentile(relay.arrived, 99)), target: 'p99 < 2 s' },
    { metric: `${title}: export → ServiceImport + slice in cluster1 (p50 / p99)`, value: p50p99(r.remoteApi), baseline: p50p99(relay.arrived) },
    { metric: `${title}: export → ServiceImport on the broker (p50 / p99)`, value: p50p99(r.broker), baseline: p50p99(relay.onBroker) },
    { metric: `${title}: export → ServiceImport in cluster2 itself (p50 / p99)`, value: p50p99(r.local), baseline: '-' },
    { metric: `${title}: first export to last answer`, value: ms(r.wallMs), baseline: ms(relay.wallMs) },
    { metric: `${title}: API writes per export, all three API servers`, value: r.writesPerService.toFixed(1), baseline: relay.writesPerObject.toFixed(1) },
    { metric: `${title}: the same by API server and request`, value: byRequest(r.writesByRequest), baseline: '-' },
    { metric: `${title}: host CPU busy meanwhile, all processes (${cpus().length} cores)`, value: percent(load.host), baseline: percent(load.relayHost) },
    { metric: `${title}: CPU time of the cluster1 / cluster2 agents`, value: load.agents.map((s) => `${s.toFixed(1)} s`).join(' / '), baseline: '-' },
  ];
}

// ---------------------------------------------------------------- memory

/** Namespaces of `count` services each exported by `cluster`, `perNamespace` to a namespace, created in both clusters. */
async function exportMany(f: LighthouseFleet, counts: Record<Member, number>): Promise<number> {
  const work: { cluster: Member; namespace: string; name: string; i: number }[] = [];
  const namespaces: string[] = [];
  for (const cluster of members) {
    for (let i = 0; i < counts[cluster]; i++) {
      const namespace = `mem-${cluster}-${String(Math.floor(i / perNamespace)).padStart(3, '0')}`;
      if (i % perNamespace === 0) namespaces.push(namespace);
      work.push({ cluster, namespace, name: `svc-${i % perNamespace}`, i });
    }
  }
  for (const c of members) await pool(namespaces, 4, (ns) => createNamespace(f.api[c], ns));
  let objects = namespaces.length * members.length;
  await Promise.all(
    members.map((cluster) =>
      pool(
        work.filter((w) => w.cluster === cluster),
        createConcurrency,
        async (w) => {
          await createService(f.api[cluster], w.namespace, w.name, podAddress(cluster, w.i));
          await exportService(f.api[cluster], w.namespace, w.name);
          objects += 3;
        },
      ),
    ),
  );
  return objects;
}

/** How many Lighthouse ServiceImports and EndpointSlices a member cluster holds. */
async function importedCount(api: Apis): Promise<number> {
  const imports = (await api.custom.listClusterCustomObject({ ...ServiceImportResource })) as { items: unknown[] };
  const slices = await api.discovery.listEndpointSliceForAllNamespaces({ labelSelector: `${labels.managedBy}=${lighthouseManagedBy}` });
  return Math.min(imports.items.length, slices.items.length);
}

async function waitImported(f: LighthouseFleet, total: number, agents: ComponentProcess[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const a of agents) assertRunning(a);
    const counts = await Promise.all(members.map((c) => importedCount(f.api[c])));
    if (counts.every((n) => n >= total)) return;
    if (Date.now() > deadline) throw new Error(`after ${sec(timeoutMs)} the clusters hold ${counts.join(' and ')} of ${total} imports`);
    await sleep(5000);
  }
}

// ---------------------------------------------------------------- the suite

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ksub-bench-discovery-'));
  const procs: ComponentProcess[] = [];
  progress('starting the broker and two member clusters');
  const f = await startLighthouseFleet('bench-discovery', dir).catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  const interrupted = (signal: NodeJS.Signals) => {
    for (const p of procs) p.child.kill('SIGKILL');
    void f.stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    // Each member's active gateway reports the other connected, so both serve each other's services.
    await reportConnected(f.api.cluster1, 'cluster1', 'cluster2');
    await reportConnected(f.api.cluster2, 'cluster2', 'cluster1');
    const start = async (cluster: Member, component: Component) => {
      const p = await startComponent(f, dir, cluster, component);
      procs.push(p);
      return p;
    };
    const agents = [await start('cluster1', 'lighthouse-agent'), await start('cluster2', 'lighthouse-agent')];
    const dns = await start('cluster1', 'lighthouse-dns');
    const measured = [...agents, dns];
    progress('agents and DNS server started; measuring them idle');
    const idle = await Promise.all(measured.map((p) => settledRss(p.child.pid ?? 0)));

    const paces: Pace[] = [
      { label: `${latencyServices} exports at once`, spacingMs: 0 },
      { label: `1 export every 100 ms`, spacingMs: 100 },
    ];
    const latencyRowsOut: BenchRow[] = [];
    const measure = async (namespace: string, pace: Pace) => {
      progress(`latency: ${pace.label}`);
      let host = hostCpu();
      const relay = await relayLatency(f, `relay-${namespace}`, latencyServices, pace.spacingMs, () => fleetWrites(f));
      const relayHost = busyShare(host, hostCpu());
      const agentCpu = agents.map((a) => cpuSeconds(a.child.pid ?? 0));
      host = hostCpu();
      const r = await exportLatency(f, dns.dnsPort ?? 0, namespace, pace);
      const load = { host: busyShare(host, hostCpu()), relayHost, agents: agents.map((a, i) => cpuSeconds(a.child.pid ?? 0) - (agentCpu[i] ?? 0)) };
      latencyRowsOut.push(...latencyRows(pace.label, r, relay, load));
    };
    for (const [k, pace] of paces.entries()) await measure(`latency-${k}`, pace);

    const exported = paces.length * latencyServices;
    const counts = { cluster1: Math.floor(memoryServices / 2), cluster2: memoryServices - Math.floor(memoryServices / 2) - exported };
    progress(`memory: exporting ${counts.cluster1} services in cluster1 and ${counts.cluster2} more in cluster2`);
    const cpuBefore = agents.map((a) => cpuSeconds(a.child.pid ?? 0));
    const t0 = Date.now();
    const objects = await exportMany(f, counts);
    const createdMs = Date.now() - t0;
    progress(`created ${objects} objects in ${sec(createdMs)}; waiting for both clusters to import every service`);
    await waitImported(f, memoryServices, agents, Math.max(900_000, memoryServices * 200));
    const importedMs = Date.now() - t0;
    const cpu = agents.map((a, i) => cpuSeconds(a.child.pid ?? 0) - (cpuBefore[i] ?? 0));
    progress('waiting for the agents and the DNS server to go quiet');
    const loaded = await Promise.all(measured.map((p) => settledRss(p.child.pid ?? 0)));

    await measure('latency-loaded', { label: `1 export every 100 ms, ${memoryServices} already exported`, spacingMs: 100 });

    printBench(
      `export to resolvable, ${latencyServices} ClusterIP services exported by cluster2, answered by cluster1's DNS server (${agentCommand().what}; real kube-apiservers, broker a third cluster; baseline: a ConfigMap relayed cluster2 → broker → cluster1 by watches, create requests paced alike)`,
      latencyRowsOut,
    );
    printBench(
      `Lighthouse agents and cluster1's DNS server with ${memoryServices} exported services, ${counts.cluster1} from cluster1 and ${memoryServices - counts.cluster1} from cluster2 (baseline: the same processes idle, nothing exported)`,
      [
        ...measured.map((p, i) => ({ metric: `resident memory, ${p.cluster} ${p.component}`, value: mib(loaded[i] ?? NaN), baseline: mib(idle[i] ?? NaN) })),
        ...agents.map((a, i) => ({ metric: `CPU time importing and exporting, ${a.cluster} agent`, value: `${(cpu[i] ?? NaN).toFixed(0)} s`, baseline: '-' })),
        { metric: `creating ${objects} objects (${createConcurrency} requests at a time per cluster)`, value: sec(createdMs), baseline: '-' },
        { metric: 'first create to every service imported in both clusters', value: sec(importedMs), baseline: sec(createdMs) },
      ],
    );

    printBench(
      'clusterset IPs on a node: rule programming against kube-proxy\'s iptables mode, and connections through the clusterset IP against the ClusterIP directly (network namespaces on this host, two routers between client and server; measured while the host may be loaded)',
      await clustersetIpRows(f, dir),
    );
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    for (const p of procs) await stopComponent(p);
    await f.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
