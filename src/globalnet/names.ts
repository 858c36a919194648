import { createHash } from 'node:crypto';
import { ipsetPrefix, kubeProxyServiceChainPrefix } from './constants.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (Go's base32.StdEncoding) of the SHA-256 of `text`, without padding. */
function sha256Base32(text: string): string {
  const bytes = createHash('sha256').update(text).digest();
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** The ipset of a GlobalEgressIP (`namespace/name`), as Submariner names it: `SM-GN-` and 25 characters of a hash. */
export function egressIpsetName(key: string): string {
  return `${ipsetPrefix}${sha256Base32(key).slice(0, 25)}`;
}

/** kube-proxy's (iptables mode) chain for one port of a Service, with the Cluster traffic policy. */
export function kubeProxyServiceChain(namespace: string, service: string, portName: string | undefined, protocol: string): string {
  const portPart = portName ? `:${portName}` : '';
  return `${kubeProxyServiceChainPrefix}${sha256Base32(`${namespace}/${service}${portPart}${protocol.toLowerCase()}`).slice(0, 16)}`;
}
