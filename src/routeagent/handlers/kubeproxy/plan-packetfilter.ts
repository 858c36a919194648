import type { Rule, RuleSet } from '../../../net/packetfilter/model.js';
import { chains, packetFilterOwner, vxlan } from '../../constants.js';

export interface PacketFilterInput {
  /** This cluster's pod, service and global CIDRs. */
  localCidrs: readonly string[];
  remoteSubnets: readonly string[];
  /** Host-network traffic leaving through vx-submariner gets this source (unset until known). */
  cniIp?: string | undefined;
  /** `--set-mss` value; the MSS is clamped to the path MTU when unset. */
  clampMss?: number | undefined;
}

/** Both directions between every local CIDR and every remote subnet. */
function pairs(local: readonly string[], remote: readonly string[]): [string, string][] {
  return local.flatMap((l) => remote.flatMap((r): [string, string][] => [[l, r], [r, l]]));
}

const accept = { type: 'accept' } as const;

/**
 * The route agent's chains: nat (no masquerade between clusters, SNAT of host traffic into the
 * VXLAN), filter (VXLAN port and forwarding) and mangle (TCP MSS clamping towards remote clusters).
 */
export function planPacketFilter(input: PacketFilterInput): RuleSet {
  const between = pairs(input.localCidrs, input.remoteSubnets);
  const nat: Rule[] = between.map(([src, dst]) => ({ src, dst, action: accept }));
  if (input.cniIp !== undefined) nat.push({ src: vxlan.vtepCidr, out: vxlan.name, action: { type: 'snat', toSource: input.cniIp } });
  const mss = input.clampMss ?? 'clamp-to-pmtu';
  return {
    owner: packetFilterOwner,
    chains: [
      { table: 'nat', name: chains.natPostrouting, hook: { from: 'POSTROUTING' }, rules: nat },
      { table: 'filter', name: chains.input, hook: { from: 'INPUT', match: { proto: 'udp' } }, rules: [{ proto: 'udp', dport: vxlan.port, action: accept }] },
      { table: 'filter', name: chains.forward, hook: { from: 'FORWARD' }, rules: [{ out: vxlan.name, action: accept }, { in: vxlan.name, action: accept }] },
      { table: 'mangle', name: chains.manglePostrouting, hook: { from: 'POSTROUTING' }, rules: between.map(([src, dst]) => ({ src, dst, action: { type: 'tcpmss', mss } })) },
    ],
  };
}
