import { createHash } from 'node:crypto';
import type { Chain, Mark, Owner, Proto, Rule, RuleSet } from '../../net/packetfilter/model.js';
import type { VipPort, VipService } from './services.js';

/** The chains that carry clusterset IP traffic, all in the nat table. */
export const csipChains = {
  prerouting: 'SUBMARINER-CSIP-PREROUTING',
  output: 'SUBMARINER-CSIP-OUTPUT',
  services: 'SUBMARINER-CSIP-SERVICES',
  postrouting: 'SUBMARINER-CSIP-POSTROUTING',
  /** One per service port: picks a backend and DNATs to it. */
  servicePrefix: 'SUBMARINER-CSIP-SVC-',
} as const;

/** Connections from a backend to its own clusterset IP are masqueraded, so that the replies come back through the DNAT. */
export const hairpinMark: Mark = { value: 0x2000, mask: 0x2000 };

/** The route agent's clusterset IP chains: the fixed ones and every per-service-port chain. */
export const csipOwner: Owner = {
  name: 'routeagent-clusterset-ip',
  chains: [csipChains.prerouting, csipChains.output, csipChains.services, csipChains.postrouting].map((name) => ({ table: 'nat' as const, name })),
  chainPrefixes: [{ table: 'nat', prefix: csipChains.servicePrefix }],
};

/** `prefix` and 8 characters of base32 of a SHA-256 of `text`, as kube-proxy names its chains. */
function hashName(prefix: string, text: string): string {
  const bytes = createHash('sha256').update(text).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '';
  for (let bit = 0; out.length < 8; bit += 5) {
    const byte = bit >> 3;
    const word = ((bytes[byte] ?? 0) << 8) | (bytes[byte + 1] ?? 0);
    out += alphabet[(word >> (11 - (bit & 7))) & 31];
  }
  return prefix + out;
}

const proto = (p: VipPort): Proto => p.protocol.toLowerCase() as Proto;

/**
 * Load balancing of clusterset IPs on a node, as kube-proxy's iptables mode does for a ClusterIP: traffic to
 * `vip:port` (from pods, PREROUTING, and from the node, OUTPUT) goes to one chain per service port, which picks one
 * ready backend at random with equal shares (`statistic`), or with ClientIP affinity the one the client used within
 * the timeout (`recent`, one list per backend), and DNATs to it. Unlike kube-proxy there is no chain per backend:
 * iptables-nft writes chains far more slowly than rules. A service port without backends gets no rules. Pure.
 */
export function planClustersetIpRules(services: readonly VipService[]): RuleSet {
  const servicesRules: Rule[] = [];
  const perPort: Chain[] = [];
  for (const s of services) {
    for (const p of s.ports) {
      if (p.backends.length === 0) continue;
      const label = `${s.namespace}/${s.name}:${p.name || p.port}`;
      const id = `${s.namespace}/${s.name}/${p.protocol}/${p.port}`;
      const chain = hashName(csipChains.servicePrefix, id);
      servicesRules.push({ dst: s.vip, proto: proto(p), dport: p.port, comment: label, action: { type: 'jump', chain } });
      const backends = p.backends.map((b) => ({ to: b, address: b.slice(0, b.lastIndexOf(':')), list: hashName('CSIP-', `${id}/${b}`) }));
      const affinity = s.affinitySeconds;
      const rules: Rule[] = backends.map((b) => ({ src: b.address, comment: label, action: { type: 'mark', set: hairpinMark } }));
      if (affinity !== undefined) {
        for (const b of backends) {
          rules.push({ proto: proto(p), comment: label, recent: { name: b.list, seconds: affinity, refresh: true }, action: { type: 'dnat', toDestination: b.to } });
        }
      }
      backends.forEach((b, i) => {
        const left = backends.length - i;
        rules.push({
          proto: proto(p),
          comment: label,
          ...(left > 1 ? { probability: 1 / left } : {}),
          ...(affinity !== undefined ? { recent: { name: b.list, set: true as const } } : {}),
          action: { type: 'dnat', toDestination: b.to },
        });
      });
      perPort.push({ table: 'nat', name: chain, rules });
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
      ...perPort,
    ],
  };
}
