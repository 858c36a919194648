import type { Owner } from '../net/packetfilter/model.js';

/** The intra-cluster VXLAN between every node and the active gateway node. */
export const vxlan = {
  name: 'vx-submariner',
  vni: 100,
  port: 4800,
  /** Bytes the VXLAN encapsulation adds: the link MTU is the underlay MTU minus this. */
  overhead: 50,
  /** VTEP addresses are the node's IPv4 address with the first octet replaced by this. */
  vtepFirstOctet: 240,
  vtepCidr: '240.0.0.0/8',
} as const;

/** Host-network traffic on the gateway node towards remote clusters. */
export const hostNetworking = {
  table: 150,
  rulePriority: 150,
} as const;

/** The route agent's chains, per iptables table. */
export const chains = {
  natPostrouting: 'SUBMARINER-POSTROUTING',
  input: 'SUBMARINER-INPUT',
  forward: 'SUBMARINER-FORWARD',
  manglePostrouting: 'SUBMARINER-POSTROUTING',
} as const;

/**
 * The route agent as an owner of packet-filter chains: uninstall removes exactly these, and jumps
 * other owners (GlobalNet) put into them stay in place.
 */
export const packetFilterOwner: Owner = {
  name: 'routeagent',
  chains: [
    { table: 'nat', name: chains.natPostrouting },
    { table: 'filter', name: chains.input },
    { table: 'filter', name: chains.forward },
    { table: 'mangle', name: chains.manglePostrouting },
  ],
};

/** Network plugins the route agent knows; anything else is treated as generic. */
export const networkPlugins = ['generic', 'calico', 'canal-flannel', 'flannel', 'kindnet', 'OpenShiftSDN', 'OVNKubernetes', 'weave-net'] as const;
export type NetworkPlugin = (typeof networkPlugins)[number];

/** Delay before retrying when the node is not ready yet (no CNI address, cable interface missing, ...). */
export const pendingRetryMs = 2000;
/** Full re-sync interval: repairs changes made behind the agent's back. */
export const resyncMs = 30_000;
