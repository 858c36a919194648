// Hub addon benchmark on a real hub apiserver with OCM's CRDs: 1,000 ManagedClusters with the addon enabled, their
// work status written here (as 1,000 work agents would: every agent ready), the addon controller running as its
// Deployment would (`kubectl-submariner-agent addon`). Measured: the time until every ManifestWork exists and every
// addon is Available, the API requests per cluster and the CPU of the controller and the hub, and the controller's
// memory; baselines: a minimal controller writing one ManifestWork per cluster and nothing else, in the same run:
// with one ConfigMap in it, with the agents renderCluster gives, and with those agents and their status written
// here as on the addon's works (the floor for every cluster Available).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import {
  AddOnDeploymentConfigResource,
  type ManifestWork,
  ManagedClusterAddOnResource,
  ManagedClusterResource,
  ManagedClusterSetResource,
  ManifestWorkResource,
  NamespaceResource,
  SubmarinerConfigResource,
} from '../../src/api/index.js';
import { jsonLogger } from '../../src/base/log.js';
import { MemoryReporter } from '../../src/base/reporter.js';
import { resourceClient } from '../../src/kube/resource-client.js';
import { watchResource, type ResourceWatch } from '../../src/kube/watch/index.js';
import { ExecRunner } from '../../src/net/command.js';
import { ControlPlaneFleet } from '../../src/sandbox/controlplane/fleet.js';
import { controllerNodeOptions, installAddon } from '../../addon/cli.js';
import { specHash } from '../../addon/config.js';
import { agentStatus } from '../support/work-status.js';
import { cachedWork } from '../../addon/controller.js';
import { installOcmCrds } from '../support/ocm-crds.js';
import { baselineLabel, type BaselinePayload } from './addon-baseline.js';
import { agentCommand, apiRequests, requestsBetween } from './lighthouse-fleet.js';
import { cpuSeconds, pool, stopChild, track } from './process.js';
import { mib, printBench, sec, type BenchRow } from './table.js';

const clusters = Number(process.env.BENCH_ADDON_CLUSTERS ?? '1000');
const set = 'bench';
const ns = 'submariner-addon';
const progress = (message: string) => process.stderr.write(`addon benchmark: ${message}\n`);
const name = (i: number): string => `c${String(i).padStart(4, '0')}`;

function peakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) * 1024;
}

async function until(what: string, done: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000}s`);
    await sleep(250);
  }
}

async function populate(hub: KubeConfig): Promise<void> {
  await installOcmCrds(hub);
  await installAddon(hub, { namespace: ns, clusterSet: set, controller: false }, new MemoryReporter());
  await resourceClient(hub, ManagedClusterSetResource).apply({ metadata: { name: set }, spec: { clusterSelector: { selectorType: 'ExclusiveClusterSetLabel' } } });
  const adc = await resourceClient(hub, AddOnDeploymentConfigResource).get('submariner', ns);
  const ref = { group: 'addon.open-cluster-management.io', resource: 'addondeploymentconfigs', name: 'submariner', namespace: ns };
  const configReferences = [{ ...ref, desiredConfig: { name: 'submariner', namespace: ns, specHash: specHash(adc!) } }];
  const available = [{ type: 'ManagedClusterConditionAvailable', status: 'True', reason: 'ManagedClusterAvailable', message: '', lastTransitionTime: '2026-12-04T10:00:00Z' }];
  const [nsC, mcC, scC, mcaC] = [resourceClient(hub, NamespaceResource), resourceClient(hub, ManagedClusterResource), resourceClient(hub, SubmarinerConfigResource), resourceClient(hub, ManagedClusterAddOnResource)];
  await pool(
    Array.from({ length: clusters }, (_, i) => i),
    16,
    async (i) => {
      const c = name(i);
      const second = Math.floor(i / 250);
      await nsC.apply({ metadata: { name: c } });
      await mcC.apply({ metadata: { name: c, labels: { 'cluster.open-cluster-management.io/clusterset': set } }, spec: { hubAcceptsClient: true } });
      await mcC.patchStatus(c, { conditions: available });
      await scC.apply({
        metadata: { name: 'submariner', namespace: c },
        spec: { cableDriver: 'vxlan', clusterCIDR: `10.${second}.${i % 250}.0/24`, serviceCIDR: `10.${100 + second}.${i % 250}.0/24` },
      });
      await mcaC.apply({ metadata: { name: 'submariner', namespace: c }, spec: {} });
      await mcaC.patchStatus('submariner', { configReferences }, c);
      if ((i + 1) % 200 === 0) progress(`${i + 1}/${clusters} clusters created`);
    },
  );
}

/** What one controller cost the hub between two readings: API requests by verb and resource, and CPU seconds. */
interface Cost {
  requests: Map<string, number>;
  controllerCpu: number;
  serverCpu: number;
}

const isWrite = (key: string): boolean => !['GET', 'LIST', 'WATCH'].includes(key.split(' ')[0] ?? '');
const writesOf = (c: Cost): number => [...c.requests].filter(([k]) => isWrite(k)).reduce((a, [, n]) => a + n, 0);

/** Each request kind per cluster, largest first, for the log. */
function describeCost(what: string, c: Cost): string {
  const rows = [...c.requests].sort((a, b) => b[1] - a[1]).map(([k, n]) => `    ${(n / clusters).toFixed(2).padStart(7)}  ${k}`);
  return `${what}: ${(writesOf(c) / clusters).toFixed(1)} writes per cluster, controller CPU ${c.controllerCpu.toFixed(1)} s, hub control plane CPU ${c.serverCpu.toFixed(1)} s; requests per cluster:\n${rows.join('\n')}`;
}

/**
 * Writes the status OCM's work agents would (every agent ready) on each work `works` sees, once per generation,
 * 16 at a time. Attach before the watch starts; done() counts the works whose status is written.
 */
function agentStatusWriter(hub: KubeConfig, works: ResourceWatch<ManifestWork>): { done: () => number; stop: () => Promise<void> } {
  const client = resourceClient(hub, ManifestWorkResource);
  const written = new Map<string, number>();
  const pending = new Set<string>();
  works.onChange((w, event) => {
    if (event === 'delete') return;
    const key = `${w.metadata.namespace ?? ''}/${w.metadata.name ?? ''}`;
    if (written.get(key) !== w.metadata.generation) pending.add(key);
  });
  let writing = true;
  const loop = (async () => {
    while (writing) {
      const batch = [...pending];
      pending.clear();
      await pool(batch, 16, async (key) => {
        const w = works.byKey(key);
        if (w === undefined) return;
        await client.patchStatus(w.metadata.name ?? '', agentStatus(w, true) ?? {}, w.metadata.namespace);
        written.set(key, w.metadata.generation ?? 0);
      });
      if (batch.length === 0) await sleep(100);
    }
  })();
  return {
    done: () => written.size,
    stop: async () => {
      writing = false;
      await loop;
    },
  };
}

function startChild(args: string[], env: NodeJS.ProcessEnv, log: string): ChildProcess {
  const out = openSync(log, 'a');
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', out, out] });
  closeSync(out);
  return track(child);
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ksub-bench-addon-'));
  progress(`starting a hub control plane and creating ${clusters} managed clusters with the addon`);
  const fleet = await ControlPlaneFleet.start({ name: `bench-addon-${process.pid}`, runner: new ExecRunner(), clusters: [{ name: 'hub', serviceCidr: '10.150.0.0/16', clusterCidr: '10.250.0.0/16' }] });
  const children: ChildProcess[] = [];
  try {
    const hub = new KubeConfig();
    hub.loadFromFile(fleet.kubeconfigPath);
    hub.setCurrentContext('hub');
    const kubeconfig = join(dir, 'hub.kubeconfig');
    writeFileSync(kubeconfig, hub.exportConfig());
    await populate(hub);
    const log = jsonLogger('bench', false, () => undefined);

    // Baselines: one work per cluster and nothing else, with one ConfigMap in it, then with the agents it delivers.
    const serverCpu = (): number => fleet.state.data.pids.reduce((a, pid) => a + (existsSync(`/proc/${pid}`) ? cpuSeconds(pid) : 0), 0);
    const measure = async (): Promise<(child: ChildProcess) => Promise<Cost>> => {
      const [requests, cpu] = [await apiRequests(hub), serverCpu()];
      return async (child) => ({ requests: requestsBetween(requests, await apiRequests(hub)), controllerCpu: cpuSeconds(child.pid ?? 0), serverCpu: serverCpu() - cpu });
    };
    // With `status`, the work agents' status is written on the baseline's works too, as on the addon's, and the
    // baseline is done once every work carries it.
    const baselineRun = async (payload: BaselinePayload, status = false): Promise<{ ms: number; peak: number; cost: Cost }> => {
      const label = status ? `${payload}-status` : payload;
      const baselineWorks = watchResource(hub, ManifestWorkResource, { log, labelSelector: `${baselineLabel}=${label}`, transform: cachedWork });
      const writer = status ? agentStatusWriter(hub, baselineWorks) : undefined;
      await baselineWorks.start();
      progress(`baseline controller running (${label})`);
      const start = Date.now();
      const cost = await measure();
      const baseline = startChild(['--import', 'tsx', join(import.meta.dirname, 'addon-baseline.ts')], { KUBECONFIG: kubeconfig, BASELINE_PAYLOAD: payload, BASELINE_NAME: label }, join(dir, `baseline-${label}.log`));
      children.push(baseline);
      await until(`the ${label} baseline works`, () => (writer?.done() ?? baselineWorks.list().length) >= clusters, 900_000);
      const result = { ms: Date.now() - start, peak: peakRss(baseline.pid ?? 0), cost: await cost(baseline) };
      progress(describeCost(`${label} baseline`, result.cost));
      await writer?.stop();
      await stopChild(baseline);
      await baselineWorks.stop();
      return result;
    };
    const small = await baselineRun('configmap');
    const rendered = await baselineRun('rendered');
    const renderedStatus = await baselineRun('rendered', true);
    const [baselineMs, baselinePeak] = [small.ms, small.peak];

    // The addon controller, with the work agents' status written as works appear.
    const works = watchResource(hub, ManifestWorkResource, { log, labelSelector: 'open-cluster-management.io/addon-name=submariner', transform: cachedWork });
    const writer = agentStatusWriter(hub, works);
    await works.start();
    const mcas = watchResource(hub, ManagedClusterAddOnResource, { log, fieldSelector: 'metadata.name=submariner' });
    await mcas.start();
    const availableCount = (): number => mcas.list().filter((m) => m.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True')).length;

    progress('addon controller running');
    const t0 = Date.now();
    const measured = await measure();
    const controller = startChild([...agentCommand().args, 'addon'], {
      KUBECONFIG: kubeconfig,
      ADDON_BROKER_URL: hub.getCurrentCluster()?.server ?? '',
      ADDON_CLUSTERSETS: set,
      SUBMARINER_DEBUG: process.env.BENCH_KEEP_LOGS ? 'true' : 'false',
      NODE_OPTIONS: controllerNodeOptions,
    }, join(dir, 'controller.log'));
    children.push(controller);
    let worksMs = 0;
    await until('every addon Available', () => {
      if (worksMs === 0 && works.list().length >= clusters) {
        worksMs = Date.now() - t0;
        progress(`all ${clusters} works exist after ${sec(worksMs)}`);
      }
      return availableCount() >= clusters;
    }, 900_000);
    const availableMs = Date.now() - t0;
    const controllerPeak = peakRss(controller.pid ?? 0);
    const cost = await measured(controller);
    progress(describeCost('addon controller (with the work status the benchmark writes)', cost));
    await writer.stop();
    await Promise.all([works.stop(), mcas.stop()]);

    const rows: BenchRow[] = [
      { metric: `time until ${clusters} ManifestWorks exist`, value: sec(worksMs), baseline: sec(baselineMs), target: `< 30 s, ≤ 2× baseline (${(worksMs / baselineMs).toFixed(1)}×)` },
      { metric: '  the same, against works carrying the agents', value: sec(worksMs), baseline: sec(rendered.ms), target: `${(worksMs / rendered.ms).toFixed(1)}×` },
      { metric: `time until ${clusters} addons are Available`, value: sec(availableMs), baseline: sec(baselineMs), target: '< 30 s' },
      { metric: '  the same, against works carrying the agents and their status', value: sec(availableMs), baseline: sec(renderedStatus.ms), target: `${(availableMs / renderedStatus.ms).toFixed(1)}×` },
      { metric: 'API writes per cluster (work status included)', value: (writesOf(cost) / clusters).toFixed(1), baseline: (writesOf(renderedStatus.cost) / clusters).toFixed(1), target: '' },
      { metric: 'controller CPU', value: `${cost.controllerCpu.toFixed(1)} s`, baseline: `${renderedStatus.cost.controllerCpu.toFixed(1)} s`, target: '' },
      { metric: 'hub control plane CPU (apiserver, etcd, controllers)', value: `${cost.serverCpu.toFixed(1)} s`, baseline: `${renderedStatus.cost.serverCpu.toFixed(1)} s`, target: '' },
      { metric: 'controller peak memory (VmHWM)', value: mib(controllerPeak), baseline: mib(baselinePeak), target: '< 300 MiB' },
    ];
    printBench(`Hub addon: ${clusters} managed clusters on a real hub apiserver (work status written by the benchmark; baseline: one work per cluster with a ConfigMap, or with renderCluster's objects)`, rows);
  } finally {
    for (const c of children) await stopChild(c);
    await fleet.stop();
    if (process.env.BENCH_KEEP_LOGS) progress(`logs kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}
