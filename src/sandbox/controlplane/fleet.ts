import { rmSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { CommandRunner } from '../../net/command.js';
import { binaries as defaultBinaries, type Binaries } from '../binaries/versions.js';
import { FleetState, stateRoot } from '../state.js';
import { ControlPlane } from './control-plane.js';
import type { ControlPlaneEndpoint } from './kubeconfig.js';
import { writeKubeconfig } from './kubeconfig.js';
import { stopPids } from './process.js';

export interface ControlPlaneClusterSpec {
  name: string;
  serviceCidr: string;
  clusterCidr: string;
  advertiseAddress?: string;
  scheduler?: boolean;
}

export interface ControlPlaneFleetSpec {
  /** Fleet name: its state lives in <state root>/<name>. */
  name: string;
  clusters: ControlPlaneClusterSpec[];
  runner: CommandRunner;
  stateRoot?: string;
  binaries?: Binaries;
}

/** Several independent control planes on this host, with one kubeconfig holding a context per cluster. */
export class ControlPlaneFleet {
  private constructor(
    readonly state: FleetState,
    readonly planes: ControlPlane[],
    readonly kubeconfigPath: string,
  ) {}

  get endpoints(): ControlPlaneEndpoint[] {
    return this.planes.map((p) => p.endpoint);
  }

  /** Starts every control plane (removing what a crashed fleet of the same name left behind first). */
  static async start(spec: ControlPlaneFleetSpec): Promise<ControlPlaneFleet> {
    const root = spec.stateRoot ?? stateRoot();
    await teardownFleet(spec.name, root);
    const state = FleetState.create(spec.name, root);
    const bins = spec.binaries ?? defaultBinaries();
    const planes = spec.clusters.map(
      (c) =>
        new ControlPlane({
          name: c.name,
          dir: join(state.dir, c.name),
          advertiseAddress: c.advertiseAddress ?? hostAddress(),
          serviceCidr: c.serviceCidr,
          clusterCidr: c.clusterCidr,
          scheduler: c.scheduler ?? false,
          binaries: bins,
          runner: spec.runner,
          onProcess: (pid) => state.addPid(pid),
        }),
    );
    const kubeconfigPath = join(state.dir, 'kubeconfig');
    const fleet = new ControlPlaneFleet(state, planes, kubeconfigPath);
    try {
      await Promise.all(planes.map((p) => p.start()));
    } catch (err) {
      await fleet.stop();
      throw err;
    }
    writeKubeconfig(kubeconfigPath, fleet.endpoints, { server: 'loopback' });
    return fleet;
  }

  /** Stops every process (those others recorded in the fleet's state too, e.g. OCM's) and removes the fleet's files. */
  async stop(): Promise<void> {
    const recorded = FleetState.load(basename(this.state.dir), dirname(this.state.dir))?.data.pids ?? [];
    const ours = new Set(this.state.data.pids);
    await stopPids(recorded.filter((p) => !ours.has(p)));
    await Promise.all(this.planes.map((p) => p.stop()));
    await stopPids(this.state.data.pids);
    this.state.remove();
  }
}

/** Removes what a fleet left behind (processes and files), from its record on disk. */
export async function teardownFleet(name: string, root = stateRoot()): Promise<boolean> {
  const state = FleetState.load(name, root);
  if (!state) {
    rmSync(FleetState.path(name, root), { recursive: true, force: true });
    return false;
  }
  await stopPids(state.data.pids);
  state.remove();
  return true;
}

/** The first non-loopback IPv4 address of the host: the default advertise address of a control plane. */
export function hostAddress(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new Error('this host has no non-loopback IPv4 address for kube-apiserver to advertise; pass advertiseAddress');
}
