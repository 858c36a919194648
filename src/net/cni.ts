import { isIPv4 } from 'node:net';
import { cidrContains, parseCidr, parseIp } from './cidr.js';
import type { Addr } from './iproute2/model.js';

/**
 * The node's own address inside the cluster's pod CIDRs: the CNI interface's address (cni0's in the sandbox).
 * Loopback and the links named in `ignore` (Submariner's own, whose addresses are not the CNI's) do not count.
 */
export function cniAddress(addrs: readonly Addr[], clusterCidrs: readonly string[], ignore: readonly string[] = []): { dev: string; ip: string } | undefined {
  const ranges = clusterCidrs.map((c) => parseCidr(c, false));
  for (const a of addrs) {
    if (a.dev === 'lo' || ignore.includes(a.dev)) continue;
    const ip = a.cidr.split('/')[0] ?? '';
    if (isIPv4(ip) && ranges.some((r) => cidrContains(r, parseIp(ip)))) return { dev: a.dev, ip };
  }
  return undefined;
}
