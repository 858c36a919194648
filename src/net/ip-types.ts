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

/** A bridge FDB entry; VXLAN flooding uses the all-zero MAC with one entry per remote VTEP. */
export interface FdbEntry {
  dev: string;
  mac: string;
  dst: string;
}

export const ZERO_MAC = '00:00:00:00:00:00';

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

/** One method per kernel operation. Reads use `ip -json`; `apply` batches writes with `ip -batch -`. */
export interface IpBasic {
  linkList(opts?: NsOpt): Promise<Link[]>;
  /** The link, or undefined when there is none by that name. */
  linkGet(name: string, opts?: NsOpt): Promise<Link | undefined>;
  linkAdd(spec: LinkSpec, opts?: NsOpt): Promise<void>;
  linkSet(name: string, attrs: LinkAttrs, opts?: NsOpt): Promise<void>;
  linkDel(name: string, opts?: NsOpt): Promise<void>;

  addrList(filter?: AddrFilter): Promise<AddrInfo[]>;
  addrAdd(addr: Addr, opts?: NsOpt): Promise<void>;
  addrDel(addr: Addr, opts?: NsOpt): Promise<void>;

  /** Routes of one table (main by default) or of all tables; a table that does not exist reads as empty. */
  routeList(filter?: RouteFilter): Promise<Route[]>;
  routeAdd(route: Route, opts?: NsOpt): Promise<void>;
  routeReplace(route: Route, opts?: NsOpt): Promise<void>;
  routeDel(route: Route, opts?: NsOpt): Promise<void>;
  /** Removes every route of a table; an empty table is not an error. */
  routeFlush(table: number, opts?: NsOpt): Promise<void>;

  ruleList(filter?: RuleFilter): Promise<Rule[]>;
  ruleAdd(rule: Rule, opts?: NsOpt): Promise<void>;
  ruleDel(rule: Rule, opts?: NsOpt): Promise<void>;

  /** FDB entries with a remote destination on `dev` (the VXLAN flood list). */
  fdbList(dev: string, opts?: NsOpt): Promise<FdbEntry[]>;
  fdbAppend(entry: FdbEntry, opts?: NsOpt): Promise<void>;
  fdbDel(entry: FdbEntry, opts?: NsOpt): Promise<void>;

  netnsList(): Promise<string[]>;
  netnsAdd(name: string): Promise<void>;
  netnsDel(name: string): Promise<void>;

  /** `key` in dotted or slashed form (`net.ipv4.ip_forward`, `net/ipv4/conf/eth0.10/rp_filter`). */
  sysctlWrite(key: string, value: string, opts?: NsOpt): Promise<void>;
  sysctlRead(key: string, opts?: NsOpt): Promise<string>;

  /** Runs the writes in order in as few execs as possible. */
  apply(ops: readonly IpOp[], opts?: ApplyOptions): Promise<void>;
}
