import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api } from '@kubernetes/client-node';
import { UserError } from '../base/errors.js';
import type { CommandRunner } from '../net/command.js';
import { kubeConfigFromFile } from '../kube/kubeconfig-file.js';
import { resourceClient } from '../kube/resource-client.js';
import { binaries, ocmBinaries } from './binaries/versions.js';
import { isAlive } from './controlplane/process.js';
import { managedClusterState, ocmResources, type ManagedCluster } from './ocm/resources.js';
import { preflight } from './preflight.js';
import { ProgressLog, type ProgressEvent } from './progress.js';
import { teardownSandbox, type SandboxInfo } from './sandbox.js';
import { FleetState } from './state.js';
import { fleetTopology, validateSandboxOptions, type SandboxOptions } from './topology.js';

export const defaultFleetName = 'sandbox';

export interface UpResult {
  alreadyUp: boolean;
  info: SandboxInfo;
}

/**
 * Brings a sandbox fleet up: checks the host, starts the fleet daemon, follows its progress and returns
 * once every cluster is ready. When the fleet is already up, reports it and changes nothing.
 */
export async function sandboxUp(
  runner: CommandRunner,
  options: SandboxOptions,
  onEvent: (e: ProgressEvent) => void,
  name = defaultFleetName,
): Promise<UpResult> {
  validateSandboxOptions(options);
  const existing = FleetState.load(name);
  if (existing) {
    const info = existing.data.info as SandboxInfo | undefined;
    const ready = new ProgressLog(join(existing.dir, 'progress.jsonl')).read().some((e) => e.status === 'ready');
    if (info && isAlive(info.daemonPid) && ready) return { alreadyUp: true, info };
    if (info && isAlive(info.daemonPid)) {
      throw new UserError(`sandbox "${name}" is still starting (daemon pid ${info.daemonPid}); wait for it or run \`kubectl submariner sandbox down\``);
    }
    await teardownSandbox(runner, existing);
  }
  await preflight(runner, binaries(), options.hub ? ocmBinaries() : undefined);
  fleetTopology(options);

  const state = FleetState.create(name);
  const logFile = join(state.dir, 'daemon.log');
  const daemon = startDaemon(name, options, logFile, binaries().reaper);
  state.addPid(daemon);
  const progress = new ProgressLog(join(state.dir, 'progress.jsonl'));
  let seen = 0;
  for (;;) {
    const events = progress.read();
    for (const e of events.slice(seen)) onEvent(e);
    seen = events.length;
    const failed = events.find((e) => e.status === 'fail');
    if (events.some((e) => e.status === 'ready')) {
      const current = FleetState.load(name);
      return { alreadyUp: false, info: current?.data.info as SandboxInfo };
    }
    if (!isAlive(daemon) || failed) {
      const log = tail(logFile);
      await waitGone(daemon, 60_000);
      // The daemon removes what it made; whatever a crash left behind goes here.
      const left = FleetState.load(name);
      if (left) await teardownSandbox(runner, left);
      const reason = failed ? `${failed.step}: ${failed.message ?? ''}` : 'the sandbox daemon exited';
      throw new UserError(`sandbox up failed: ${reason}\n${log}\n(everything it created has been removed)`);
    }
    await sleep(200);
  }
}

/**
 * The daemon's young generation is kept small: its kubelets allocate in bursts (pod starts, watch events), and
 * V8's default semi-spaces (16 MiB each) would keep up to 48 MiB committed after one, varying from run to run.
 */
const daemonHeap = ['--max-semi-space-size=2'];

/**
 * Starts the fleet daemon under the subreaper, which adopts the runc containers its kubelets start detached and
 * reports their exits to it; the subreaper's pid is the daemon's.
 */
function startDaemon(name: string, options: SandboxOptions, logFile: string, reaper: string): number {
  const script = fileURLToPath(new URL(`./daemon${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(reaper, [process.execPath, ...daemonHeap, ...loader, script, name, JSON.stringify(options)], {
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    child.unref();
    if (child.pid === undefined) throw new Error('cannot start the sandbox daemon');
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

export interface DownResult {
  removed: boolean;
}

/** Stops the fleet daemon (which tears everything down) and removes whatever is left from the fleet's record. */
export async function sandboxDown(runner: CommandRunner, name = defaultFleetName): Promise<DownResult> {
  const state = FleetState.load(name);
  if (!state) return { removed: false };
  const info = state.data.info as SandboxInfo | undefined;
  const daemon = info?.daemonPid ?? state.data.pids[0];
  if (daemon !== undefined && isAlive(daemon)) {
    process.kill(daemon, 'SIGTERM');
    await waitGone(daemon, 90_000);
  }
  const left = FleetState.load(name);
  if (left) await teardownSandbox(runner, left);
  return { removed: true };
}

async function waitGone(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
}

export interface ClusterStatus {
  cluster: string;
  /** The OCM hub (`sandbox up --hub`). */
  hub: boolean;
  /** With a hub: `hub` for the hub, else the member's ManagedCluster state (Available when joined and healthy). */
  ocm?: string;
  nodes: { name: string; ready: boolean; internalIp: string; podCidr: string; gateway: boolean }[];
  podCidr: string;
  serviceCidr: string;
  context: string;
  server: string;
  reachable: boolean;
}

export interface StatusResult {
  name: string;
  running: boolean;
  kubeconfig: string;
  clusters: ClusterStatus[];
}

/** The fleet as the clusters themselves report it. */
export async function sandboxStatus(name = defaultFleetName): Promise<StatusResult | undefined> {
  const state = FleetState.load(name);
  const info = state?.data.info as SandboxInfo | undefined;
  if (!state || !info) return undefined;
  const running = isAlive(info.daemonPid);
  const ocmStates = info.ocm ? await managedClusterStates(info, info.ocm) : undefined;
  const clusters = await Promise.all(
    info.topology.clusters.map(async (c): Promise<ClusterStatus> => {
      const base = {
        cluster: c.name,
        hub: c.hub,
        ...(ocmStates ? { ocm: c.hub ? 'hub' : (ocmStates.get(c.name) ?? 'Unregistered') } : {}),
        podCidr: c.podCidr,
        serviceCidr: c.serviceCidr,
        context: c.name,
        server: info.endpoints.find((e) => e.name === c.name)?.server ?? '',
      };
      try {
        const kc = kubeConfigFromFile(info.kubeconfig, c.name);
        const nodes = (await kc.makeApiClient(CoreV1Api).listNode()).items;
        return {
          ...base,
          reachable: true,
          nodes: c.nodes.map((t) => {
            const n = nodes.find((x) => x.metadata?.name === t.name);
            return {
              name: t.name,
              ready: n?.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ?? false,
              internalIp: t.ip,
              podCidr: n?.spec?.podCIDR ?? '',
              gateway: t.gateway,
            };
          }),
        };
      } catch {
        return { ...base, reachable: false, nodes: c.nodes.map((t) => ({ name: t.name, ready: false, internalIp: t.ip, podCidr: '', gateway: t.gateway })) };
      }
    }),
  );
  return { name, running, kubeconfig: info.kubeconfig, clusters };
}

/** Each member's ManagedCluster state as the hub reports it ('Unreachable' when the hub does not answer). */
async function managedClusterStates(info: SandboxInfo, ocm: NonNullable<SandboxInfo['ocm']>): Promise<Map<string, string>> {
  try {
    const kc = kubeConfigFromFile(info.kubeconfig, ocm.hub);
    const clusters = resourceClient<typeof ocmResources.managedCluster, ManagedCluster>(kc, ocmResources.managedCluster);
    const listed = await clusters.list();
    return new Map(ocm.managedClusters.map((name) => [name, managedClusterState(listed.find((m) => m.metadata?.name === name))]));
  } catch {
    return new Map(ocm.managedClusters.map((name) => [name, 'Unreachable']));
  }
}

/** The fleet's kubeconfig (one context per cluster). */
export function sandboxKubeconfig(name = defaultFleetName): { path: string; content: string } {
  const state = FleetState.load(name);
  const info = state?.data.info as SandboxInfo | undefined;
  if (!info || !existsSync(info.kubeconfig)) {
    throw new UserError(`sandbox "${name}" is not up: start it with \`kubectl submariner sandbox up\``);
  }
  return { path: info.kubeconfig, content: readFileSync(info.kubeconfig, 'utf8') };
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
