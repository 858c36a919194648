import { isIPv4 } from 'node:net';
import { backendConfig } from '../../../api/names.js';
import { macFromIpv4, type Route, type Rule, type VxlanSpec } from '../../../net/iproute2/model.js';
import type { RuleSet } from '../../../net/packetfilter/model.js';
import { hostNetworking, vxlan } from '../../constants.js';
import type { ClusterView } from '../../model.js';
import type { HostFacts } from './host.js';
import { planPacketFilter } from './plan-packetfilter.js';

export type Role = 'gateway' | 'non-gateway' | 'idle';

/** The kernel state this node should have. */
export interface DatapathPlan {
  /** `idle` until the cluster has an active gateway (no VXLAN then). */
  role: Role;
  /** vx-submariner, its VTEP address and the CPUs that process what it receives (a `cpuMask`). */
  vxlan?: { link: VxlanSpec; address: string; rpsCpus?: string } | undefined;
  /** Gateway: the other nodes' addresses in vx-submariner's flood list. */
  flood: string[];
  /** Non-gateway: main-table routes to remote subnets through the gateway's VTEP. */
  routes: Route[];
  /** Gateway: table 150 routes to remote subnets through the cable interface. */
  hostRoutes: Route[];
  /** Gateway: the rule sending lookups to table 150. */
  rule?: Rule | undefined;
  sysctls: { key: string; value: string }[];
  packetFilter: RuleSet;
  /** Why the plan is incomplete for now (the node is not ready yet); empty when complete. */
  pending: string[];
}

export interface PlanInput {
  view: ClusterView;
  /** This cluster's pod, service and global CIDRs. */
  localCidrs: readonly string[];
  host: HostFacts;
}

/** `240.<b>.<c>.<d>`: the VTEP address of the node with IPv4 address `a.b.c.d`. */
export function vtepIp(nodeIp: string): string {
  const [, b, c, d] = nodeIp.split('.');
  return `${vxlan.vtepFirstOctet}.${b}.${c}.${d}`;
}

/**
 * `02:00:f0:<b>:<c>:<d>` (locally administered, from the VTEP address): the MAC of vx-submariner on the node with
 * IPv4 address `a.b.c.d`. The device is created again when the node's role changes (a gateway's has no remote), and
 * a random MAC each time would leave the other nodes' neighbour entries for its VTEP pointing at the old one until
 * they expire (up to 45 s reachable, then a probe), dropping the traffic in between.
 */
export function vtepMac(nodeIp: string): string {
  return macFromIpv4(0x00, vtepIp(nodeIp));
}

/** Pure: the desired kernel state from the view of the cluster and the node's own network. */
export function planDatapath({ view, localCidrs, host }: PlanInput): DatapathPlan {
  const pending: string[] = [];
  const remoteSubnets = [...new Set(view.remoteEndpoints.flatMap((e) => e.subnets))];
  const plan: DatapathPlan = {
    role: view.localEndpoint === undefined ? 'idle' : view.isGateway ? 'gateway' : 'non-gateway',
    flood: [],
    routes: [],
    hostRoutes: [],
    sysctls: [],
    packetFilter: planPacketFilter({ localCidrs, remoteSubnets, cniIp: host.cniIp, clampMss: view.self?.clampMss }),
    pending,
  };
  if (host.cniIp === undefined) pending.push('no address of this node lies in the cluster CIDRs yet (CNI interface not set up)');
  const local = view.localEndpoint;
  if (local === undefined) return plan;

  const selfIp = view.self?.ip ?? host.defaultInterface?.ip;
  const underlay = host.defaultInterface;
  if (underlay === undefined) pending.push('this node has no default route, so there is no underlay interface for vx-submariner');
  if (selfIp === undefined) pending.push(`node ${view.nodeName} has no IPv4 InternalIP and its default interface no IPv4 address`);
  const gatewayIp = plan.role === 'gateway' ? selfIp : (view.nodes.find((n) => n.name === local.hostname)?.ip ?? local.privateIp);
  if (gatewayIp === undefined) pending.push(`the gateway node ${local.hostname} has no known IPv4 address`);
  if (underlay === undefined || selfIp === undefined || gatewayIp === undefined) return plan;

  plan.vxlan = {
    link: {
      name: vxlan.name,
      kind: 'vxlan',
      vni: vxlan.vni,
      port: vxlan.port,
      dev: underlay.name,
      remote: plan.role === 'gateway' ? undefined : gatewayIp,
      mtu: underlay.mtu - vxlan.overhead,
      address: vtepMac(selfIp),
      up: true,
    },
    address: `${vtepIp(selfIp)}/8`,
    // What the device decapsulates is routed on every CPU, not only the one that took the outer packet in.
    ...(host.cpuMask === undefined ? {} : { rpsCpus: host.cpuMask }),
  };
  plan.sysctls = [
    { key: `net.ipv4.conf.${vxlan.name}.rp_filter`, value: '2' },
    { key: `net.ipv4.conf.${vxlan.name}.forwarding`, value: '1' },
  ];
  // Traffic from remote clusters reaches pods through the CNI while answers leave through the VXLAN.
  if (host.cniInterface !== undefined) plan.sysctls.push({ key: `net/ipv4/conf/${host.cniInterface}/rp_filter`, value: '2' });
  if (plan.role === 'non-gateway') {
    plan.routes = remoteSubnets.map((dst) => ({ dst, gateway: vtepIp(gatewayIp), dev: vxlan.name }));
    return plan;
  }

  plan.flood = [...new Set(view.nodes.filter((n) => n.name !== view.nodeName && n.ip !== undefined && n.ip !== selfIp).map((n) => n.ip!))].sort();
  plan.rule = { priority: hostNetworking.rulePriority, table: hostNetworking.table };
  const cable = local.backendConfig[backendConfig.interfaceName] || underlay.name;
  if (!host.links.includes(cable)) {
    pending.push(`the cable interface ${cable} does not exist yet`);
    return plan;
  }
  plan.hostRoutes = remoteSubnets.map((dst) => hostRoute(dst, cable, host));
  return plan;
}

/**
 * The table 150 route to a remote subnet out of the cable interface, with the next hop of the cable
 * driver's own route to it on that interface when it has one; sourced from the CNI address so that
 * host-network traffic gets answers.
 */
function hostRoute(dst: string, cable: string, host: HostFacts): Route {
  const via = host.routes.find((r) => r.dst === dst && r.dev === cable && (r.type ?? 'unicast') === 'unicast');
  const route: Route = { dst, table: hostNetworking.table, dev: cable, protocol: 'static' };
  if (via?.gateway !== undefined && isIPv4(via.gateway)) route.gateway = via.gateway;
  if (via?.onlink) route.onlink = true;
  if (host.cniIp !== undefined) route.src = host.cniIp;
  return route;
}
