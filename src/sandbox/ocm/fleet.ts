import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { errorText } from '../../base/log.js';
import type { OcmBinaries } from '../binaries/versions.js';
import { logTail } from '../controlplane/process.js';
import { acceptCluster, addToClusterSet, defaultClusterSet, waitClusterAvailable, type ClusterSetSpec } from './accept.js';
import { startOcmHub, type OcmHub } from './hub.js';
import { startKlusterlet, type Klusterlet } from './klusterlet.js';

export interface OcmManagedClusterSpec {
  /** The ManagedCluster's name. */
  name: string;
  /** A kubeconfig file of the cluster alone (its current context). */
  kubeconfig: string;
  /** Its apiserver URL as the hub records it. */
  server: string;
  /** ClusterClaims it publishes to the hub. */
  claims?: Readonly<Record<string, string>>;
}

export interface OcmFleetSpec {
  /** Logs, the bootstrap kubeconfig and the klusterlets' hub kubeconfigs go under it (hub/, <cluster>/). */
  dir: string;
  hub: { kubeconfig: string; server?: string };
  clusters: OcmManagedClusterSpec[];
  /** The ManagedClusterSet every cluster joins (default submariner, bound to namespace default). */
  clusterSet?: ClusterSetSpec;
  binaries?: OcmBinaries;
  onProcess?: (pid: number) => void;
}

/** An OCM hub with its managed clusters joined, accepted, Available and in one ManagedClusterSet. */
export class OcmFleet {
  constructor(
    readonly hub: OcmHub,
    readonly klusterlets: Klusterlet[],
    readonly clusterSet: ClusterSetSpec,
  ) {}

  get pids(): number[] {
    return [...this.hub.pids, ...this.klusterlets.map((k) => k.process.pid).filter((p): p is number => p !== undefined)];
  }

  hubKubeConfig(): KubeConfig {
    return this.hub.kubeConfig();
  }

  /** Stops the klusterlets, then the hub controllers. */
  async stop(): Promise<void> {
    await Promise.all(this.klusterlets.map((k) => k.stop()));
    await this.hub.stop();
  }
}

/** Starts OCM's hub, a klusterlet per managed cluster, accepts them and waits until every one is Available. */
export async function startOcm(spec: OcmFleetSpec): Promise<OcmFleet> {
  const common = { binaries: spec.binaries, onProcess: spec.onProcess };
  const hub = await startOcmHub({ dir: join(spec.dir, 'hub'), kubeconfig: spec.hub.kubeconfig, server: spec.hub.server, ...common });
  const klusterlets: Klusterlet[] = [];
  const fleet = new OcmFleet(hub, klusterlets, spec.clusterSet ?? defaultClusterSet);
  try {
    const hubKc = hub.kubeConfig();
    // Settled, not Promise.all: on a failure every klusterlet started so far is known, and stopped.
    const joins = await Promise.allSettled(
      spec.clusters.map(async (c) => {
        const k = await startKlusterlet({
          clusterName: c.name,
          dir: join(spec.dir, c.name),
          kubeconfig: c.kubeconfig,
          bootstrapKubeconfig: hub.bootstrapKubeconfig,
          externalServerUrl: c.server,
          claims: c.claims,
          ...common,
        });
        klusterlets.push(k);
        try {
          // Three klusterlets and the hub's controllers start at once: on two cores, a first join can take a while.
          await acceptCluster(hubKc, c.name, 120_000);
          await waitClusterAvailable(hubKc, c.name);
        } catch (err) {
          const proc = k.process;
          const state = proc.running ? 'is running' : `exited (code ${String(proc.exitCode)})`;
          throw new Error(`${errorText(err)}\nthe klusterlet of ${c.name} ${state}; the end of its log (${proc.spec.logFile}):\n${logTail(proc.spec.logFile)}`, { cause: err });
        }
      }),
    );
    const failed = joins.find((j) => j.status === 'rejected');
    if (failed) throw failed.reason;
    await addToClusterSet(hubKc, fleet.clusterSet, spec.clusters.map((c) => c.name));
  } catch (err) {
    await fleet.stop();
    throw err;
  }
  return fleet;
}
