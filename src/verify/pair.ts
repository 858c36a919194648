import { Flags } from '@oclif/core';
import type { KubeConfig } from '@kubernetes/client-node';
import { defaultImages, type Images } from './workloads.js';
import { loadKubeConfig } from '../cli/kubeconfig.js';

/** subctl's flags for a second cluster, and the images and timeout of the test pods. */
export const pairFlags = {
  tocontext: Flags.string({ summary: 'The kube context of the other cluster.', helpGroup: 'KUBE' }),
  toconfig: Flags.string({ summary: 'The kubeconfig of the other cluster (default: the same as --kubeconfig).', helpGroup: 'KUBE' }),
  'toolbox-image': Flags.string({ summary: 'Image of the client pods (curl, dig, nc, iperf3).', default: defaultImages.toolbox, helpGroup: 'PODS' }),
  'server-image': Flags.string({ summary: 'Image of the HTTP server pods (listening on port 80).', default: defaultImages.server, helpGroup: 'PODS' }),
  timeout: Flags.integer({ summary: 'Seconds one wait may take (a pod to start, traffic to pass, a name to resolve).', default: 90, min: 1, helpGroup: 'PODS' }),
};

/** The other cluster's kubeconfig: --toconfig (else --kubeconfig and KUBECONFIG) with --tocontext selected. */
export function loadOtherKubeConfig(f: { kubeconfig?: string | undefined; toconfig?: string | undefined; tocontext?: string | undefined }): KubeConfig {
  return loadKubeConfig({ kubeconfig: f.toconfig ?? f.kubeconfig, context: f.tocontext });
}

export function imagesOf(f: { 'toolbox-image': string; 'server-image': string }): Images {
  return { toolbox: f['toolbox-image'], server: f['server-image'] };
}
