import type { ChainHook, IptTable, RuleArgs } from '../../../net/packetfilter/iptables.js';
import { chains, vxlan } from '../../constants.js';

/** The chains of one iptables table and the jumps into them. */
export interface TablePlan {
  table: IptTable;
  chains: Map<string, RuleArgs[]>;
  hooks: ChainHook[];
}

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

/**
 * The route agent's chains, written the way iptables-save prints them so that an unchanged plan
 * needs no iptables-restore: nat (no masquerade between clusters, SNAT of host traffic into the
 * VXLAN), filter (VXLAN port and forwarding) and mangle (TCP MSS clamping towards remote clusters).
 */
export function planPacketFilter(input: PacketFilterInput): TablePlan[] {
  const between = pairs(input.localCidrs, input.remoteSubnets);
  const nat: RuleArgs[] = between.map(([s, d]) => ['-s', s, '-d', d, '-j', 'ACCEPT']);
  if (input.cniIp !== undefined) nat.push(['-s', vxlan.vtepCidr, '-o', vxlan.name, '-j', 'SNAT', '--to-source', input.cniIp]);
  const mss = input.clampMss === undefined ? ['--clamp-mss-to-pmtu'] : ['--set-mss', String(input.clampMss)];
  const mangle: RuleArgs[] = between.map(([s, d]) => ['-s', s, '-d', d, '-p', 'tcp', '-m', 'tcp', '--tcp-flags', 'SYN,RST', 'SYN', '-j', 'TCPMSS', ...mss]);
  return [
    {
      table: 'nat',
      chains: new Map([[chains.natPostrouting, nat]]),
      hooks: [{ from: 'POSTROUTING', chain: chains.natPostrouting }],
    },
    {
      table: 'filter',
      chains: new Map<string, RuleArgs[]>([
        [chains.input, [['-p', 'udp', '-m', 'udp', '--dport', String(vxlan.port), '-j', 'ACCEPT']]],
        [chains.forward, [['-o', vxlan.name, '-j', 'ACCEPT'], ['-i', vxlan.name, '-j', 'ACCEPT']]],
      ]),
      hooks: [
        { from: 'INPUT', chain: chains.input, match: ['-p', 'udp'] },
        { from: 'FORWARD', chain: chains.forward },
      ],
    },
    {
      table: 'mangle',
      chains: new Map([[chains.manglePostrouting, mangle]]),
      hooks: [{ from: 'POSTROUTING', chain: chains.manglePostrouting }],
    },
  ];
}
