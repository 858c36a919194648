import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { applyObjects } from '../../kube/apply.js';
import { kubeConfigFromFile } from '../../kube/kubeconfig-file.js';
import { ocmBinaries, type OcmBinaries } from '../binaries/versions.js';
import type { ManagedProcess } from '../controlplane/process.js';
import { renderClusterClaims, renderKlusterletNamespaces } from './bootstrap.js';
import { installOcmCrds, managedCrdFiles } from './crds.js';
import { ocmNamespaces } from './names.js';
import { startOcmProcess } from './process.js';

export interface KlusterletSpec {
  /** The ManagedCluster's name, and its namespace on the hub. */
  clusterName: string;
  /** Directory of its log and of the hub kubeconfig it earns. */
  dir: string;
  /** A kubeconfig file of the managed cluster alone (its current context), with admin rights. */
  kubeconfig: string;
  /** The hub's bootstrap kubeconfig (OcmHub.bootstrapKubeconfig). */
  bootstrapKubeconfig: string;
  /** The managed cluster's apiserver URL as the hub records it (ManagedCluster spec.managedClusterClientConfigs). */
  externalServerUrl: string;
  /** ClusterClaims the cluster publishes to the hub (name -> value). */
  claims?: Readonly<Record<string, string>>;
  /** How often the work agent re-reads applied objects for ManifestWork status and feedback (default 2s). */
  statusSyncInterval?: string;
  binaries?: OcmBinaries;
  onProcess?: (pid: number) => void;
}

/** The klusterlet of one managed cluster: OCM's singleton agent (registration and work agents in one process). */
export class Klusterlet {
  constructor(
    private readonly spec: KlusterletSpec,
    private proc: ManagedProcess,
    /** The hub kubeconfig the agent writes once its CSR is approved (its client certificate). */
    readonly hubKubeconfig: string,
  ) {}

  get clusterName(): string {
    return this.spec.clusterName;
  }

  get process(): ManagedProcess {
    return this.proc;
  }

  /** The managed cluster's kubeconfig (the spec's). */
  get kubeconfig(): string {
    return this.spec.kubeconfig;
  }

  kubeConfig(): KubeConfig {
    return kubeConfigFromFile(this.kubeconfig);
  }

  async stop(): Promise<void> {
    await this.proc.stop();
  }

  /** Starts the agent again (after stop()), with the hub certificate it earned: the cluster reports again without a new CSR. */
  async restart(): Promise<void> {
    await this.proc.stop();
    this.proc = await startAgent(this.spec, this.hubKubeconfig);
  }
}

/**
 * Installs the managed-cluster CRDs (AppliedManifestWork, ClusterClaim), the klusterlet's namespaces and the cluster's claims, then
 * starts `registration-operator agent`: it creates its ManagedCluster on the hub and asks for a hub client
 * certificate with a CSR, which acceptCluster approves; it then applies the ManifestWorks of its namespace.
 */
export async function startKlusterlet(spec: KlusterletSpec): Promise<Klusterlet> {
  const bins = spec.binaries ?? ocmBinaries();
  const hubDir = join(spec.dir, 'hub-kubeconfig');
  mkdirSync(hubDir, { recursive: true });
  const kc = kubeConfigFromFile(spec.kubeconfig);
  await installOcmCrds(kc, bins.crds, managedCrdFiles);
  await applyObjects(kc, [...renderKlusterletNamespaces(), ...renderClusterClaims(spec.claims ?? {})]);
  const hubKubeconfig = join(hubDir, 'kubeconfig');
  return new Klusterlet(spec, await startAgent(spec, hubKubeconfig), hubKubeconfig);
}

function startAgent(spec: KlusterletSpec, hubKubeconfig: string): Promise<ManagedProcess> {
  const bins = spec.binaries ?? ocmBinaries();
  return startOcmProcess({
    name: `klusterlet-${spec.clusterName}`,
    file: bins.registrationOperator,
    args: [
      'agent',
      `--kubeconfig=${spec.kubeconfig}`,
      `--namespace=${ocmNamespaces.agent}`,
      `--spoke-cluster-name=${spec.clusterName}`,
      `--bootstrap-kubeconfig=${spec.bootstrapKubeconfig}`,
      `--hub-kubeconfig-dir=${dirname(hubKubeconfig)}`,
      `--workload-source-config=${hubKubeconfig}`,
      `--spoke-external-server-urls=${spec.externalServerUrl}`,
      `--status-sync-interval=${spec.statusSyncInterval ?? '2s'}`,
      // Status feedback of lists (the active gateway's connections, read by the hub addon), each kept to the hub
      // API's 1,024 characters (the agent's default --max-json-raw-length): a longer value fails alone instead of
      // the hub refusing the whole status.
      '--feature-gates=RawFeedbackJsonString=true',
    ],
    dir: spec.dir,
    onProcess: spec.onProcess,
  });
}
