import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { applyObjects } from '../../kube/apply.js';
import { kubeConfigFromFile } from '../../kube/kubeconfig-file.js';
import { ocmBinaries, type OcmBinaries } from '../binaries/versions.js';
import type { ManagedProcess } from '../controlplane/process.js';
import { renderBootstrapKubeconfig, renderHubBootstrap } from './bootstrap.js';
import { hubCrdFiles, installOcmCrds } from './crds.js';
import { bootstrapServiceAccount, ocmNamespaces } from './names.js';
import { startOcmProcess } from './process.js';

export interface OcmHubSpec {
  /** Directory of the hub's logs and bootstrap kubeconfig. */
  dir: string;
  /** A kubeconfig file of the hub cluster alone (its current context), with rights to install CRDs and RBAC. */
  kubeconfig: string;
  /** The hub apiserver URL written in the bootstrap kubeconfig (default: the kubeconfig's); klusterlets and pods use it. */
  server?: string;
  binaries?: OcmBinaries;
  /** Called with each process started, so that it can be recorded for cleanup. */
  onProcess?: (pid: number) => void;
}

/** OCM's hub controllers running against a cluster: registration controller, placement controller, addon manager. */
export class OcmHub {
  constructor(
    readonly processes: ManagedProcess[],
    /** The hub's kubeconfig (the spec's). */
    readonly kubeconfig: string,
    /** The kubeconfig klusterlets join with (bootstrap ServiceAccount token). */
    readonly bootstrapKubeconfig: string,
  ) {}

  kubeConfig(): KubeConfig {
    return kubeConfigFromFile(this.kubeconfig);
  }

  get pids(): number[] {
    return this.processes.map((p) => p.pid).filter((p): p is number => p !== undefined);
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop()));
  }
}

/** A year: the bootstrap token only has to outlive the fleet's joins. */
const bootstrapTokenSeconds = 365 * 24 * 3600;

/**
 * Makes a cluster an OCM hub: installs the hub CRDs of open-cluster-management.io/api and the bootstrap RBAC,
 * writes a bootstrap kubeconfig and starts the registration controller, placement controller and addon manager.
 */
export async function startOcmHub(spec: OcmHubSpec): Promise<OcmHub> {
  const bins = spec.binaries ?? ocmBinaries();
  mkdirSync(spec.dir, { recursive: true });
  const kc = kubeConfigFromFile(spec.kubeconfig);
  await installOcmCrds(kc, bins.crds, hubCrdFiles);
  await applyObjects(kc, renderHubBootstrap());

  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`${spec.kubeconfig} has no current cluster`);
  const caPem = cluster.caData !== undefined ? Buffer.from(cluster.caData, 'base64').toString('utf8') : readFileSync(cluster.caFile ?? '', 'utf8');
  const token = await kc.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
    name: bootstrapServiceAccount,
    namespace: ocmNamespaces.bootstrap,
    body: { spec: { audiences: [], expirationSeconds: bootstrapTokenSeconds } },
  });
  const bootstrapKubeconfig = join(spec.dir, 'bootstrap.kubeconfig');
  writeFileSync(bootstrapKubeconfig, renderBootstrapKubeconfig(spec.server ?? cluster.server, caPem, token.status?.token ?? ''), { mode: 0o600 });

  const processes: ManagedProcess[] = [];
  const hub = new OcmHub(processes, spec.kubeconfig, bootstrapKubeconfig);
  const common = [`--kubeconfig=${spec.kubeconfig}`, `--namespace=${ocmNamespaces.hub}`];
  const commands: [string, string, string[]][] = [
    ['registration-controller', bins.registration, ['controller', ...common]],
    ['placement-controller', bins.placement, ['controller', ...common]],
    ['addon-manager', bins.addon, ['manager', ...common]],
  ];
  try {
    for (const [name, file, args] of commands) {
      processes.push(await startOcmProcess({ name, file, args, dir: spec.dir, onProcess: spec.onProcess }));
    }
  } catch (err) {
    await hub.stop();
    throw err;
  }
  return hub;
}
