// OCM's hub CRDs (as `npm run setup` lays them out), for tests that use a plain apiserver as an OCM hub.
import type { KubeConfig } from '@kubernetes/client-node';
import { ocmBinaries } from '../../src/sandbox/binaries/versions.js';
import { hubCrdFiles, installOcmCrds as install } from '../../src/sandbox/ocm/crds.js';

export async function installOcmCrds(kc: KubeConfig): Promise<void> {
  await install(kc, ocmBinaries().crds, hubCrdFiles);
}
