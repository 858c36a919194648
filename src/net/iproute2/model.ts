import { isIP } from 'node:net';

/** Which network namespace an operation targets; the caller's own when unset. */
export interface NsOpt {
  netns?: string | undefined;
}

export type Family = 4 | 6;

/** Routing table ids as the kernel numbers them. */
export const TABLE_MAIN = 254;
export const TABLE_LOCAL = 255;
export const TABLE_DEFAULT = 253;

export interface VxlanAttrs {
  vni: number;
  /** UDP destination port. */
  port: number;
  /** Underlay device. */
  dev?: string | undefined;
  /** Unicast peer (non-gateway nodes point at the gateway). */
  remote?: string | undefined;
  /** Multicast group. */
  group?: string | undefined;
  /** Local underlay address. */
  local?: string | undefined;
}

interface LinkCommon {
  name: string;
  mtu?: number | undefined;
  /** MAC address. */
  address?: string | undefined;
  master?: string | undefined;
  up?: boolean | undefined;
}

/** A link to create. */
export type LinkSpec = LinkCommon &
  (
    | { kind: 'veth'; peer: string; peerNetns?: string | undefined }
    | { kind: 'bridge' }
    | { kind: 'dummy' }
    | { kind: 'wireguard' }
    | ({ kind: 'vxlan' } & VxlanAttrs)
  );

export type VxlanSpec = LinkCommon & { kind: 'vxlan' } & VxlanAttrs;

/** The hex CPU mask of the first `count` CPUs, in the kernel's format (32-bit groups, comma-separated). */
export function cpuMask(count: number): string {
  if (!Number.isInteger(count) || count < 1) throw new Error(`cannot make a CPU mask of ${count} CPUs: give a whole number from 1`);
  const groups: string[] = [];
  for (let left = count; left > 0; left -= 32) groups.unshift(left >= 32 ? 'ffffffff' : ((2 ** left - 1) >>> 0).toString(16));
  return groups.map((g, i) => (i === 0 ? g : g.padStart(8, '0'))).join(',');
}

/** Whether two CPU masks name the same CPUs, however the kernel pads them (`3`, `00000003`, `0,00000003`). */
export function sameCpuMask(a: string, b: string): boolean {
  const norm = (m: string): string => m.trim().toLowerCase().split(',').map((g) => g.padStart(8, '0')).join('').replace(/^0+/, '');
  return norm(a) === norm(b);
}

/** A link as `ip -json -details link show` reports it. */
export interface Link {
  name: string;
  index: number;
  /** `veth`, `bridge`, `vxlan`, `dummy`, `wireguard`, `tun`, ...; undefined for plain devices such as `lo`. */
  kind: string | undefined;
  up: boolean;
  mtu: number;
  address: string;
  operState: string;
  master?: string | undefined;
  /** The peer's name, for a veth whose peer is in the same namespace. */
  peer?: string | undefined;
  vxlan?: VxlanAttrs | undefined;
}

/** Attributes `ip link set` changes; `master: null` detaches from the bridge. */
export interface LinkAttrs {
  up?: boolean | undefined;
  mtu?: number | undefined;
  master?: string | null | undefined;
  netns?: string | undefined;
  address?: string | undefined;
}

export interface Addr {
  dev: string;
  /** Address with prefix length, e.g. `240.18.0.5/8`. */
  cidr: string;
}

export interface AddrInfo extends Addr {
  family: Family;
  scope: string;
}

export interface Route {
  /** `default` or a CIDR; host routes read back as `/32` (`/128`). */
  dst: string;
  /** Kernel table id; main (254) when unset. */
  table?: number | undefined;
  gateway?: string | undefined;
  dev?: string | undefined;
  /** Preferred source address. */
  src?: string | undefined;
  metric?: number | undefined;
  /** Name (`static`, `kernel`, `boot`) or number; numbers 0-4 read back as names. */
  protocol?: string | undefined;
  scope?: string | undefined;
  /** `unicast` when unset. */
  type?: string | undefined;
  onlink?: boolean | undefined;
}

export interface Rule {
  priority?: number | undefined;
  table: number;
  from?: string | undefined;
  to?: string | undefined;
  /** `0xc0000` or `0xc0000/0xc0000`. */
  fwmark?: string | undefined;
  iif?: string | undefined;
  oif?: string | undefined;
}

/** A device's traffic counters since it was created (`ip -s link`). */
export interface LinkStats {
  rxBytes: number;
  txBytes: number;
  rxPackets: number;
  txPackets: number;
}

/** A bridge FDB entry; VXLAN flooding uses the all-zero MAC with one entry per remote VTEP. */
export interface FdbEntry {
  dev: string;
  mac: string;
  dst: string;
}

export const ZERO_MAC = '00:00:00:00:00:00';

/**
 * A locally administered unicast MAC: 02, `tag`, then the four bytes of `ipv4`. A device that is built again with
 * it keeps its address, so the neighbour entries other hosts hold for it stay right.
 */
export function macFromIpv4(tag: number, ipv4: string): string {
  return [0x02, tag, ...ipv4.split('.').map(Number)].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** One kernel write, for batching several in one exec. */
export type IpOp =
  | { op: 'linkAdd'; link: LinkSpec }
  | { op: 'linkSet'; name: string; attrs: LinkAttrs }
  | { op: 'linkDel'; name: string }
  | { op: 'addrAdd' | 'addrDel'; addr: Addr }
  | { op: 'routeAdd' | 'routeReplace' | 'routeDel'; route: Route }
  | { op: 'routeFlush'; table: number }
  | { op: 'ruleAdd' | 'ruleDel'; rule: Rule }
  | { op: 'fdbAppend' | 'fdbDel'; entry: FdbEntry };

export type AddrFilter = NsOpt & { dev?: string | undefined; family?: Family | undefined };
export type RouteFilter = NsOpt & { table?: number | 'all' | undefined; family?: Family | undefined };
export type RuleFilter = NsOpt & { family?: Family | undefined };

export interface ApplyOptions extends NsOpt {
  /** Keep going after a failed operation (`-force`), then report every failure. Only for independent operations. */
  force?: boolean | undefined;
}

const TABLE_NAMES: Record<string, number> = { main: TABLE_MAIN, local: TABLE_LOCAL, default: TABLE_DEFAULT, unspec: 0 };
const PROTOCOL_NAMES: Record<string, string> = { '0': 'unspec', '1': 'redirect', '2': 'kernel', '3': 'boot', '4': 'static' };

/** `main`/`local`/`default`/`"150"` → kernel table id. */
export function tableId(name: string | number | undefined): number {
  if (name === undefined) return TABLE_MAIN;
  if (typeof name === 'number') return name;
  const known = TABLE_NAMES[name];
  if (known !== undefined) return known;
  const n = Number(name);
  if (!Number.isInteger(n)) throw new RangeError(`unknown routing table "${name}": use a table number`);
  return n;
}

/** Route protocol as `ip -json` names it (`4` → `static`). */
export function protocolName(p: string | number | undefined): string | undefined {
  if (p === undefined) return undefined;
  const s = String(p);
  return PROTOCOL_NAMES[s] ?? s;
}

export function familyOf(address: string): Family {
  const bare = address.split('/')[0] ?? '';
  return isIP(bare) === 6 ? 6 : 4;
}

/** `10.0.0.1` → `10.0.0.1/32`; `default` and prefixed forms unchanged; lowercase. */
export function normCidr(cidr: string): string {
  if (cidr === 'default' || cidr.includes('/')) return cidr.toLowerCase();
  return `${cidr.toLowerCase()}/${familyOf(cidr) === 6 ? 128 : 32}`;
}

/** `0xc0000` → `0xc0000/0xffffffff`, so marks compare regardless of how they were written. */
export function normMark(mark: string | undefined): string | undefined {
  if (mark === undefined) return undefined;
  const [value = '', mask = '0xffffffff'] = mark.split('/');
  const hex = (s: string): string => `0x${Number(s).toString(16)}`;
  return `${hex(value)}/${hex(mask)}`;
}

/** True when `have` is the route `want` describes (fields `want` leaves unset are not compared, except src/gateway/metric). */
export function sameRoute(want: Route, have: Route): boolean {
  return (
    normCidr(want.dst) === normCidr(have.dst) &&
    tableId(want.table) === tableId(have.table) &&
    (want.gateway ?? '') === (have.gateway ?? '') &&
    (want.src ?? '') === (have.src ?? '') &&
    (want.metric ?? 0) === (have.metric ?? 0) &&
    (want.type ?? 'unicast') === (have.type ?? 'unicast') &&
    (want.dev === undefined || want.dev === have.dev) &&
    (want.protocol === undefined || protocolName(want.protocol) === protocolName(have.protocol)) &&
    (want.scope === undefined || want.scope === have.scope) &&
    (want.onlink === undefined || want.onlink === (have.onlink ?? false))
  );
}

/** The kernel's identity of a route: the same key cannot be added twice. */
export function routeKey(r: Route): string {
  return `${tableId(r.table)} ${r.type ?? 'unicast'} ${normCidr(r.dst)} ${r.metric ?? 0}`;
}

/** True when `have` matches `want`'s selectors exactly; an unset priority in `want` matches any priority. */
export function sameRule(want: Rule, have: Rule): boolean {
  const opt = (s: string | undefined): string => (s === undefined ? '' : normCidr(s));
  return (
    (want.priority === undefined || want.priority === have.priority) &&
    want.table === have.table &&
    opt(want.from) === opt(have.from) &&
    opt(want.to) === opt(have.to) &&
    (normMark(want.fwmark) ?? '') === (normMark(have.fwmark) ?? '') &&
    (want.iif ?? '') === (have.iif ?? '') &&
    (want.oif ?? '') === (have.oif ?? '')
  );
}

/** The VXLAN attributes that cannot change in place: a difference means delete and recreate. */
export function sameVxlan(want: VxlanAttrs, have: VxlanAttrs | undefined): boolean {
  if (!have) return false;
  const ip = (s: string | undefined): string => (s ?? '').toLowerCase();
  return (
    want.vni === have.vni &&
    want.port === have.port &&
    (want.dev ?? '') === (have.dev ?? '') &&
    ip(want.remote) === ip(have.remote) &&
    ip(want.group) === ip(have.group) &&
    ip(want.local) === ip(have.local)
  );
}
