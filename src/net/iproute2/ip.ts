import { CommandError } from '../command.js';
import {
  familyOf,
  normCidr,
  sameRoute,
  sameCpuMask,
  sameRule,
  sameVxlan,
  tableId,
  ZERO_MAC,
  type Addr,
  type AddrFilter,
  type AddrInfo,
  type ApplyOptions,
  type Family,
  type FdbEntry,
  type IpOp,
  type Link,
  type LinkAttrs,
  type LinkStats,
  type LinkSpec,
  type NsOpt,
  type Route,
  type RouteFilter,
  type Rule,
  type RuleFilter,
  type VxlanSpec,
} from './model.js';

/** One method per kernel operation. Reads use `ip -json`; `apply` batches writes with `ip -batch -`. */
export interface IpBasic {
  linkList(opts?: NsOpt): Promise<Link[]>;
  /** The link, or undefined when there is none by that name. */
  linkGet(name: string, opts?: NsOpt): Promise<Link | undefined>;
  linkAdd(spec: LinkSpec, opts?: NsOpt): Promise<void>;
  linkSet(name: string, attrs: LinkAttrs, opts?: NsOpt): Promise<void>;
  linkDel(name: string, opts?: NsOpt): Promise<void>;
  /** The device's traffic counters, or undefined when there is no device by that name. */
  linkStats(name: string, opts?: NsOpt): Promise<LinkStats | undefined>;

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

  /** The receive packet steering CPU mask of the device's first receive queue (`/sys/class/net/<dev>/queues/rx-0/rps_cpus`). */
  rpsCpusRead(dev: string, opts?: NsOpt): Promise<string>;
  rpsCpusWrite(dev: string, mask: string, opts?: NsOpt): Promise<void>;

  /** Runs the writes in order in as few execs as possible. */
  apply(ops: readonly IpOp[], opts?: ApplyOptions): Promise<void>;
}

/** The kernel refused because the object is already there (`File exists`, `Address already assigned`). */
export function isExistsError(err: unknown): boolean {
  return err instanceof CommandError && /File exists|already assigned/.test(err.stderr);
}

/** The kernel refused because the object is not there. */
export function isNotFoundError(err: unknown): boolean {
  return (
    err instanceof CommandError &&
    /Cannot find device|does not exist|No such process|No such file or directory|Address not found|Cannot assign requested address/.test(err.stderr)
  );
}

const ignoreIf = async (p: Promise<void>, test: (e: unknown) => boolean): Promise<boolean> => {
  try {
    await p;
    return true;
  } catch (err) {
    if (test(err)) return false;
    throw err;
  }
};

export type EnsureResult = 'created' | 'recreated' | 'updated' | 'unchanged';

/** IpBasic plus the idempotent helpers, written once over any IpBasic (real or fake). */
export class Ip implements IpBasic {
  constructor(readonly basic: IpBasic) {}

  linkList(o?: NsOpt) { return this.basic.linkList(o); }
  linkGet(name: string, o?: NsOpt) { return this.basic.linkGet(name, o); }
  linkAdd(spec: LinkSpec, o?: NsOpt) { return this.basic.linkAdd(spec, o); }
  linkSet(name: string, attrs: LinkAttrs, o?: NsOpt) { return this.basic.linkSet(name, attrs, o); }
  linkDel(name: string, o?: NsOpt) { return this.basic.linkDel(name, o); }
  linkStats(name: string, o?: NsOpt) { return this.basic.linkStats(name, o); }
  addrList(f?: AddrFilter) { return this.basic.addrList(f); }
  addrAdd(addr: Addr, o?: NsOpt) { return this.basic.addrAdd(addr, o); }
  addrDel(addr: Addr, o?: NsOpt) { return this.basic.addrDel(addr, o); }
  routeList(f?: RouteFilter) { return this.basic.routeList(f); }
  routeAdd(route: Route, o?: NsOpt) { return this.basic.routeAdd(route, o); }
  routeReplace(route: Route, o?: NsOpt) { return this.basic.routeReplace(route, o); }
  routeDel(route: Route, o?: NsOpt) { return this.basic.routeDel(route, o); }
  routeFlush(table: number, o?: NsOpt) { return this.basic.routeFlush(table, o); }
  ruleList(f?: RuleFilter) { return this.basic.ruleList(f); }
  ruleAdd(rule: Rule, o?: NsOpt) { return this.basic.ruleAdd(rule, o); }
  ruleDel(rule: Rule, o?: NsOpt) { return this.basic.ruleDel(rule, o); }
  fdbList(dev: string, o?: NsOpt) { return this.basic.fdbList(dev, o); }
  fdbAppend(entry: FdbEntry, o?: NsOpt) { return this.basic.fdbAppend(entry, o); }
  fdbDel(entry: FdbEntry, o?: NsOpt) { return this.basic.fdbDel(entry, o); }
  netnsList() { return this.basic.netnsList(); }
  netnsAdd(name: string) { return this.basic.netnsAdd(name); }
  netnsDel(name: string) { return this.basic.netnsDel(name); }
  sysctlWrite(key: string, value: string, o?: NsOpt) { return this.basic.sysctlWrite(key, value, o); }
  sysctlRead(key: string, o?: NsOpt) { return this.basic.sysctlRead(key, o); }
  rpsCpusRead(dev: string, o?: NsOpt) { return this.basic.rpsCpusRead(dev, o); }
  rpsCpusWrite(dev: string, mask: string, o?: NsOpt) { return this.basic.rpsCpusWrite(dev, mask, o); }
  apply(ops: readonly IpOp[], o?: ApplyOptions) { return this.basic.apply(ops, o); }

  /** Deletes the link if it exists; true when something was deleted. */
  async linkDelIfPresent(name: string, o?: NsOpt): Promise<boolean> {
    if (!(await this.basic.linkGet(name, o))) return false;
    return ignoreIf(this.basic.linkDel(name, o), isNotFoundError);
  }

  async addrAddIfNotPresent(addr: Addr, o?: NsOpt): Promise<boolean> {
    const have = await this.basic.addrList({ ...o, dev: addr.dev, family: familyOf(addr.cidr) });
    if (have.some((a) => normCidr(a.cidr) === normCidr(addr.cidr))) return false;
    return ignoreIf(this.basic.addrAdd(addr, o), isExistsError);
  }

  async ruleAddIfNotPresent(rule: Rule, o?: NsOpt): Promise<boolean> {
    const have = await this.basic.ruleList({ ...o, family: ruleFamily(rule) });
    if (have.some((r) => sameRule(rule, r))) return false;
    return ignoreIf(this.basic.ruleAdd(rule, o), isExistsError);
  }

  /** Deletes every rule matching `rule` (any priority when it has none); true when something was deleted. */
  async ruleDelIfPresent(rule: Rule, o?: NsOpt): Promise<boolean> {
    const matches = (await this.basic.ruleList({ ...o, family: ruleFamily(rule) })).filter((r) => sameRule(rule, r));
    let deleted = false;
    for (const r of matches) deleted = (await ignoreIf(this.basic.ruleDel(r, o), isNotFoundError)) || deleted;
    return deleted;
  }

  /** Writes the route unless the table already holds exactly it; true when written. */
  async routeAddOrReplace(route: Route, o?: NsOpt): Promise<boolean> {
    const have = await this.basic.routeList({ ...o, table: tableId(route.table), family: familyOf(route.dst) });
    if (have.some((r) => sameRoute(route, r))) return false;
    await this.basic.routeReplace(route, o);
    return true;
  }

  /** routeAddOrReplace for many routes: one read per table, one batched write; returns the routes written. */
  async routesAddOrReplace(routes: readonly Route[], o?: NsOpt): Promise<Route[]> {
    const byTable = new Map<string, Route[]>();
    const missing: Route[] = [];
    for (const route of routes) {
      const key = `${tableId(route.table)}/${familyOf(route.dst)}`;
      let have = byTable.get(key);
      if (!have) {
        have = await this.basic.routeList({ ...o, table: tableId(route.table), family: familyOf(route.dst) });
        byTable.set(key, have);
      }
      if (!have.some((r) => sameRoute(route, r))) missing.push(route);
    }
    if (missing.length > 0) await this.basic.apply(missing.map((route) => ({ op: 'routeReplace', route })), { ...o, force: true });
    return missing;
  }

  async routeDelIfPresent(route: Route, o?: NsOpt): Promise<boolean> {
    const have = await this.basic.routeList({ ...o, table: tableId(route.table), family: familyOf(route.dst) });
    if (!have.some((r) => sameRoute(route, r))) return false;
    return ignoreIf(this.basic.routeDel(route, o), isNotFoundError);
  }

  /**
   * Makes the VXLAN link match `spec`: creates it, recreates it when VNI, port, device, remote,
   * group or local address differ (they cannot change in place), else adjusts MTU, MAC address, master and up.
   */
  async ensureVxlan(spec: VxlanSpec, o?: NsOpt): Promise<EnsureResult> {
    const have = await this.basic.linkGet(spec.name, o);
    if (!have) {
      await this.basic.linkAdd(spec, o);
      return 'created';
    }
    if (have.kind !== 'vxlan' || !sameVxlan(spec, have.vxlan)) {
      await this.basic.linkDel(spec.name, o);
      await this.basic.linkAdd(spec, o);
      return 'recreated';
    }
    const attrs: LinkAttrs = {};
    if (spec.mtu !== undefined && spec.mtu !== have.mtu) attrs.mtu = spec.mtu;
    if (spec.address !== undefined && spec.address.toLowerCase() !== have.address.toLowerCase()) attrs.address = spec.address;
    if (spec.master !== undefined && spec.master !== have.master) attrs.master = spec.master;
    if (spec.up && !have.up) attrs.up = true;
    if (Object.keys(attrs).length === 0) return 'unchanged';
    await this.basic.linkSet(spec.name, attrs, o);
    return 'updated';
  }

  /**
   * Makes `mask` (`cpuMask`) the CPUs that process what `dev` receives (receive packet steering); true when it
   * wrote. A VXLAN device has one receive queue: without steering, everything it decapsulates is routed and sent
   * on by the CPU that took the outer packet in.
   */
  async ensureRpsCpus(dev: string, mask: string, o?: NsOpt): Promise<boolean> {
    if (sameCpuMask(await this.basic.rpsCpusRead(dev, o), mask)) return false;
    await this.basic.rpsCpusWrite(dev, mask, o);
    return true;
  }

  /**
   * Makes the all-zero-MAC FDB entries of a VXLAN device exactly `remotes` (the flood list of a
   * gateway's vx-submariner), in one batched write.
   */
  async syncFloodList(dev: string, remotes: readonly string[], o?: NsOpt): Promise<{ added: string[]; removed: string[] }> {
    const have = (await this.basic.fdbList(dev, o)).filter((e) => e.mac === ZERO_MAC).map((e) => e.dst);
    const want = new Set(remotes);
    const added = [...want].filter((d) => !have.includes(d));
    const removed = [...new Set(have)].filter((d) => !want.has(d));
    const ops: IpOp[] = [
      ...removed.map((dst): IpOp => ({ op: 'fdbDel', entry: { dev, mac: ZERO_MAC, dst } })),
      ...added.map((dst): IpOp => ({ op: 'fdbAppend', entry: { dev, mac: ZERO_MAC, dst } })),
    ];
    if (ops.length > 0) await this.basic.apply(ops, { ...o, force: true });
    return { added, removed };
  }
}

function ruleFamily(rule: Rule): Family {
  const sel = rule.from ?? rule.to;
  return sel === undefined ? 4 : familyOf(sel);
}
