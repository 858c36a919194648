// GlobalNet benchmark. On a real control plane, with the GlobalNet agent running as a child process inside a network
// namespace of its own (a "gateway node" whose nat table already holds kube-proxy's chain of every Service):
//  - the time from N GlobalIngressIPs created (one per ClusterIP Service) to their N rules in the kernel (from the
//    last create, as the agent keeps pace with the API server), and the time a freshly started agent takes, once it
//    leads, to put the rules of N existing GlobalIngressIPs into an empty node (a failover or a new gateway), for
//    N = 1,000 and 10,000; baseline: the very same rules written with one `iptables` exec per rule (and per chain)
//    in a namespace with the same kube-proxy chains;
//  - the agent's resident memory with 10,000 GlobalIngressIPs (baseline: the same agent leading with none).
// Then, on sandbox fleets (one at a time, under the host's sandbox lock): TCP throughput from a pod of cluster1 to a
// pod of cluster2 over the VXLAN cable through GlobalNet (clusters with the same CIDRs, the server reached at its
// global IP), against the same path without GlobalNet (clusters with different CIDRs, the server at its pod IP).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { globalnetEnv } from '../../src/api/agent-env.js';
import { ClusterResource, EndpointResource, GlobalIngressIPResource, installCrds } from '../../src/api/index.js';
import { names } from '../../src/api/names.js';
import { kernelTimeoutMs } from '../../src/globalnet/constants.js';
import { Dataplane } from '../../src/globalnet/dataplane.js';
import { kubeProxyServiceChain } from '../../src/globalnet/names.js';
import { keepAliveClient } from '../../src/kube/keep-alive.js';
import { ExecRunner } from '../../src/net/command.js';
import { exampleImages } from '../../src/image/debian-image.js';
import { IpsetCommand } from '../../src/net/ipset.js';
import { Iptables } from '../../src/net/packetfilter/iptables.js';
import { sandboxDown, sandboxUp } from '../../src/sandbox/control.js';
import { ControlPlaneFleet } from '../../src/sandbox/controlplane/fleet.js';
import { writeKubeconfig } from '../../src/sandbox/controlplane/kubeconfig.js';
import { eventually, kubectlFor, type Kubectl } from '../support/kubectl.js';
import { disconnectClusters, submariner } from '../support/submariner.js';
import { bitRate, iperfReceivedBps } from './dataplane-parse.js';
import { waitHostFree } from './dataplane.js';
import { agentCommand } from './lighthouse-fleet.js';
import { freePort, pool, settledRss, stopChild, track } from './process.js';
import { median, mib, printBench, sec, type BenchRow } from './table.js';

const runner = new ExecRunner();
const sizes = sizesFromEnv(process.env.BENCH_GLOBALNET_SIZES);
const createConcurrency = 16;
const network = { serviceCidr: '10.141.0.0/16', clusterCidr: '10.241.0.0/16', globalCidr: '242.0.0.0/16' };
/** The node's namespace and its veth to the host, in the RFC 2544 benchmarking range. */
const node = { name: 'cluster1-gateway', netns: 'ksub-bench-gn', baseNetns: 'ksub-bench-gn-base', hostLink: 'ksubbgn0', host: '198.18.250.1', inside: '198.18.250.2' };
const namespace = names.defaultNamespace;
const progress = (message: string) => process.stderr.write(`globalnet benchmark: ${message}\n`);

/** How many GlobalIngressIPs each round programs: BENCH_GLOBALNET_SIZES, "1000,10000" by default. */
function sizesFromEnv(raw: string | undefined): number[] {
  if (raw === undefined || raw.trim() === '') return [1000, 10_000];
  const n = raw.split(',').map((x) => Number(x.trim()));
  if (n.some((x) => !Number.isInteger(x) || x < 1 || x > 30_000)) {
    throw new Error(`BENCH_GLOBALNET_SIZES=${JSON.stringify(raw)} is invalid: give whole numbers from 1 to 30000 separated by commas, e.g. 1000,10000`);
  }
  return n;
}

interface Bench {
  kc: KubeConfig;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  /** The kubeconfig the agent reads, pointing at the API server's host address (reachable from the node namespace). */
  agentKubeconfig: string;
  dir: string;
}

// ---------------------------------------------------------------- the node namespace and the agent

async function sh(args: string[], input?: string): Promise<string> {
  return (await runner.run(args[0] ?? '', args.slice(1), input === undefined ? {} : { input })).stdout;
}

/** A namespace with a veth to the host, so that the agent inside reaches the API server at the host's address. */
async function createNode(apiHost: string): Promise<void> {
  await sh(['ip', 'netns', 'add', node.netns]);
  await sh(['ip', '-n', node.netns, 'link', 'set', 'lo', 'up']);
  await sh(['ip', 'link', 'add', node.hostLink, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', node.netns]);
  await sh(['ip', 'addr', 'add', `${node.host}/30`, 'dev', node.hostLink]);
  await sh(['ip', 'link', 'set', node.hostLink, 'up']);
  await sh(['ip', '-n', node.netns, 'addr', 'add', `${node.inside}/30`, 'dev', 'eth0']);
  await sh(['ip', '-n', node.netns, 'link', 'set', 'eth0', 'up']);
  await sh(['ip', '-n', node.netns, 'route', 'add', `${apiHost}/32`, 'via', node.host]);
  // The route agent's chain, which GlobalNet's egress chain hangs from on a gateway.
  await runner.run('iptables', ['-t', 'nat', '-N', 'SUBMARINER-POSTROUTING'], { netns: node.netns });
}

async function removeNodes(): Promise<void> {
  for (const ns of [node.netns, node.baseNetns]) await runner.run('ip', ['netns', 'del', ns], { allowFailure: true });
  await runner.run('ip', ['link', 'del', node.hostLink], { allowFailure: true });
}

/** The kube-proxy chain of each Service's port, as kube-proxy would have made them, in one iptables-restore. */
async function kubeProxyChains(netns: string, services: readonly string[], ns: string): Promise<void> {
  const lines = ['*nat', ...services.map((s) => `:${kubeProxyServiceChain(ns, s, 'http', 'TCP')} - [0:0]`), 'COMMIT', ''];
  await runner.run('iptables-restore', ['--noflush'], { netns, input: lines.join('\n'), timeoutMs: 120_000 });
}

/** The rules of GlobalNet's ingress chain that lead into kube-proxy's chains, as the kernel holds them. */
async function ingressRules(netns: string): Promise<number> {
  const saved = (await runner.run('iptables-save', ['-t', 'nat'], { netns, timeoutMs: 60_000 })).stdout;
  let n = 0;
  for (const line of saved.split('\n')) if (line.startsWith('-A SUBMARINER-GN-INGRESS ') && line.includes(' -j KUBE-SVC-')) n++;
  return n;
}

async function waitRules(agent: Agent, want: number, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await ingressRules(node.netns)) < want) {
    if (Date.now() > deadline || agent.child.exitCode !== null) {
      throw new Error(`${what}: ${want} ingress rules not in the kernel within ${timeoutMs / 1000} s; the agent's log ends with:\n${readFileSync(agent.log, 'utf8').slice(-3000)}`);
    }
    await sleep(100);
  }
}

interface Agent {
  child: ChildProcess;
  log: string;
}

function agentEnv(b: Bench, metricsPort: number): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    KUBECONFIG: b.agentKubeconfig,
    [globalnetEnv.namespace]: namespace,
    [globalnetEnv.clusterId]: 'cluster1',
    [globalnetEnv.nodeName]: node.name,
    [globalnetEnv.podName]: 'submariner-globalnet-bench',
    [globalnetEnv.clusterCidr]: network.clusterCidr,
    [globalnetEnv.serviceCidr]: network.serviceCidr,
    [globalnetEnv.globalCidr]: network.globalCidr,
    [globalnetEnv.metricsPort]: String(metricsPort),
  };
}

/** Starts `kubectl-submariner-agent globalnet` inside the node namespace, as its DaemonSet would on a gateway node. */
async function startAgent(b: Bench, round: string): Promise<Agent> {
  const log = join(b.dir, `globalnet-${round}.log`);
  const out = openSync(log, 'w');
  const child = spawn('ip', ['netns', 'exec', node.netns, process.execPath, ...agentCommand().args, 'globalnet'], { env: agentEnv(b, await freePort()), stdio: ['ignore', out, out] });
  closeSync(out);
  track(child);
  const deadline = Date.now() + 60_000;
  while (!readFileSync(log, 'utf8').includes('leading GlobalNet')) {
    if (child.exitCode !== null) throw new Error(`the GlobalNet agent exited (${child.exitCode}):\n${readFileSync(log, 'utf8').slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`the GlobalNet agent did not lead within 60 s (log: ${log})`);
    await sleep(100);
  }
  return { child, log };
}

/** When the agent logged that it leads GlobalNet (epoch ms). */
function ledAt(a: Agent): number {
  for (const line of readFileSync(a.log, 'utf8').split('\n')) {
    if (!line.includes('"leading GlobalNet"')) continue;
    const { time } = JSON.parse(line) as { time: string };
    return Date.parse(time);
  }
  throw new Error(`the agent's log has no "leading GlobalNet" line (log: ${a.log})`);
}

async function stopAgent(a: Agent): Promise<void> {
  if (await stopChild(a.child, 10_000)) progress(`warning: the agent did not exit within 10 s of SIGTERM (log: ${a.log})`);
}

/** What `kubectl submariner uninstall` has the agent do: every GlobalNet chain, rule and ipset removed from the node. */
async function uninstallNode(): Promise<void> {
  const options = { netns: node.netns, timeoutMs: kernelTimeoutMs };
  await new Dataplane({ packetFilter: new Iptables(runner, options), ipsets: new IpsetCommand(runner, options) }).uninstall();
}

// ---------------------------------------------------------------- the objects

async function createServices(b: Bench, ns: string, services: readonly string[]): Promise<void> {
  await b.core.createNamespace({ body: { metadata: { name: ns } } });
  await pool(services, createConcurrency, async (name) => {
    await b.core.createNamespacedService({ namespace: ns, body: { metadata: { name }, spec: { ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }] } } });
  });
}

/** The GlobalIngressIP of a ClusterIP Service, as GlobalNet's ServiceExport controller makes it. */
async function createIngressIps(b: Bench, ns: string, services: readonly string[]): Promise<void> {
  const { group, version, plural, kind } = GlobalIngressIPResource;
  await pool(services, createConcurrency, async (name) => {
    await b.custom.createNamespacedCustomObject({
      group,
      version,
      plural,
      namespace: ns,
      body: { apiVersion: `${group}/${version}`, kind, metadata: { name }, spec: { target: 'ClusterIPService', serviceRef: { name } } },
    });
  });
}

/** Waits until all `n` GlobalIngressIPs of `ns` record their allocated IP in their status. */
async function allocationsRecorded(b: Bench, ns: string, n: number): Promise<void> {
  const { group, version, plural } = GlobalIngressIPResource;
  const deadline = Date.now() + 60_000 + n * 30;
  for (;;) {
    const list = (await b.custom.listNamespacedCustomObject({ group, version, plural, namespace: ns })) as { items: { status?: { allocatedIP?: string } }[] };
    const recorded = list.items.filter((g) => g.status?.allocatedIP).length;
    if (recorded === n) return;
    if (Date.now() > deadline) throw new Error(`${recorded} of ${n} GlobalIngressIPs record an allocated IP`);
    await sleep(1000);
  }
}

/** This cluster's Cluster object and the Endpoint that makes the node the active gateway, as the gateway writes them. */
async function gatewayObjects(b: Bench): Promise<void> {
  await b.core.createNamespace({ body: { metadata: { name: namespace } } });
  const create = async (r: typeof ClusterResource | typeof EndpointResource, name: string, spec: object): Promise<void> => {
    await b.custom.createNamespacedCustomObject({ group: r.group, version: r.version, plural: r.plural, namespace, body: { apiVersion: `${r.group}/${r.version}`, kind: r.kind, metadata: { name }, spec } });
  };
  await create(ClusterResource, 'cluster1', { cluster_id: 'cluster1', color_codes: ['blue'], service_cidr: [network.serviceCidr], cluster_cidr: [network.clusterCidr], global_cidr: [network.globalCidr] });
  await create(EndpointResource, `cluster1-submariner-cable-cluster1-${node.inside.replaceAll('.', '-')}`, {
    cluster_id: 'cluster1',
    cable_name: `submariner-cable-cluster1-${node.inside.replaceAll('.', '-')}`,
    hostname: node.name,
    subnets: [network.globalCidr],
    private_ip: node.inside,
    nat_enabled: false,
    backend: 'vxlan',
  });
}

// ---------------------------------------------------------------- the baseline

/** GlobalNet's chains and rules as `iptables -t nat -S` prints them: the commands that rebuild them one by one. */
async function globalnetCommands(netns: string): Promise<string[][]> {
  const lines = (await runner.run('iptables', ['-t', 'nat', '-S'], { netns, timeoutMs: 60_000 })).stdout.split('\n');
  const ours = (chain: string) => chain.startsWith('SUBMARINER-GN') || chain.startsWith('SM-GN-');
  const commands: string[][] = [];
  for (const line of lines) {
    const [op, chain = ''] = line.split(' ');
    const jumpsToOurs = / -j (SUBMARINER-GN|SM-GN-)\S*$/.test(line);
    if ((op === '-N' && ours(chain)) || (op === '-A' && (ours(chain) || jumpsToOurs))) commands.push(splitRule(line));
  }
  return commands;
}

/** `iptables -S` output split into arguments (quoted comments kept whole). */
function splitRule(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
}

/** One `iptables` exec per chain and per rule, run by a shell inside a namespace holding the same kube-proxy chains. */
async function baseline(commands: readonly string[][], services: readonly string[], ns: string): Promise<number> {
  await runner.run('ip', ['netns', 'del', node.baseNetns], { allowFailure: true });
  await sh(['ip', 'netns', 'add', node.baseNetns]);
  try {
    await kubeProxyChains(node.baseNetns, services, ns);
    // A hook jump into a chain of the route agent's needs that chain.
    await runner.run('iptables', ['-t', 'nat', '-N', 'SUBMARINER-POSTROUTING'], { netns: node.baseNetns });
    const quote = (a: string) => `'${a.replaceAll("'", "'\\''")}'`;
    const script = commands.map((c) => `iptables -t nat ${c.map(quote).join(' ')}`).join('\n');
    const file = join(tmpdir(), `ksub-bench-gn-${process.pid}.sh`);
    writeFileSync(file, `set -e\n${script}\n`);
    const started = performance.now();
    await runner.run('sh', [file], { netns: node.baseNetns, timeoutMs: 3_600_000 });
    const elapsed = performance.now() - started;
    rmSync(file, { force: true });
    const written = await ingressRules(node.baseNetns);
    if (written !== services.length) throw new Error(`the baseline wrote ${written} ingress rules, not ${services.length}`);
    return elapsed;
  } finally {
    await runner.run('ip', ['netns', 'del', node.baseNetns], { allowFailure: true });
  }
}

// ---------------------------------------------------------------- one size

interface SizeResult {
  n: number;
  rules: number;
  /** ms: the objects created (all requests answered), then their rules in the kernel, from the first create. */
  created: number;
  programmed: number;
  /** ms from starting a new agent to every rule in an empty node's kernel. */
  takeover: number;
  /** ms of that from the agent leading (every object listed, the lease taken) to every rule in the kernel. */
  programming: number;
  baseline: number;
  rss: number | undefined;
}

async function measureSize(b: Bench, n: number, idleRss: { value?: number }): Promise<SizeResult> {
  const ns = `gn-bench-${n}`;
  const services = Array.from({ length: n }, (_, i) => `svc-${i}`);
  progress(`${n}: creating ${n} Services and kube-proxy's chains for them`);
  await createServices(b, ns, services);
  await kubeProxyChains(node.netns, services, ns);
  let agent = await startAgent(b, `${n}-stream`);
  try {
    if (idleRss.value === undefined) {
      progress('the agent leading with no GlobalIngressIP: settling for its memory');
      idleRss.value = await settledRss(agent.child.pid ?? 0);
    }
    progress(`${n}: creating ${n} GlobalIngressIPs`);
    const started = performance.now();
    const rulesIn = waitRules(agent, n, 60_000 + n * 60, `${n} GlobalIngressIPs`).then(() => performance.now() - started);
    await createIngressIps(b, ns, services);
    const created = performance.now() - started;
    const programmed = await rulesIn;
    progress(`${n}: created in ${sec(created)}, every rule in the kernel after ${sec(programmed)}`);
    // A failover finds the allocations recorded: the statuses are written after the rules, so wait for them.
    await allocationsRecorded(b, ns, n);
    const rss = n === Math.max(...sizes) ? await settledRss(agent.child.pid ?? 0) : undefined;
    const commands = await globalnetCommands(node.netns);

    progress(`${n}: a new agent on an empty node`);
    await stopAgent(agent);
    await uninstallNode();
    if ((await ingressRules(node.netns)) !== 0) throw new Error('uninstall left GlobalNet rules on the node');
    const spawned = performance.now();
    agent = await startAgent(b, `${n}-takeover`);
    await waitRules(agent, n, 60_000 + n * 60, `a new agent with ${n} GlobalIngressIPs`);
    const takeover = performance.now() - spawned;
    const programming = Date.now() - ledAt(agent);
    progress(`${n}: the new agent had every rule in the kernel after ${sec(takeover)}, ${sec(programming)} after it led`);

    progress(`${n}: baseline, ${commands.length} iptables execs`);
    const base = await baseline(commands, services, ns);
    progress(`${n}: baseline took ${sec(base)}`);
    return { n, rules: commands.length, created, programmed, takeover, programming, baseline: base, rss };
  } finally {
    await stopAgent(agent);
    await uninstallNode();
    await b.core.deleteNamespace({ name: ns }).catch(() => undefined);
  }
}

/** How many times faster than the baseline, or its share of the baseline's speed when slower. */
const speedup = (baseline: number, value: number): string => (value <= baseline ? `${(baseline / value).toFixed(1)}x as fast as` : `${((baseline / value) * 100).toFixed(0)}% of the speed of`);

function kernelRows(results: readonly SizeResult[], idleRss: number | undefined): BenchRow[] {
  const rows: BenchRow[] = [];
  const perThousand = (ms: number, n: number) => `${sec((ms * 1000) / n, 2)} per 1,000`;
  for (const r of results) {
    const count = r.n.toLocaleString('en');
    const target = r.n === Math.max(...sizes) ? '>= 20x faster than the baseline' : undefined;
    rows.push({
      metric: `${count} GlobalIngressIPs: a new agent leading (objects listed, lease taken) → their ${r.rules.toLocaleString('en')} rules in an empty node's kernel`,
      value: `${sec(r.programming, 2)} (${speedup(r.baseline, r.programming)} the baseline); ${sec(r.takeover, 2)} from its start`,
      baseline: `${sec(r.baseline, 1)} (${r.rules.toLocaleString('en')} iptables execs)`,
      target,
    });
    const lag = Math.max(r.programmed - r.created, 0);
    rows.push({
      metric: `${count} GlobalIngressIPs created (${createConcurrency} at a time) → their rules in the kernel, after the last was created`,
      value: `${sec(lag, 2)} (${speedup(r.baseline, lag)} the baseline); ${sec(r.programmed, 1)} from the first create`,
      baseline: `${sec(r.baseline, 1)}; creating the objects alone: ${sec(r.created, 1)}`,
      target,
    });
  }
  const [small, large] = results;
  if (small && large) {
    const growth = (a: number, b: number) => ((b / large.n) / (a / small.n)).toFixed(2);
    rows.push({
      metric: `growth: cost per GlobalIngressIP at ${large.n.toLocaleString('en')} over at ${small.n.toLocaleString('en')} (1.00 = linear)`,
      value: `new agent ${growth(small.programming, large.programming)}, created ${growth(small.programmed, large.programmed)} (${perThousand(large.programming, large.n)})`,
      baseline: `${growth(small.baseline, large.baseline)} (${perThousand(large.baseline, large.n)})`,
      target: 'linear',
    });
  }
  const withRss = results.find((r) => r.rss !== undefined);
  if (withRss?.rss !== undefined) {
    rows.push({
      metric: `agent resident memory with ${withRss.n.toLocaleString('en')} GlobalIngressIPs (settled)`,
      value: mib(withRss.rss),
      baseline: idleRss === undefined ? '-' : `${mib(idleRss)} (leading, no GlobalIngressIP)`,
    });
  }
  return rows;
}

export async function kernelBench(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ksub-bench-gn-'));
  const fleet = await ControlPlaneFleet.start({ name: `bench-globalnet-${process.pid}`, runner, clusters: [{ name: 'cluster1', ...network }] });
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(fleet.kubeconfigPath);
    kc.setCurrentContext('cluster1');
    const server = new URL(kc.getCurrentCluster()?.server ?? '');
    const apiHost = new URL(fleet.endpoints[0]?.internalServer ?? '');
    const agentKubeconfig = join(dir, 'agent.kubeconfig');
    writeKubeconfig(agentKubeconfig, fleet.endpoints, { server: 'internal', currentContext: 'cluster1' });
    progress(`control plane at ${server.origin} (the agent reaches it at ${apiHost.origin})`);
    await installCrds(kc);
    const b: Bench = { kc, core: keepAliveClient(kc, CoreV1Api), custom: keepAliveClient(kc, CustomObjectsApi), agentKubeconfig, dir };
    await gatewayObjects(b);
    await removeNodes();
    await createNode(apiHost.hostname);
    const idleRss: { value?: number } = {};
    const results: SizeResult[] = [];
    try {
      for (const n of sizes) results.push(await measureSize(b, n, idleRss));
    } finally {
      await removeNodes();
    }
    return kernelRows(results, idleRss.value);
  } finally {
    await fleet.stop();
    if (process.env.BENCH_KEEP === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- throughput on the sandbox

const throughputRounds = 3;
const iperfSeconds = 5;
const podNs = 'bench-globalnet';

const pods = (cluster: 'cluster1' | 'cluster2') =>
  cluster === 'cluster1'
    ? [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client' }, spec: { nodeName: 'cluster1-worker', containers: [{ name: 'toolbox', image: exampleImages.toolbox.name }] } }]
    : [
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'server', labels: { app: 'iperf' } },
          spec: { nodeName: 'cluster2-worker', containers: [{ name: 'iperf3', image: exampleImages.toolbox.name, command: ['iperf3', '-s'], ports: [{ containerPort: 5201 }] }] },
        },
        // Headless: GlobalNet gives the server pod itself a global IP.
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'iperf' }, spec: { clusterIP: 'None', selector: { app: 'iperf' }, ports: [{ port: 5201 }] } },
      ];

async function iperf(client: Kubectl, address: string): Promise<number> {
  const args = ['-n', podNs, 'exec', 'client', '--', 'iperf3', '-c', address, '-t', String(iperfSeconds), '-O', '1', '-J'];
  for (let attempt = 1; ; attempt++) {
    const r = await client.result(args);
    try {
      return iperfReceivedBps(r.stdout);
    } catch (err) {
      if (attempt === 3) throw new Error(`iperf3 to ${address} failed (exit ${r.code}): ${err instanceof Error ? err.message : String(err)} ${r.stderr}`);
      await sleep(2000);
    }
  }
}

/** Median TCP throughput from cluster1's client pod to cluster2's server pod on a fresh sandbox, joined over VXLAN. */
async function sandboxThroughput(globalnet: boolean): Promise<number> {
  const fleetName = `bench-gn-${globalnet ? 'on' : 'off'}`;
  progress(`sandbox with ${globalnet ? 'the same CIDRs, GlobalNet on' : 'different CIDRs, GlobalNet off'}`);
  await waitHostFree();
  const { info } = await sandboxUp(runner, { clusters: 2, nodes: 2, gateways: 1, overlapping: globalnet, hub: false }, () => undefined, fleetName);
  const kubeconfig = info.kubeconfig;
  try {
    const k = { cluster1: kubectlFor(kubeconfig, 'cluster1'), cluster2: kubectlFor(kubeconfig, 'cluster2') };
    const brokerInfo = join(mkdtempSync(join(tmpdir(), 'ksub-bench-gn-')), 'broker-info.subm');
    const gn = globalnet ? ['--globalnet', '--globalnet-cidr-range', '242.0.0.0/16', '--globalnet-cluster-size', '8192'] : [];
    submariner(kubeconfig, 'deploy-broker', '--context', 'cluster1', ...gn, '--broker-info', brokerInfo);
    for (const c of ['cluster1', 'cluster2']) submariner(kubeconfig, 'join', brokerInfo, '--context', c, '--clusterid', c, '--cable-driver', 'vxlan');
    for (const c of ['cluster1', 'cluster2'] as const) {
      await k[c](['create', 'namespace', podNs]);
      await k[c](['apply', '-n', podNs, '-f', '-'], pods(c).map((p) => JSON.stringify(p)).join('\n'));
    }
    await k.cluster1(['-n', podNs, 'wait', '--for=condition=Ready', 'pod/client', '--timeout=120s']);
    await k.cluster2(['-n', podNs, 'wait', '--for=condition=Ready', 'pod/server', '--timeout=120s']);
    let address = (await k.cluster2(['-n', podNs, 'get', 'pod', 'server', '-o', 'jsonpath={.status.podIP}'])).trim();
    if (globalnet) {
      submariner(kubeconfig, 'export', 'service', 'iperf', '-n', podNs, '--context', 'cluster2');
      address = await eventually(async () => (await k.cluster2(['-n', podNs, 'get', 'globalingressips', 'pod-server', '-o', 'jsonpath={.status.allocatedIP}']).catch(() => '')).trim() || undefined, 90_000, "the server pod's global IP");
    }
    await eventually(async () => ((await k.cluster1.result(['-n', podNs, 'exec', 'client', '--', 'ping', '-n', '-c', '1', '-W', '1', address])).code === 0 ? true : undefined), 180_000, `the client pod reaches ${address}`);
    const rounds: number[] = [];
    for (let i = 0; i < throughputRounds; i++) rounds.push(await iperf(k.cluster1, address));
    progress(`${globalnet ? 'GlobalNet' : 'without GlobalNet'}: ${rounds.map(bitRate).join(', ')}`);
    disconnectClusters(kubeconfig);
    return median(rounds);
  } finally {
    await sandboxDown(runner, fleetName);
  }
}

export async function throughputRows(): Promise<BenchRow[]> {
  await waitHostFree();
  const without = await sandboxThroughput(false);
  const through = await sandboxThroughput(true);
  return [
    {
      metric: `TCP throughput pod → pod across clusters, VXLAN cable (iperf3 ${iperfSeconds} s, median of ${throughputRounds})`,
      value: `${bitRate(through)} through GlobalNet, same CIDRs (${((through / without) * 100).toFixed(0)}%)`,
      baseline: `${bitRate(without)} without GlobalNet, different CIDRs`,
      target: '>= 90% of the baseline',
    },
  ];
}

export async function run(): Promise<void> {
  const rows = await kernelBench();
  printBench('GlobalNet: rules of GlobalIngressIPs in the kernel (real kube-apiserver, the agent in a network namespace; baseline: one iptables exec per rule)', rows);
  printBench('GlobalNet: data plane (sandbox fleets, one after the other)', await throughputRows());
}
