import { createHash } from 'node:crypto';
import type { Chain, Mark, Owner, Proto, Rule, RuleSet } from '../../net/packetfilter/model.js';
import type { VipPort, VipService } from './services.js';

/** The chains that carry clusterset IP traffic, all in the nat table. */
export const csipChains = {
  prerouting: 'SUBMARINER-CSIP-PREROUTING',
  output: 'SUBMARINER-CSIP-OUTPUT',
  services: 'SUBMARINER-CSIP-SERVICES',
  postrouting: 'SUBMARINER-CSIP-POSTROUTING',
  /** One per service port: picks a backend. */
  servicePrefix: 'SUBMARINER-CSIP-SVC-',
  /** One per backend of a service port: DNATs to it. */
  endpointPrefix: 'SUBMARINER-CSIP-SEP-',
} as const;

/** Connections from a backend to its own clusterset IP are masqueraded, so that the replies come back through the DNAT. */
export const hairpinMark: Mark = { value: 0x2000, mask: 0x2000 };

/** The route agent's clusterset IP chains: the fixed ones and every per-service and per-backend chain. */
export const csipOwner: Owner = {
  name: 'routeagent-clusterset-ip',
  chains: [csipChains.prerouting, csipChains.output, csipChains.services, csipChains.postrouting].map((name) => ({ table: 'nat' as const, name })),
  chainPrefixes: [
    { table: 'nat', prefix: csipChains.servicePrefix },
    { table: 'nat', prefix: csipChains.endpointPrefix },
  ],
};

/** 8 characters of base32 of a SHA-256, as kube-proxy names its chains (28 characters in all with the prefix). */
function chainId(prefix: string, text: string): string {
  const bytes = createHash('sha256').update(text).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5 && out.length < 8) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length === 8) break;
  }
  return prefix + out;
}

const proto = (p: VipPort): Proto => p.protocol.toLowerCase() as Proto;

/**
 * Load balancing of clusterset IPs on a node, as kube-proxy's iptables mode does for a ClusterIP: traffic to
 * `vip:port` (from pods, PREROUTING, and from the node, OUTPUT) picks one ready backend at random with equal
 * shares (`statistic`), or the one the client used within the affinity timeout (`recent`), and is DNATed to it.
 * A service port without backends gets no rules. Pure: the same services give the same rule set.
 */
export function planClustersetIpRules(services: readonly VipService[]): RuleSet {
  const servicesRules: Rule[] = [];
  const perService: Chain[] = [];
  for (const s of services) {
    for (const p of s.ports) {
      if (p.backends.length === 0) continue;
      const label = `${s.namespace}/${s.name}:${p.name || p.port}`;
      const svcChain = chainId(csipChains.servicePrefix, `${s.namespace}/${s.name}/${p.protocol}/${p.port}`);
      servicesRules.push({ dst: s.vip, proto: proto(p), dport: p.port, comment: label, action: { type: 'jump', chain: svcChain } });
      const endpoints = p.backends.map((b) => ({ backend: b, chain: chainId(csipChains.endpointPrefix, `${s.namespace}/${s.name}/${p.protocol}/${p.port}/${b}`) }));
      const pick: Rule[] = [];
      if (s.affinitySeconds !== undefined) {
        for (const e of endpoints) pick.push({ comment: label, recent: { name: e.chain, seconds: s.affinitySeconds }, action: { type: 'jump', chain: e.chain } });
      }
      endpoints.forEach((e, i) => {
        const left = endpoints.length - i;
        pick.push({ comment: label, ...(left > 1 ? { probability: 1 / left } : {}), action: { type: 'jump', chain: e.chain } });
      });
      perService.push({ table: 'nat', name: svcChain, rules: pick });
      for (const e of endpoints) {
        const address = e.backend.slice(0, e.backend.lastIndexOf(':'));
        perService.push({
          table: 'nat',
          name: e.chain,
          rules: [
            { src: address, comment: label, action: { type: 'mark', set: hairpinMark } },
            {
              proto: proto(p),
              comment: label,
              ...(s.affinitySeconds !== undefined ? { recent: { name: e.chain, set: true as const } } : {}),
              action: { type: 'dnat', toDestination: e.backend },
            },
          ],
        });
      }
    }
  }
  const jump = (chain: string): Rule => ({ action: { type: 'jump', chain } });
  return {
    owner: csipOwner,
    chains: [
      // Appended, not kept first: other owners (the route agent's nat chain, GlobalNet's ingress) keep the tops of
      // these chains, and the clusterset IPs are matched by nothing before.
      { table: 'nat', name: csipChains.prerouting, hook: { from: 'PREROUTING', position: 'last' }, rules: [jump(csipChains.services)] },
      { table: 'nat', name: csipChains.output, hook: { from: 'OUTPUT', position: 'last' }, rules: [jump(csipChains.services)] },
      { table: 'nat', name: csipChains.services, rules: servicesRules },
      { table: 'nat', name: csipChains.postrouting, hook: { from: 'POSTROUTING', position: 'last' }, rules: [{ mark: hairpinMark, action: { type: 'masquerade' } }] },
      ...perService,
    ],
  };
}
