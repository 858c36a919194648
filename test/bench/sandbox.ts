// Sandbox benchmark: `sandbox up` of two clusters from a warm cache (baseline: the same two control planes
// alone), memory of every sandbox process (PSS, and the sum of RSS; the median of five looks, in all and by part:
// control planes, daemon, pods), and pod start-up latency (create to Ready), with the runc runtime against the host-process runtime
// in the same run: fleets of each, in turn (BENCH_SANDBOX_ROUNDS, 3), and each figure's median over them.
import { readdirSync, readFileSync } from 'node:fs';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { ExecRunner } from '../../src/net/command.js';
import { sandboxDown, sandboxUp } from '../../src/sandbox/control.js';
import { ControlPlaneFleet } from '../../src/sandbox/controlplane/fleet.js';
import { ensureSandboxImages } from '../../src/sandbox/sandbox-images.js';
import { fleetTopology } from '../../src/sandbox/topology.js';
import { exampleImages } from '../../src/image/debian-image.js';
import { median, mib, ms, percentile, printBench, sec } from './table.js';

const runner = new ExecRunner();
const options = { clusters: 2, nodes: 2, gateways: 1, overlapping: false, hub: false };

/** A process's proportional set size: its private pages, and each page it shares divided by its sharers. */
function pss(pid: number): number {
  try {
    return Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0; // the process ended while we looked
  }
}

interface Memory {
  rss: number;
  pss: number;
}

/** The parts of a sandbox's memory: the control planes, the daemon with what it runs beside, and the pods. */
type Part = 'controlPlanes' | 'daemon' | 'pods';
type Parts = Record<Part | 'all', Memory>;

/** The control planes' processes: the same binaries and flags whichever runtime runs the pods. */
const controlPlaneCommands = new Set(['kube-apiserver', 'etcd', 'kube-controller-manager', 'kube-scheduler']);
/** The daemon (with the kubelets), its subreaper, and the kubelets' API forwarders. */
const daemonScript = /\/sandbox\/(daemon|kubelet\/server\/forwarder)\.[jt]s$/;

function partOf(pid: number): Part {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const argv0 = argv[0] ?? '';
    const command = argv0.slice(argv0.lastIndexOf('/') + 1);
    if (controlPlaneCommands.has(command)) return 'controlPlanes';
    if (command === 'ksub-reaper' || argv.some((a) => daemonScript.test(a))) return 'daemon';
  } catch {
    // the process ended while we looked
  }
  return 'pods';
}

const noMemory = (): Memory => ({ rss: 0, pss: 0 });

/**
 * Memory of a process and all its descendants, from /proc: the sum of their RSS, which counts pages they share
 * (a binary's text, libraries) once per process, and of their PSS, which counts each page once in all (what the
 * host gives them); in all, and by part.
 */
function treeMemory(root: number): Parts {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      const pages = Number(fields[21]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
      rss.set(Number(entry), pages * 4096);
    } catch {
      // the process ended while we looked
    }
  }
  const parts: Parts = { all: noMemory(), controlPlanes: noMemory(), daemon: noMemory(), pods: noMemory() };
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    const m = { rss: rss.get(pid) ?? 0, pss: pss(pid) };
    for (const sum of [parts.all, parts[partOf(pid)]]) {
      sum.rss += m.rss;
      sum.pss += m.pss;
    }
    stack.push(...(children.get(pid) ?? []));
  }
  return parts;
}

/** The median of `samples` looks at a tree's memory, a second apart: Go's heaps grow and shrink with their collections. */
async function sampledMemory(root: number, samples = 5): Promise<Parts> {
  const seen: Parts[] = [];
  for (let i = 0; i < samples; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 1000));
    seen.push(treeMemory(root));
  }
  return medianParts(seen);
}

/** Each part's median RSS and PSS over several looks (or fleets). */
function medianParts(seen: readonly Parts[]): Parts {
  const of = (part: keyof Parts): Memory => ({ rss: median(seen.map((m) => m[part].rss)), pss: median(seen.map((m) => m[part].pss)) });
  return { all: of('all'), controlPlanes: of('controlPlanes'), daemon: of('daemon'), pods: of('pods') };
}

/** Create-to-Ready latencies of `count` toolbox pods, created `batch` at a time (each batch Ready before the next). */
async function podStartup(kc: KubeConfig, count: number, batch: number): Promise<number[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const ns = `bench-${Date.now()}`;
  await core.createNamespace({ body: { metadata: { name: ns } } });
  await new Promise((r) => setTimeout(r, 1000));
  const created = new Map<string, number>();
  const ready = new Map<string, number>();
  for (let first = 0; first < count; first += batch) {
    const names = Array.from({ length: Math.min(batch, count - first) }, (_, i) => `p${first + i}`);
    await Promise.all(
      names.map(async (name) => {
        created.set(name, Date.now());
        await core.createNamespacedPod({ namespace: ns, body: { metadata: { name }, spec: { containers: [{ name: 'c', image: exampleImages.toolbox.name }] } } });
      }),
    );
    const deadline = Date.now() + 120_000;
    while (names.some((n) => !ready.has(n)) && Date.now() < deadline) {
      for (const p of (await core.listNamespacedPod({ namespace: ns })).items) {
        const name = p.metadata?.name ?? '';
        if (!ready.has(name) && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) ready.set(name, Date.now());
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  await core.deleteNamespace({ name: ns });
  return [...ready.entries()].map(([name, at]) => at - (created.get(name) ?? at));
}

type Runtime = 'runc' | 'process';

/** Pods created at once, and pods created one after the other, in each fleet. */
const burst = 20;
const oneByOne = 10;

interface Measured {
  upMs: number;
  memory: Parts;
  /** `burst` pods created at once. */
  latencies: number[];
  /** `oneByOne` pods created one after the other. */
  sequential: number[];
}

/** `sandbox up` with one container runtime (`sandbox up --runtime`), its memory and pod start-up, then down. */
async function measure(runtime: Runtime): Promise<Measured> {
  const name = `bench-${runtime}`;
  const t = Date.now();
  const withRuntime = { ...options, runtime };
  const { info } = await sandboxUp(runner, withRuntime, () => undefined, name);
  const upMs = Date.now() - t;
  try {
    const memory = await sampledMemory(info.daemonPid);
    const kc = new KubeConfig();
    kc.loadFromFile(info.kubeconfig);
    kc.setCurrentContext('cluster1');
    return { upMs, memory, latencies: await podStartup(kc, burst, burst), sequential: await podStartup(kc, oneByOne, 1) };
  } finally {
    await sandboxDown(runner, name);
  }
}

/** The median of several fleets' figures, each on its own; their pods' start-up latencies together. */
function medianFleet(fleets: Measured[]): Measured {
  return {
    upMs: median(fleets.map((m) => m.upMs)),
    memory: medianParts(fleets.map((m) => m.memory)),
    latencies: fleets.flatMap((m) => m.latencies),
    sequential: fleets.flatMap((m) => m.sequential),
  };
}

export async function run(): Promise<void> {
  // The images both runs use, built or loaded before anything is timed.
  await ensureSandboxImages({
    runner,
    step: (step, fn) => {
      process.stderr.write(`sandbox benchmark: ${step}\n`);
      return fn();
    },
  });
  const topo = fleetTopology(options);
  const t = Date.now();
  const bare = await ControlPlaneFleet.start({
    name: 'bench-control-planes',
    runner,
    clusters: topo.clusters.map((c) => ({ name: c.name, serviceCidr: c.serviceCidr, clusterCidr: c.podCidr, scheduler: true })),
  });
  const bareMs = Date.now() - t;
  const bareMemory = bare.planes.flatMap((p) => p.pids).map((pid) => treeMemory(pid).all).reduce((sum, m) => ({ rss: sum.rss + m.rss, pss: sum.pss + m.pss }), { rss: 0, pss: 0 });
  await bare.stop();

  // Identical control planes differ by tens of MiB from one start to the next (where their Go heaps land), as much
  // as the runtimes do: each runtime runs several fleets, in turn and in alternating order, and the medians compare.
  const rounds = Math.max(1, Number(process.env.BENCH_SANDBOX_ROUNDS ?? 3));
  const fleets: Record<Runtime, Measured[]> = { process: [], runc: [] };
  for (let i = 0; i < rounds; i++) {
    for (const runtime of (i % 2 === 0 ? ['process', 'runc'] : ['runc', 'process']) as Runtime[]) fleets[runtime].push(await measure(runtime));
  }
  const host = medianFleet(fleets.process);
  const runc = medianFleet(fleets.runc);
  const perFleet = (r: Runtime): string => fleets[r].map((m) => mib(m.memory.all.pss)).join(', ');
  const p50 = (m: Measured): number => percentile(m.latencies, 50);
  printBench(`sandbox (2 clusters, 2 nodes each; median of ${rounds} fleets; baseline: the same control planes without nodes, pods or add-ons)`, [
    { metric: 'sandbox up, warm cache (host processes)', value: sec(host.upMs), baseline: sec(bareMs), target: '< 60 s' },
    { metric: 'memory (PSS), all sandbox processes (host processes)', value: mib(host.memory.all.pss), baseline: mib(bareMemory.pss) },
    { metric: 'memory (sum of RSS), all sandbox processes (host processes)', value: mib(host.memory.all.rss), baseline: mib(bareMemory.rss) },
    { metric: `pod start-up p50 (host processes, ${burst} pods at once in each fleet, create to Ready)`, value: ms(p50(host)), baseline: '-' },
    { metric: 'pod start-up p99 (host processes)', value: ms(percentile(host.latencies, 99)), baseline: '-' },
    { metric: `pod start-up p50, one at a time (host processes, ${oneByOne} pods in each fleet)`, value: ms(percentile(host.sequential, 50)), baseline: '-' },
  ]);
  printBench('sandbox with --runtime runc (baseline: --runtime process, measured above in the same run)', [
    { metric: 'sandbox up, warm cache', value: sec(runc.upMs), baseline: sec(host.upMs), target: '< 60 s' },
    { metric: `memory (PSS), all sandbox processes (median of ${rounds} fleets)`, value: mib(runc.memory.all.pss), baseline: mib(host.memory.all.pss), target: `<= ${mib(host.memory.all.pss)}` },
    { metric: '  each fleet', value: perFleet('runc'), baseline: perFleet('process') },
    { metric: '  of which the control planes (the same in both)', value: mib(runc.memory.controlPlanes.pss), baseline: mib(host.memory.controlPlanes.pss) },
    { metric: '  of which the daemon (kubelets, forwarders, subreaper)', value: mib(runc.memory.daemon.pss), baseline: mib(host.memory.daemon.pss) },
    { metric: '  of which the pods (containers, pause and runc processes)', value: mib(runc.memory.pods.pss), baseline: mib(host.memory.pods.pss), target: `<= ${mib(host.memory.pods.pss)}` },
    { metric: 'memory (sum of RSS), all sandbox processes', value: mib(runc.memory.all.rss), baseline: mib(host.memory.all.rss) },
    { metric: `pod start-up p50 (${burst} pods at once in each fleet, create to Ready)`, value: ms(p50(runc)), baseline: ms(p50(host)), target: `<= ${ms(1.5 * p50(host))} (1.5x)` },
    { metric: 'pod start-up p99', value: ms(percentile(runc.latencies, 99)), baseline: ms(percentile(host.latencies, 99)) },
    { metric: `pod start-up p50, one at a time (${oneByOne} pods in each fleet)`, value: ms(percentile(runc.sequential, 50)), baseline: ms(percentile(host.sequential, 50)), target: `<= ${ms(1.5 * percentile(host.sequential, 50))} (1.5x)` },
    { metric: 'pod start-up p99, one at a time', value: ms(percentile(runc.sequential, 99)), baseline: ms(percentile(host.sequential, 99)) },
  ]);
}
