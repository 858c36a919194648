import type { KubeConfig } from '@kubernetes/client-node';
import {
  ManagedClusterAddOnResource,
  ManifestWorkResource,
  SubmarinerConfigResource,
  type Condition,
  type ManagedClusterAddOn,
  type ManifestWork,
} from '../../../src/api/index.js';
import { jsonLogger } from '../../../src/base/log.js';
import { MemoryReporter } from '../../../src/base/reporter.js';
import { resourceClient } from '../../../src/kube/resource-client.js';
import { installAddon } from '../../../addon/cli.js';
import { AddonController } from '../../../addon/controller.js';
import type { TestOcm } from '../../support/ocm.js';

/** A probe for `eventually` (test/support/kubectl.ts) from one that answers false or undefined while not yet true. */
export function truthy<T>(probe: () => Promise<T | false | undefined>): () => Promise<T | undefined> {
  return async () => {
    const v = await probe();
    return v === false ? undefined : v;
  };
}

/** The namespace the addon is installed in. */
export const addonNamespace = 'submariner-addon';

/** The networks each cluster's SubmarinerConfig gives. */
export const networks: Record<string, { clusterCIDR: string; serviceCIDR: string }> = {
  cluster1: { clusterCIDR: '10.241.0.0/16', serviceCIDR: '10.141.0.0/16' },
  cluster2: { clusterCIDR: '10.242.0.0/16', serviceCIDR: '10.142.0.0/16' },
};

/**
 * The addon on OCM's hub: installed without its Deployment, a SubmarinerConfig (vxlan and `networks`) per managed
 * cluster, and the controller running in this process for the clusterset; stop it in the test's `after`.
 */
export async function startAddon(ocm: TestOcm): Promise<AddonController> {
  const hub = ocm.kubeConfig(ocm.hub);
  await installAddon(hub, { namespace: addonNamespace, clusterSet: ocm.clusterSet.name, controller: false }, new MemoryReporter());
  for (const c of ocm.clusters) {
    await resourceClient(hub, SubmarinerConfigResource).apply({ metadata: { name: 'submariner', namespace: c }, spec: { cableDriver: 'vxlan', ...networks[c] } });
  }
  const log = jsonLogger('addon', false, () => undefined);
  const controller = new AddonController({ kc: hub, log, brokerUrl: hub.getCurrentCluster()?.server ?? '', clusterSets: [ocm.clusterSet.name], uninstallTimeoutMs: 5_000 });
  try {
    await controller.start();
  } catch (err) {
    await controller.stop();
    throw err;
  }
  return controller;
}

/** The cluster's ManagedClusterAddOn `submariner` on the hub. */
export const addonOf = (hub: KubeConfig, cluster: string): Promise<ManagedClusterAddOn | undefined> =>
  resourceClient(hub, ManagedClusterAddOnResource).get('submariner', cluster);

/** One condition of the cluster's ManagedClusterAddOn. */
export const conditionOf = async (hub: KubeConfig, cluster: string, type: string): Promise<Condition | undefined> =>
  (await addonOf(hub, cluster))?.status?.conditions?.find((c) => c.type === type);

/** The addon's ManifestWorks in the cluster's namespace on the hub. */
export const worksOf = (hub: KubeConfig, cluster: string): Promise<ManifestWork[]> =>
  resourceClient(hub, ManifestWorkResource).list({ namespace: cluster, labelSelector: 'open-cluster-management.io/addon-name=submariner' });

/** The images the works deliver to the agents (their DaemonSets' and Deployments' first containers). */
export const agentImages = (works: ManifestWork[]): string[] =>
  works
    .flatMap((w) => w.spec.workload.manifests)
    .filter((m) => m.kind === 'DaemonSet' || m.kind === 'Deployment')
    .map((m) => (m as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec.template.spec.containers[0]?.image ?? '');
