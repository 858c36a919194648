import { join } from 'node:path';
import { cacheDir } from '../../base/cache.js';

export { cacheDir };

/** Versions of the real components the sandbox runs; build.sh uses the same defaults. */
export const versions = {
  kubernetes: process.env.K8S_VERSION ?? '1.36.3',
  etcd: process.env.ETCD_VERSION ?? '3.6.16',
  coredns: process.env.COREDNS_VERSION ?? '1.14.7',
} as const;

export interface Binaries {
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubeProxy: string;
  kubectl: string;
  etcd: string;
  coredns: string;
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
  };
}
