import { createSocket } from 'node:dgram';
import { isIPv4 } from 'node:net';
import { cniAddress } from '../net/cni.js';
import type { IpBasic } from '../net/iproute2/ip.js';

/**
 * The source address the kernel picks for the default route: a UDP "connect" to a public address
 * sends nothing but selects the route and its source.
 */
export async function defaultRouteSourceIp(probe = '8.8.8.8'): Promise<string> {
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(53, probe, () => resolve());
    });
    const { address } = socket.address();
    if (!isIPv4(address) || address === '0.0.0.0') throw new Error('no source address');
    return address;
  } catch (err) {
    throw new Error(`cannot find this node's private IP: the node has no IPv4 default route (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  } finally {
    socket.close();
  }
}

/** This node's address inside a cluster CIDR: the CNI interface IP (cni0's address in the sandbox). */
export async function cniInterfaceIp(ip: Pick<IpBasic, 'addrList'>, clusterCidrs: readonly string[]): Promise<string | undefined> {
  return cniAddress(await ip.addrList({ family: 4 }), clusterCidrs)?.ip;
}
