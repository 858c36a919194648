// Open Cluster Management on the integration fleet: OCM's real hub controllers on `broker`, a klusterlet on
// cluster1 and cluster2, both accepted and in the ManagedClusterSet submariner. For tests of what runs on a hub.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { resourceClient } from '../../src/kube/resource-client.js';
import { defaultClusterSet, type ClusterSetSpec } from '../../src/sandbox/ocm/accept.js';
import { startOcm, type OcmFleet } from '../../src/sandbox/ocm/fleet.js';
import { ocmNamespaces } from '../../src/sandbox/ocm/names.js';
import { ocmResources } from '../../src/sandbox/ocm/resources.js';
import { FleetState } from '../../src/sandbox/state.js';
import { useFleet } from './fleet.js';

export interface TestOcm {
  fleet: OcmFleet;
  /** The hub's context in the fleet kubeconfig (default broker). */
  hub: string;
  /** The managed clusters: their contexts, and their ManagedCluster and hub namespace names. */
  clusters: string[];
  clusterSet: ClusterSetSpec;
  /** The fleet kubeconfig (every context). */
  kubeconfigPath: string;
  /** A kubeconfig file per context, holding that cluster alone. */
  kubeconfigs: Record<string, string>;
  kubeConfig(context: string): KubeConfig;
  /** Removes the ManagedClusters and the set (while the agents still run, so that their works are cleaned), then stops OCM. */
  stop(): Promise<void>;
}

export interface TestOcmOptions {
  hub?: string;
  clusters?: string[];
  clusterSet?: ClusterSetSpec;
}

/** Starts OCM on the fleet of `npm test -- integration` (or e2e); call `stop()` in the test's `after`. */
export async function startTestOcm(o: TestOcmOptions = {}): Promise<TestOcm> {
  const fleet = await useFleet();
  const hub = o.hub ?? 'broker';
  const clusters = o.clusters ?? ['cluster1', 'cluster2'];
  const clusterSet = o.clusterSet ?? defaultClusterSet;
  // The fleet's state directory holds the kubeconfig: OCM's processes are recorded there, so that the fleet's
  // teardown stops them even when the test process dies.
  const fleetDir = dirname(fleet.kubeconfigPath);
  const state = FleetState.load(basename(fleetDir), dirname(fleetDir));
  const dir = mkdtempSync(join(fleetDir, 'ocm-'));
  const kubeconfigs: Record<string, string> = {};
  for (const context of [hub, ...clusters]) {
    mkdirSync(join(dir, 'kubeconfigs'), { recursive: true });
    kubeconfigs[context] = join(dir, 'kubeconfigs', context);
    writeFileSync(kubeconfigs[context], fleet.kubeConfig(context).exportConfig(), { mode: 0o600 });
  }
  const server = (context: string): string => fleet.kubeConfig(context).getCurrentCluster()?.server ?? '';
  const ocm = await startOcm({
    dir,
    hub: { kubeconfig: kubeconfigs[hub] ?? '' },
    clusters: clusters.map((name) => ({ name, kubeconfig: kubeconfigs[name] ?? '', server: server(name) })),
    clusterSet,
    onProcess: (pid) => state?.addPid(pid),
  });
  return {
    fleet: ocm,
    hub,
    clusters,
    clusterSet,
    kubeconfigPath: fleet.kubeconfigPath,
    kubeconfigs,
    kubeConfig: (context) => fleet.kubeConfig(context),
    stop: () => forget(ocm, fleet.kubeConfig(hub), clusters.map((c) => fleet.kubeConfig(c)), clusterSet, clusters),
  };
}

/** What `clusteradm` unjoin and clean leave behind: no ManagedCluster, set, or klusterlet namespace; OCM stopped. */
async function forget(ocm: OcmFleet, hub: KubeConfig, managed: KubeConfig[], set: ClusterSetSpec, names: string[]): Promise<void> {
  const clusters = resourceClient(hub, ocmResources.managedCluster);
  try {
    for (const name of names) await clusters.delete(name);
    await resourceClient(hub, ocmResources.managedClusterSetBinding).delete(set.name, set.namespace);
    await resourceClient(hub, ocmResources.managedClusterSet).delete(set.name);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (await clusters.list()).some((c) => names.includes(c.metadata?.name ?? ''))) await sleep(500);
  } finally {
    await ocm.stop();
    for (const kc of managed) {
      await kc.makeApiClient(CoreV1Api).deleteNamespace({ name: ocmNamespaces.agent }).catch(() => undefined);
    }
  }
}
