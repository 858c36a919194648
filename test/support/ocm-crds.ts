// OCM's hub CRDs from open-cluster-management.io/api in the Go module cache (src/sandbox/binaries/setup.sh
// downloads the module with OCM), for tests that use a plain apiserver as an OCM hub.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { parseCrd } from '../../src/api/crd-files.js';
import { applyCrds } from '../../src/api/install.js';
import { cacheDir } from '../../src/base/cache.js';

export const ocmApiVersion = 'v1.2.0';

/** The hub CRD files, as OCM's cluster manager installs them (the addon kinds served as v1alpha1 and v1beta1). */
export const ocmHubCrdFiles = [
  'cluster/v1/0000_00_clusters.open-cluster-management.io_managedclusters.crd.yaml',
  'cluster/v1beta2/0000_00_clusters.open-cluster-management.io_managedclustersets.crd.yaml',
  'cluster/v1beta2/0000_01_clusters.open-cluster-management.io_managedclustersetbindings.crd.yaml',
  'cluster/v1beta1/0000_02_clusters.open-cluster-management.io_placements.crd.yaml',
  'cluster/v1beta1/0000_03_clusters.open-cluster-management.io_placementdecisions.crd.yaml',
  'work/v1/0000_00_work.open-cluster-management.io_manifestworks.crd.yaml',
  'addon/v1beta1/0000_00_addon.open-cluster-management.io_clustermanagementaddons.crd.yaml',
  'addon/v1beta1/0000_01_addon.open-cluster-management.io_managedclusteraddons.crd.yaml',
  'addon/v1beta1/0000_02_addon.open-cluster-management.io_addondeploymentconfigs.crd.yaml',
];

export function ocmApiDir(): string {
  const dir = join(cacheDir(), 'gomodcache', 'open-cluster-management.io', `api@${ocmApiVersion}`);
  if (!existsSync(dir)) throw new Error(`${dir} is missing: run \`npm run setup\` (it downloads OCM)`);
  return dir;
}

export async function installOcmCrds(kc: KubeConfig): Promise<void> {
  const dir = ocmApiDir();
  await applyCrds(kc, ocmHubCrdFiles.map((f) => parseCrd(readFileSync(join(dir, f), 'utf8'), f)));
}
