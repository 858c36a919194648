/** Parsing of query names into the Lighthouse name forms. Pure. */

/** A service (or one cluster's, or one pod's share of it), optionally narrowed to one named port. */
export interface ServiceRef {
  namespace: string;
  service: string;
  cluster?: string;
  host?: string;
  port?: { name: string; protocol: string };
}

export type ParsedName =
  | { kind: 'apex' }
  | { kind: 'version' }
  | { kind: 'services' }
  | { kind: 'namespace'; namespace: string }
  | { kind: 'service'; ref: ServiceRef }
  | { kind: 'none' };

export const VERSION_LABEL = 'dns-version';

/** The longest of `zones` that `name` (lowercase, without the trailing dot) lies in. */
export function findZone(name: string, zones: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const zone of zones) {
    if ((name === zone || name.endsWith(`.${zone}`)) && (best === undefined || zone.length > best.length)) best = zone;
  }
  return best;
}

/** Parses `name` (lowercase) relative to `zone`, which it must lie in. */
export function parseName(name: string, zone: string): ParsedName {
  if (name === zone) return { kind: 'apex' };
  const labels = name.slice(0, -(zone.length + 1)).split('.');
  if (labels.length === 1 && labels[0] === VERSION_LABEL) return { kind: 'version' };
  if (labels.at(-1) !== 'svc') return { kind: 'none' };
  const [service, namespace] = labels.slice(-3, -1);
  if (labels.length === 1) return { kind: 'services' };
  if (labels.length === 2) return { kind: 'namespace', namespace: labels[0] as string };
  if (service === undefined || namespace === undefined) return { kind: 'none' };
  const base = { namespace, service };
  const prefix = labels.slice(0, -3);
  const port = (portLabel: string, protocolLabel: string) => ({ name: portLabel.slice(1), protocol: protocolLabel.slice(1) });
  const special = prefix.map((l) => l.startsWith('_'));
  const [a, b, c] = prefix;
  switch (prefix.length) {
    case 0:
      return { kind: 'service', ref: base };
    case 1:
      return special[0] || a === undefined ? { kind: 'none' } : { kind: 'service', ref: { ...base, cluster: a } };
    case 2:
      if (a === undefined || b === undefined) return { kind: 'none' };
      if (special[0] && special[1]) return { kind: 'service', ref: { ...base, port: port(a, b) } };
      if (!special[0] && !special[1]) return { kind: 'service', ref: { ...base, host: a, cluster: b } };
      return { kind: 'none' };
    case 3:
      if (a === undefined || b === undefined || c === undefined || !special[0] || !special[1] || special[2]) return { kind: 'none' };
      return { kind: 'service', ref: { ...base, port: port(a, b), cluster: c } };
    default:
      return { kind: 'none' };
  }
}
