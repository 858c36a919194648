import { join } from 'node:path';
import { cacheDir, wireguardGoPath } from '../../base/cache.js';

export { cacheDir };

/** Versions of the real components the sandbox runs; build.sh uses the same defaults. */
export const versions = {
  kubernetes: process.env.K8S_VERSION ?? '1.36.3',
  etcd: process.env.ETCD_VERSION ?? '3.6.16',
  coredns: process.env.COREDNS_VERSION ?? '1.14.7',
  /** Open Cluster Management, pinned by the wrapper module ocm/go.mod that build.sh builds it in. */
  ocm: '1.2.1',
  /** open-cluster-management.io/api, the version OCM's go.mod selects: its CRDs are the ones installed. */
  ocmApi: '1.2.0',
  wireguardGo: process.env.WIREGUARD_GO_VERSION ?? '0.0.0-20260522210424-ecfc5a8d5446',
} as const;

export interface Binaries {
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubeProxy: string;
  kubectl: string;
  etcd: string;
  coredns: string;
  /** Built at the pinned version; the wireguard cable driver finds it at the same place (plugins/wireguard/install.ts). */
  wireguardGo: string;
  /** The sandbox daemon's subreaper (reaper/main.go): it reports how the runc containers it adopts end. */
  reaper: string;
}

export function binaries(cache = cacheDir()): Binaries {
  const k8s = join(cache, `kubernetes-v${versions.kubernetes}`);
  return {
    kubeApiserver: join(k8s, 'kube-apiserver'),
    kubeControllerManager: join(k8s, 'kube-controller-manager'),
    kubeScheduler: join(k8s, 'kube-scheduler'),
    kubeProxy: join(k8s, 'kube-proxy'),
    kubectl: join(k8s, 'kubectl'),
    etcd: join(cache, `etcd-v${versions.etcd}`, 'etcd'),
    coredns: join(cache, `coredns-v${versions.coredns}`, 'coredns'),
    wireguardGo: wireguardGoPath(cache),
    reaper: join(cache, 'reaper', 'ksub-reaper'),
  };
}

/** Open Cluster Management's commands and the CRD files of its API module, as build.sh lays them out. */
export interface OcmBinaries {
  /** `registration controller` (hub) and `registration agent`. */
  registration: string;
  /** `placement controller` (hub). */
  placement: string;
  /** `addon manager` (hub) and `addon webhook-server`. */
  addon: string;
  /** `registration-operator agent`: the singleton klusterlet (registration and work agents in one process). */
  registrationOperator: string;
  /** The api module's CRD files, under their module paths (cluster/v1/..., work/v1/..., addon/v1beta1/...). */
  crds: string;
}

export function ocmBinaries(cache = cacheDir()): OcmBinaries {
  const dir = join(cache, `ocm-v${versions.ocm}`);
  return {
    registration: join(dir, 'registration'),
    placement: join(dir, 'placement'),
    addon: join(dir, 'addon'),
    registrationOperator: join(dir, 'registration-operator'),
    crds: join(dir, 'crds'),
  };
}
