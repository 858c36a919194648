import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { UserError } from '../../base/errors.js';
import { parseCrd, type Crd } from '../../api/crd-files.js';
import { applyCrds } from '../../api/install.js';

/**
 * The CRDs of open-cluster-management.io/api a hub serves, as paths under the module (build.sh copies them to
 * `<cache>/ocm-v<version>/crds`). The addon kinds come from addon/v1beta1: they serve v1alpha1 (the storage
 * version OCM v1.2 reads and writes) and v1beta1, without a conversion webhook.
 */
export const hubCrdFiles = [
  'cluster/v1/0000_00_clusters.open-cluster-management.io_managedclusters.crd.yaml',
  'cluster/v1beta2/0000_00_clusters.open-cluster-management.io_managedclustersets.crd.yaml',
  'cluster/v1beta2/0000_01_clusters.open-cluster-management.io_managedclustersetbindings.crd.yaml',
  'cluster/v1beta1/0000_02_clusters.open-cluster-management.io_placements.crd.yaml',
  'cluster/v1beta1/0000_03_clusters.open-cluster-management.io_placementdecisions.crd.yaml',
  'cluster/v1alpha1/0000_05_clusters.open-cluster-management.io_addonplacementscores.crd.yaml',
  'work/v1/0000_00_work.open-cluster-management.io_manifestworks.crd.yaml',
  'work/v1alpha1/0000_00_work.open-cluster-management.io_manifestworkreplicasets.crd.yaml',
  'addon/v1beta1/0000_00_addon.open-cluster-management.io_clustermanagementaddons.crd.yaml',
  'addon/v1beta1/0000_01_addon.open-cluster-management.io_managedclusteraddons.crd.yaml',
  'addon/v1beta1/0000_02_addon.open-cluster-management.io_addondeploymentconfigs.crd.yaml',
  'addon/v1alpha1/0000_03_addon.open-cluster-management.io_addontemplates.crd.yaml',
] as const;

/** The CRDs a managed cluster serves for its klusterlet. */
export const managedCrdFiles = [
  'work/v1/0000_01_work.open-cluster-management.io_appliedmanifestworks.crd.yaml',
  'cluster/v1alpha1/0000_02_clusters.open-cluster-management.io_clusterclaims.crd.yaml',
] as const;

export function loadOcmCrds(dir: string, files: readonly string[]): Crd[] {
  return files.map((f) => {
    const path = join(dir, f);
    if (!existsSync(path)) throw new UserError(`missing OCM CRD ${path}; build OCM once with \`npm run setup\``);
    return parseCrd(readFileSync(path, 'utf8'), path);
  });
}

/** Server-side applies OCM CRDs from `dir` and waits until they are served. */
export async function installOcmCrds(kc: KubeConfig, dir: string, files: readonly string[]): Promise<void> {
  await applyCrds(kc, loadOcmCrds(dir, files));
}
