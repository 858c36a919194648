import { CoreV1Api, type KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { wellKnown } from '../api/names.js';
import { UserError } from '../base/errors.js';
import { apiStatus, undefinedIfNotFound } from '../kube/apply.js';
import { cidrSize, cidrsOverlap, formatCidr, parseCidr, subnet } from '../net/cidr.js';

export interface GlobalnetClusterInfo {
  cluster_id: string;
  global_cidr: string[];
}

export interface GlobalnetInfo {
  enabled: boolean;
  cidrRange: string;
  clusterSize: number;
  clusters: GlobalnetClusterInfo[];
}

export function parseGlobalnetInfo(cm: V1ConfigMap): GlobalnetInfo {
  const d = cm.data ?? {};
  return {
    enabled: d.globalnetEnabled === 'true',
    cidrRange: JSON.parse(d.globalnetCidrRange ?? '"242.0.0.0/8"') as string,
    clusterSize: Number(d.globalnetClusterSize ?? '65536'),
    clusters: JSON.parse(d.clusterinfo ?? '[]') as GlobalnetClusterInfo[],
  };
}

/**
 * Gives `clusterId` a global CIDR from the broker's range (the requested one, or the first free block of the
 * cluster size), recorded in the broker's globalnet ConfigMap. Concurrent joins are safe: the ConfigMap is
 * replaced only at the resourceVersion that was read, and a conflict starts over.
 */
export async function allocateGlobalCidr(kc: KubeConfig, namespace: string, clusterId: string, requested?: string): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  for (let attempt = 0; attempt < 20; attempt++) {
    const cm = await core.readNamespacedConfigMap({ name: wellKnown.globalnetInfoConfigMap, namespace });
    const info = parseGlobalnetInfo(cm);
    const mine = info.clusters.find((c) => c.cluster_id === clusterId);
    const others = info.clusters.filter((c) => c.cluster_id !== clusterId);
    if (mine?.global_cidr[0] && (requested === undefined || mine.global_cidr[0] === requested)) return mine.global_cidr[0];
    const cidr = requested ?? firstFree(info, others);
    checkRequested(info, others, cidr);
    const clusters = [...others, { cluster_id: clusterId, global_cidr: [cidr] }];
    try {
      await core.replaceNamespacedConfigMap({
        name: wellKnown.globalnetInfoConfigMap,
        namespace,
        body: { ...cm, data: { ...cm.data, clusterinfo: JSON.stringify(clusters) } },
      });
      return cidr;
    } catch (err) {
      if (apiStatus(err) !== 409) throw err;
    }
  }
  throw new Error('could not record the global CIDR: the broker ConfigMap kept changing; try again');
}

function firstFree(info: GlobalnetInfo, others: GlobalnetClusterInfo[]): string {
  const range = parseCidr(info.cidrRange);
  const prefix = 32 - Math.log2(info.clusterSize);
  const blocks = cidrSize(range) / info.clusterSize;
  const used = others.flatMap((c) => c.global_cidr);
  for (let i = 0; i < blocks; i++) {
    const candidate = subnet(range, prefix, i);
    if (!used.some((u) => cidrsOverlap(u, candidate))) return candidate;
  }
  throw new UserError(`the globalnet range ${info.cidrRange} has no free /${prefix} left: deploy the broker with a larger --globalnet-cidr-range`);
}

function checkRequested(info: GlobalnetInfo, others: GlobalnetClusterInfo[], cidr: string): void {
  const c = parseCidr(cidr);
  const range = parseCidr(info.cidrRange);
  if (c.base < range.base || c.base + cidrSize(c) > range.base + cidrSize(range)) {
    throw new UserError(`--globalnet-cidr ${cidr} is outside the broker's globalnet range ${formatCidr(range)}`);
  }
  const clash = others.find((o) => o.global_cidr.some((g) => cidrsOverlap(g, cidr)));
  if (clash) throw new UserError(`--globalnet-cidr ${cidr} overlaps ${clash.global_cidr.join(',')} of cluster ${clash.cluster_id}: pick another or omit the flag`);
}

/** Removes a cluster's allocation (uninstall). */
export async function releaseGlobalCidr(kc: KubeConfig, namespace: string, clusterId: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  for (let attempt = 0; attempt < 20; attempt++) {
    const cm = await core.readNamespacedConfigMap({ name: wellKnown.globalnetInfoConfigMap, namespace }).catch(undefinedIfNotFound);
    if (!cm) return;
    const info = parseGlobalnetInfo(cm);
    if (!info.clusters.some((c) => c.cluster_id === clusterId)) return;
    const clusters = info.clusters.filter((c) => c.cluster_id !== clusterId);
    try {
      await core.replaceNamespacedConfigMap({ name: wellKnown.globalnetInfoConfigMap, namespace, body: { ...cm, data: { ...cm.data, clusterinfo: JSON.stringify(clusters) } } });
      return;
    } catch (err) {
      if (apiStatus(err) !== 409) throw err;
    }
  }
}
