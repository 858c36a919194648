import { cniAddress } from '../../../net/cni.js';
import type { Ip } from '../../../net/iproute2/ip.js';
import { TABLE_LOCAL, TABLE_MAIN, type NsOpt, type Route } from '../../../net/iproute2/model.js';
import { hostNetworking, vxlan } from '../../constants.js';

/** What the planner needs to know about the node's own network, read from the kernel. */
export interface HostFacts {
  /** The interface of the default route, its MTU and first IPv4 address. */
  defaultInterface?: { name: string; mtu: number; ip?: string | undefined } | undefined;
  /** The node's address inside the cluster's pod CIDRs: the CNI interface's (e.g. cni0) address. */
  cniIp?: string | undefined;
  /** The interface holding cniIp. */
  cniInterface?: string | undefined;
  /** Every link name. */
  links: string[];
  /** IPv4 routes of every table except local and the route agent's host-networking table. */
  routes: Route[];
  /** The CPUs the agent may run on (a `cpuMask`): vx-submariner spreads what it receives over them. */
  cpuMask?: string | undefined;
}

/** Reads the host facts in three execs (routes of all tables, links, addresses), and takes the CPUs to steer to from the caller. */
export async function discoverHost(ip: Ip, clusterCidrs: readonly string[], cpuMask: string, ns: NsOpt = {}): Promise<HostFacts> {
  const [routes, links, addrs] = await Promise.all([
    ip.routeList({ ...ns, table: 'all', family: 4 }),
    ip.linkList(ns),
    ip.addrList({ ...ns, family: 4 }),
  ]);
  const defaults = routes
    .filter((r) => r.dst === 'default' && (r.table ?? TABLE_MAIN) === TABLE_MAIN && r.dev !== undefined)
    .sort((a, b) => (a.metric ?? 0) - (b.metric ?? 0));
  const dev = defaults[0]?.dev;
  const link = links.find((l) => l.name === dev);
  const cni = cniAddress(addrs, clusterCidrs, [vxlan.name]);
  return {
    defaultInterface: link && { name: link.name, mtu: link.mtu, ip: addrs.find((a) => a.dev === link.name)?.cidr.split('/')[0] },
    cniIp: cni?.ip,
    cniInterface: cni?.dev,
    links: links.map((l) => l.name),
    routes: routes.filter((r) => r.table !== TABLE_LOCAL && r.table !== hostNetworking.table),
    cpuMask,
  };
}
