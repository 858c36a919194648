import { normCidr, protocolName, tableId, type AddrInfo, type FdbEntry, type Link, type LinkStats, type Route, type Rule } from './model.js';

// Parsers for `ip -json` / `bridge -json` output. Field names are iproute2's.

type Json = Record<string, unknown>;

function str(o: Json, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function num(o: Json, key: string): number | undefined {
  const v = o[key];
  return typeof v === 'number' ? v : undefined;
}

function obj(o: Json, key: string): Json | undefined {
  const v = o[key];
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}

/** Parses a JSON array printed by iproute2; empty output is an empty list. */
export function parseJsonArray(text: string, what: string): Json[] {
  if (text.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`cannot parse the JSON output of ${what}: ${(err as Error).message}`, { cause: err });
  }
  if (!Array.isArray(parsed)) throw new Error(`${what} printed JSON that is not a list`);
  return parsed.filter((e): e is Json => e !== null && typeof e === 'object');
}

export function parseLinks(text: string): Link[] {
  return parseJsonArray(text, 'ip link show').map((o) => {
    const info = obj(o, 'linkinfo');
    const kind = info ? str(info, 'info_kind') : undefined;
    const data = info ? obj(info, 'info_data') : undefined;
    const flags = Array.isArray(o.flags) ? (o.flags as unknown[]) : [];
    const link: Link = {
      name: str(o, 'ifname') ?? '',
      index: num(o, 'ifindex') ?? 0,
      kind,
      up: flags.includes('UP'),
      mtu: num(o, 'mtu') ?? 0,
      address: str(o, 'address') ?? '',
      operState: str(o, 'operstate') ?? 'UNKNOWN',
    };
    const master = str(o, 'master');
    if (master !== undefined) link.master = master;
    if (kind === 'veth' && o.link_netnsid === undefined) {
      const peer = str(o, 'link');
      if (peer !== undefined) link.peer = peer;
    }
    if (kind === 'vxlan' && data) {
      link.vxlan = {
        vni: num(data, 'id') ?? 0,
        port: num(data, 'port') ?? 0,
        dev: str(data, 'link'),
        remote: str(data, 'remote'),
        group: str(data, 'group'),
        local: str(data, 'local'),
      };
    }
    return link;
  });
}

/** The counters of the first device of `ip -json -s link show`. */
export function parseLinkStats(text: string): LinkStats | undefined {
  const first = parseJsonArray(text, 'ip -s link show')[0];
  const stats = first ? obj(first, 'stats64') ?? obj(first, 'stats') : undefined;
  if (!stats) return undefined;
  const rx = obj(stats, 'rx') ?? {};
  const tx = obj(stats, 'tx') ?? {};
  return { rxBytes: num(rx, 'bytes') ?? 0, txBytes: num(tx, 'bytes') ?? 0, rxPackets: num(rx, 'packets') ?? 0, txPackets: num(tx, 'packets') ?? 0 };
}

export function parseAddrs(text: string): AddrInfo[] {
  return parseJsonArray(text, 'ip addr show').flatMap((o) => {
    const dev = str(o, 'ifname') ?? '';
    const infos = Array.isArray(o.addr_info) ? (o.addr_info as Json[]) : [];
    return infos
      .filter((a) => str(a, 'local') !== undefined)
      .map((a) => ({
        dev,
        cidr: `${str(a, 'local')}/${num(a, 'prefixlen') ?? 32}`,
        family: str(a, 'family') === 'inet6' ? 6 : 4,
        scope: str(a, 'scope') ?? 'global',
      }));
  });
}

/** `defaultTable` is the table asked for: `ip route show table N` leaves the table out of each entry. */
export function parseRoutes(text: string, defaultTable: number): Route[] {
  return parseJsonArray(text, 'ip route show').map((o) => {
    const route: Route = { dst: normCidr(str(o, 'dst') ?? 'default'), table: tableId(str(o, 'table') ?? defaultTable) };
    const set = <K extends keyof Route>(k: K, v: Route[K] | undefined): void => {
      if (v !== undefined) route[k] = v;
    };
    set('gateway', str(o, 'gateway'));
    set('dev', str(o, 'dev'));
    set('src', str(o, 'prefsrc'));
    set('metric', num(o, 'metric'));
    set('protocol', protocolName(str(o, 'protocol')));
    set('scope', str(o, 'scope'));
    set('type', str(o, 'type'));
    if (Array.isArray(o.flags) && o.flags.includes('onlink')) route.onlink = true;
    return route;
  });
}

export function parseRules(text: string): Rule[] {
  return parseJsonArray(text, 'ip rule show').map((o) => {
    const rule: Rule = { priority: num(o, 'priority') ?? 0, table: tableId(str(o, 'table') ?? 'main') };
    const src = str(o, 'src');
    if (src !== undefined && src !== 'all') rule.from = `${src}/${num(o, 'srclen') ?? 32}`;
    const dst = str(o, 'dst');
    if (dst !== undefined && dst !== 'all') rule.to = `${dst}/${num(o, 'dstlen') ?? 32}`;
    const mark = str(o, 'fwmark');
    if (mark !== undefined) {
      const mask = str(o, 'fwmask');
      rule.fwmark = mask === undefined ? mark : `${mark}/${mask}`;
    }
    const iif = str(o, 'iif');
    if (iif !== undefined) rule.iif = iif;
    const oif = str(o, 'oif');
    if (oif !== undefined) rule.oif = oif;
    return rule;
  });
}

export function parseFdb(text: string, dev: string): FdbEntry[] {
  return parseJsonArray(text, 'bridge fdb show').flatMap((o) => {
    const dst = str(o, 'dst');
    const mac = str(o, 'mac');
    return dst !== undefined && mac !== undefined ? [{ dev, mac: mac.toLowerCase(), dst }] : [];
  });
}

export function parseNetns(text: string): string[] {
  return parseJsonArray(text, 'ip netns list').flatMap((o) => {
    const name = str(o, 'name');
    return name === undefined ? [] : [name];
  });
}
