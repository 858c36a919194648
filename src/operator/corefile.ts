import { LIGHTHOUSE_END, LIGHTHOUSE_START } from '../api/names.js';
import { isIp } from '../net/cidr.js';
import { dnsSubdomain } from '../base/env.js';

export interface CorednsForward {
  /** Zones to forward, e.g. clusterset.local and the custom domains. */
  domains: string[];
  /** ClusterIP of the lighthouse DNS Service. */
  dnsServiceIP: string;
}

/**
 * The Corefile with a lighthouse block that forwards each domain to lighthouse DNS, placed first and
 * replacing any earlier block. The port is the one of the existing `.:<port> {` server (default 53).
 */
export function renderCorednsForward(corefile: string, { domains, dnsServiceIP }: CorednsForward): string {
  if (!isIp(dnsServiceIP)) throw new Error(`lighthouse DNS service IP "${dnsServiceIP}" is not an IPv4 address`);
  for (const d of domains) {
    if (!dnsSubdomain.test(d)) throw new Error(`"${d}" is not a DNS domain name such as clusterset.local`);
  }
  const base = removeCorednsForward(corefile);
  if (domains.length === 0) return base;
  const port = /^[ \t]*\.:(\d+)[ \t]*\{/m.exec(base)?.[1] ?? '53';
  const servers = [...new Set(domains)].map((d) => `${d}:${port} {\n    forward . ${dnsServiceIP}\n}\n`);
  return `${LIGHTHOUSE_START}\n${servers.join('')}${LIGHTHOUSE_END}\n${base}`;
}

/** The Corefile without the lighthouse block (unchanged when there is none). */
export function removeCorednsForward(corefile: string): string {
  const lines = corefile.split('\n');
  const start = lines.findIndex((l) => l.includes('#lighthouse-start'));
  if (start < 0) return corefile;
  const end = lines.findIndex((l, i) => i > start && l.includes(LIGHTHOUSE_END));
  if (end < 0) {
    throw new Error(
      `the Corefile has "${LIGHTHOUSE_START}" on line ${start + 1} but no "${LIGHTHOUSE_END}" after it; ` +
        'remove the incomplete lighthouse block from the coredns ConfigMap by hand',
    );
  }
  return [...lines.slice(0, start), ...lines.slice(end + 1)].join('\n');
}
