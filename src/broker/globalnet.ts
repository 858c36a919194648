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

/**
 * A range the broker splits into one block per cluster, recorded in a broker ConfigMap as Submariner's operator does
 * (`clusterinfo`: `[{cluster_id, global_cidr: [...]}]`): the GlobalNet range and the clusterset IP range.
 */
export interface BrokerCidrPool {
  configMap: string;
  enabledKey: string;
  rangeKey: string;
  sizeKey: string;
  defaultRange: string;
  defaultSize: number;
  /** What the user calls the range, and the flags that set it, for messages. */
  what: string;
  rangeFlag: string;
  cidrFlag: string;
}

export const globalnetPool: BrokerCidrPool = {
  configMap: wellKnown.globalnetInfoConfigMap,
  enabledKey: 'globalnetEnabled',
  rangeKey: 'globalnetCidrRange',
  sizeKey: 'globalnetClusterSize',
  defaultRange: '242.0.0.0/8',
  defaultSize: 65536,
  what: 'globalnet range',
  rangeFlag: '--globalnet-cidr-range',
  cidrFlag: '--globalnet-cidr',
};

/** Clusterset IPs: 243.0.0.0/8 by default, 4096 addresses (a /20) per cluster, as Submariner splits it. */
export const clustersetIpPool: BrokerCidrPool = {
  configMap: wellKnown.clustersetIpInfoConfigMap,
  enabledKey: 'clustersetIPEnabled',
  rangeKey: 'clustersetIPCidrRange',
  sizeKey: 'clustersetIPClusterSize',
  defaultRange: '243.0.0.0/8',
  defaultSize: 4096,
  what: 'clusterset IP range',
  rangeFlag: '--clusterset-ip-cidr-range',
  cidrFlag: '--clusterset-ip-cidr',
};

export function parsePoolInfo(pool: BrokerCidrPool, cm: V1ConfigMap): GlobalnetInfo {
  const d = cm.data ?? {};
  return {
    enabled: d[pool.enabledKey] === 'true',
    cidrRange: JSON.parse(d[pool.rangeKey] ?? JSON.stringify(pool.defaultRange)) as string,
    clusterSize: Number(d[pool.sizeKey] ?? String(pool.defaultSize)),
    clusters: JSON.parse(d.clusterinfo ?? '[]') as GlobalnetClusterInfo[],
  };
}

export function parseGlobalnetInfo(cm: V1ConfigMap): GlobalnetInfo {
  return parsePoolInfo(globalnetPool, cm);
}

/** The broker ConfigMap of a pool, as deploy-broker renders it (no cluster has a block yet). */
export function poolConfigMapData(pool: BrokerCidrPool, enabled: boolean, cidrRange: string, clusterSize = pool.defaultSize): Record<string, string> {
  return { [pool.enabledKey]: String(enabled), [pool.rangeKey]: JSON.stringify(cidrRange), [pool.sizeKey]: String(clusterSize), clusterinfo: '[]' };
}

/**
 * Gives `clusterId` a global CIDR from the broker's range (the requested one, or the first free block of the
 * cluster size), recorded in the broker's globalnet ConfigMap. Concurrent joins are safe: the ConfigMap is
 * replaced only at the resourceVersion that was read, and a conflict starts over.
 */
export function allocateGlobalCidr(kc: KubeConfig, namespace: string, clusterId: string, requested?: string): Promise<string> {
  return allocatePoolCidr(globalnetPool, kc, namespace, clusterId, requested);
}

/** Gives `clusterId` its block of the pool (the requested one, or the first free one); a re-join keeps its block. */
export async function allocatePoolCidr(pool: BrokerCidrPool, kc: KubeConfig, namespace: string, clusterId: string, requested?: string): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  for (let attempt = 0; attempt < 20; attempt++) {
    const cm = await core.readNamespacedConfigMap({ name: pool.configMap, namespace });
    const info = parsePoolInfo(pool, cm);
    const mine = info.clusters.find((c) => c.cluster_id === clusterId);
    const others = info.clusters.filter((c) => c.cluster_id !== clusterId);
    if (mine?.global_cidr[0] && (requested === undefined || mine.global_cidr[0] === requested)) return mine.global_cidr[0];
    const cidr = requested ?? firstFree(pool, info, others);
    checkRequested(pool, info, others, cidr);
    const clusters = [...others, { cluster_id: clusterId, global_cidr: [cidr] }];
    try {
      await core.replaceNamespacedConfigMap({ name: pool.configMap, namespace, body: { ...cm, data: { ...cm.data, clusterinfo: JSON.stringify(clusters) } } });
      return cidr;
    } catch (err) {
      if (apiStatus(err) !== 409) throw err;
    }
  }
  throw new Error(`could not record the block of the ${pool.what}: the broker ConfigMap ${pool.configMap} kept changing; try again`);
}

function firstFree(pool: BrokerCidrPool, info: GlobalnetInfo, others: GlobalnetClusterInfo[]): string {
  const range = parseCidr(info.cidrRange);
  const prefix = 32 - Math.log2(info.clusterSize);
  const blocks = cidrSize(range) / info.clusterSize;
  const used = others.flatMap((c) => c.global_cidr);
  for (let i = 0; i < blocks; i++) {
    const candidate = subnet(range, prefix, i);
    if (!used.some((u) => cidrsOverlap(u, candidate))) return candidate;
  }
  throw new UserError(`the ${pool.what} ${info.cidrRange} has no free /${prefix} left: deploy the broker with a larger ${pool.rangeFlag}`);
}

function checkRequested(pool: BrokerCidrPool, info: GlobalnetInfo, others: GlobalnetClusterInfo[], cidr: string): void {
  const c = parseCidr(cidr);
  const range = parseCidr(info.cidrRange);
  if (c.base < range.base || c.base + cidrSize(c) > range.base + cidrSize(range)) {
    throw new UserError(`${pool.cidrFlag} ${cidr} is outside the broker's ${pool.what} ${formatCidr(range)}`);
  }
  const clash = others.find((o) => o.global_cidr.some((g) => cidrsOverlap(g, cidr)));
  if (clash) throw new UserError(`${pool.cidrFlag} ${cidr} overlaps ${clash.global_cidr.join(',')} of cluster ${clash.cluster_id}: pick another or omit the flag`);
}

/** Removes a cluster's allocation (uninstall). */
export function releaseGlobalCidr(kc: KubeConfig, namespace: string, clusterId: string): Promise<void> {
  return releasePoolCidr(globalnetPool, kc, namespace, clusterId);
}

/** Removes a cluster's block of the pool (uninstall); a missing ConfigMap or block is nothing to do. */
export async function releasePoolCidr(pool: BrokerCidrPool, kc: KubeConfig, namespace: string, clusterId: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  for (let attempt = 0; attempt < 20; attempt++) {
    const cm = await core.readNamespacedConfigMap({ name: pool.configMap, namespace }).catch(undefinedIfNotFound);
    if (!cm) return;
    const info = parsePoolInfo(pool, cm);
    if (!info.clusters.some((c) => c.cluster_id === clusterId)) return;
    const clusters = info.clusters.filter((c) => c.cluster_id !== clusterId);
    try {
      await core.replaceNamespacedConfigMap({ name: pool.configMap, namespace, body: { ...cm, data: { ...cm.data, clusterinfo: JSON.stringify(clusters) } } });
      return;
    } catch (err) {
      if (apiStatus(err) !== 409) throw err;
    }
  }
}
