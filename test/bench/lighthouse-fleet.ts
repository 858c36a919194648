// A broker and two member clusters on real control planes (no nodes), joined with the project's libraries, and
// the Lighthouse agents and DNS servers run as child processes with the environment their Deployments give them.
import { spawn, type ChildProcess } from 'node:child_process';
import { request, type RequestOptions } from 'node:https';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, CustomObjectsApi, DiscoveryV1Api, KubeConfig } from '@kubernetes/client-node';
import { GatewayResource } from '../../src/api/index.js';
import { mergePatch } from '../../src/kube/apply.js';
import { keepAliveClient } from '../../src/kube/keep-alive.js';
import { ExecRunner } from '../../src/net/command.js';
import { lighthouseDnsEnv } from '../../src/api/agent-env.js';
import { ControlPlaneFleet } from '../../src/sandbox/controlplane/fleet.js';
import { deployAndJoin, deploymentEnv } from '../support/join.js';
import { freePort, stopChild, track } from './process.js';
import { names } from '../../src/api/names.js';

export const members = ['cluster1', 'cluster2'] as const;
export type Member = (typeof members)[number];
export type Component = 'lighthouse-agent' | 'lighthouse-dns';

const networks = {
  broker: { serviceCidr: '10.140.0.0/16', clusterCidr: '10.240.0.0/16' },
  cluster1: { serviceCidr: '10.141.0.0/16', clusterCidr: '10.241.0.0/16' },
  cluster2: { serviceCidr: '10.142.0.0/16', clusterCidr: '10.242.0.0/16' },
} as const;
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** API clients of one cluster that keep their connections open, so that creating thousands of objects is quick. */
export interface Apis {
  core: CoreV1Api;
  discovery: DiscoveryV1Api;
  custom: CustomObjectsApi;
}

export interface LighthouseFleet {
  kc: Record<Member | 'broker', KubeConfig>;
  api: Record<Member | 'broker', Apis>;
  /** One kubeconfig file per member cluster, for its child processes. */
  kubeconfigs: Record<Member, string>;
  stop(): Promise<void>;
}

/** Starts the three control planes, deploys the broker (service discovery and connectivity) and joins both members. */
export async function startLighthouseFleet(name: string, dir: string): Promise<LighthouseFleet> {
  const fleet = await ControlPlaneFleet.start({
    name,
    runner: new ExecRunner(),
    clusters: (['broker', ...members] as const).map((c) => ({ name: c, ...networks[c] })),
  });
  try {
    const kc = {} as LighthouseFleet['kc'];
    const api = {} as LighthouseFleet['api'];
    const kubeconfigs = {} as LighthouseFleet['kubeconfigs'];
    for (const c of ['broker', ...members] as const) {
      kc[c] = new KubeConfig();
      kc[c].loadFromFile(fleet.kubeconfigPath);
      kc[c].setCurrentContext(c);
      api[c] = { core: keepAliveClient(kc[c], CoreV1Api), discovery: keepAliveClient(kc[c], DiscoveryV1Api), custom: keepAliveClient(kc[c], CustomObjectsApi) };
    }
    for (const c of members) {
      kubeconfigs[c] = join(dir, `${c}.kubeconfig`);
      writeFileSync(kubeconfigs[c], kc[c].exportConfig(), { mode: 0o600 });
    }
    await deployAndJoin(kc.broker, { cluster1: { kc: kc.cluster1, ...networks.cluster1 }, cluster2: { kc: kc.cluster2, ...networks.cluster2 } }, dir);
    return { kc, api, kubeconfigs, stop: () => fleet.stop() };
  } catch (err) {
    await fleet.stop();
    throw err;
  }
}

/** Writes the active Gateway of `local` reporting `remote` connected, as the gateway engine does once the tunnel is up. */
export async function reportConnected(api: Apis, local: Member, remote: Member): Promise<void> {
  const { group, version, plural, kind } = GatewayResource;
  const ref = { group, version, plural, namespace: names.defaultNamespace, name: `${local}-gateway` };
  const endpoint = (id: Member, ip: string) => ({
    cluster_id: id,
    cable_name: `submariner-cable-${id}-${ip.replace(/\./g, '-')}`,
    hostname: `${id}-gateway`,
    subnets: [networks[id].serviceCidr, networks[id].clusterCidr],
    private_ip: ip,
    nat_enabled: false,
    backend: 'vxlan',
  });
  await api.custom.createNamespacedCustomObject({ ...ref, body: { apiVersion: `${group}/${version}`, kind, metadata: { name: ref.name } } });
  const status = {
    version: 'bench',
    haStatus: 'active',
    localEndpoint: endpoint(local, '192.0.2.1'),
    connections: [{ status: 'connected', statusMessage: '', endpoint: endpoint(remote, '192.0.2.2') }],
  };
  await api.custom.patchNamespacedCustomObjectStatus({ ...ref, body: { status } }, mergePatch);
}

// ---------------------------------------------------------------- child processes

export interface ComponentProcess {
  cluster: Member;
  component: Component;
  child: ChildProcess;
  log: string;
  dnsPort?: number;
  metricsPort?: number;
}

/** The newest modification time of the files under `dir` whose names end with `suffix`. */
function newest(dir: string, suffix: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((t, e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return Math.max(t, newest(path, suffix));
    return e.name.endsWith(suffix) ? Math.max(t, statSync(path).mtimeMs) : t;
  }, 0);
}

/** The agent entry point of the containers, from the build (`npm run build`, which `npm run bench` runs first). */
export function agentCommand(): { args: string[]; what: string } {
  const built = join(root, 'dist', 'src', 'bin', 'agent.js');
  if (!existsSync(built)) throw new Error(`${built} does not exist: run \`npm run build\` first`);
  // The compiler leaves outputs that did not change untouched: compare with the newest output of all.
  if (newest(join(root, 'src'), '.ts') > newest(join(root, 'dist', 'src'), '.js')) process.stderr.write(`warning: sources changed since ${built} was built\n`);
  return { args: [built], what: 'dist/src/bin/agent.js' };
}

/** Starts a component of a member cluster as its Deployment would, talking to that cluster through KUBECONFIG. */
export async function startComponent(fleet: LighthouseFleet, dir: string, cluster: Member, component: Component): Promise<ComponentProcess> {
  const env: NodeJS.ProcessEnv = { ...(await deploymentEnv(fleet.kc[cluster], component)), KUBECONFIG: fleet.kubeconfigs[cluster], PATH: process.env.PATH ?? '' };
  const ports: { dnsPort?: number; metricsPort?: number } = {};
  if (component === 'lighthouse-dns') {
    ports.dnsPort = await freePort();
    ports.metricsPort = await freePort();
    env[lighthouseDnsEnv.dnsPort] = String(ports.dnsPort);
    env[lighthouseDnsEnv.metricsPort] = String(ports.metricsPort);
  }
  const log = join(dir, `${cluster}-${component}.log`);
  const out = openSync(log, 'w');
  const child = spawn(process.execPath, [...agentCommand().args, component], { env, stdio: ['ignore', out, out] });
  closeSync(out);
  track(child);
  const p: ComponentProcess = { ...ports, cluster, component, child, log };
  await waitStarted(p).catch(async (err: unknown) => {
    await stopComponent(p);
    throw err;
  });
  return p;
}

export function assertRunning(p: ComponentProcess): void {
  if (p.child.exitCode === null && p.child.signalCode === null) return;
  throw new Error(`${p.cluster} ${p.component} exited (${p.child.exitCode ?? p.child.signalCode}):\n${readFileSync(p.log, 'utf8').slice(-2000)}`);
}

/** Waits until the agent has listed everything, or the DNS server reports ready. */
async function waitStarted(p: ComponentProcess): Promise<void> {
  const ready = async () => {
    if (p.component === 'lighthouse-agent') return readFileSync(p.log, 'utf8').includes('watches synced');
    return (await fetch(`http://127.0.0.1:${p.metricsPort}/readyz`).catch(() => undefined))?.status === 200;
  };
  const deadline = Date.now() + 60_000;
  while (!(await ready())) {
    assertRunning(p);
    if (Date.now() > deadline) throw new Error(`${p.cluster} ${p.component} did not start within 60 s (log: ${p.log})`);
    await sleep(200);
  }
}

export async function stopComponent(p: ComponentProcess): Promise<void> {
  if (await stopChild(p.child, 10_000)) process.stderr.write(`warning: the ${p.cluster} ${p.component} did not exit within 10 s of SIGTERM (log: ${p.log})\n`);
}

/**
 * The requests a cluster's API server has served so far, by `VERB resource[/subresource]`, from its /metrics; with
 * `failures`, those answered with an error status apart, as `VERB resource (409)`.
 */
export async function apiRequests(kc: KubeConfig, failures = false): Promise<Map<string, number>> {
  const server = new URL(kc.getCurrentCluster()?.server ?? '');
  const opts: RequestOptions = { hostname: server.hostname, port: server.port, path: '/metrics', method: 'GET' };
  await kc.applyToHTTPSOptions(opts);
  const body = await new Promise<string>((resolve, reject) => {
    const req = request(opts, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`GET ${server.origin}/metrics: HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
  const counts = new Map<string, number>();
  for (const m of body.matchAll(/^apiserver_request_total\{([^}]*)\} (\d+)$/gm)) {
    const label = (name: string): string => new RegExp(`(?:^|,)${name}="([^"]*)"`).exec(m[1] ?? '')?.[1] ?? '';
    const sub = label('subresource');
    const code = label('code');
    const key = `${label('verb')} ${label('resource')}${sub ? `/${sub}` : ''}${failures && !code.startsWith('2') ? ` (${code})` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(m[2]));
  }
  return counts;
}

/** The requests served between two apiRequests() readings, by key, leaving out keys that did not grow. */
export function requestsBetween(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of after) if (v - (before.get(k) ?? 0) > 0) out.set(k, v - (before.get(k) ?? 0));
  return out;
}

const isWrite = (key: string): boolean => !['GET', 'LIST', 'WATCH'].includes(key.split(' ')[0] ?? '');

/** The write requests (every verb but GET, LIST and WATCH) a cluster's API server has served, failed ones apart. */
export async function apiWrites(kc: KubeConfig): Promise<Map<string, number>> {
  return new Map([...(await apiRequests(kc, true))].filter(([key]) => isWrite(key)));
}

/** How many write requests a cluster's API server has served, from its /metrics. */
export async function apiWriteCount(kc: KubeConfig): Promise<number> {
  return [...(await apiWrites(kc)).values()].reduce((a, b) => a + b, 0);
}
