import { CommandError, checkNetnsName, commandArgv } from '../command.js';
import { checkCpuMask, checkIfName, checkSysctlKey, checkSysctlValue, opArgv, rpsCpusPath } from '../iproute2/argv.js';
import {
  familyOf,
  normCidr,
  normMark,
  protocolName,
  routeKey,
  sameRule,
  tableId,
  ZERO_MAC,
  type Addr,
  type AddrFilter,
  type AddrInfo,
  type ApplyOptions,
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
} from '../iproute2/model.js';
import { NsState, kernelError, nextMac, type FakeLink } from './kernel-state.js';
import type { IpBasic } from '../iproute2/ip.js';

const ROOT = '';

/**
 * An in-memory kernel implementing IpBasic: links, addresses, routes per table, rules, FDB entries
 * and sysctls for the root namespace and every named one. Errors are CommandErrors carrying the
 * argv and the message the real tools print (`RTNETLINK answers: File exists`, ...). It does not
 * add the routes the kernel derives from addresses (connected subnets, the local table).
 */
export class FakeKernel implements IpBasic {
  private readonly namespaces = new Map<string, NsState>([[ROOT, new NsState()]]);

  /** The state of one namespace, for assertions. */
  state(netns?: string): NsState {
    const st = this.namespaces.get(netns ?? ROOT);
    if (!st) throw new Error(`FakeKernel: no network namespace "${netns}"`);
    return st;
  }

  private ns(netns: string | undefined, argv: readonly string[]): NsState {
    const st = this.namespaces.get(netns ?? ROOT);
    if (!st) kernelError(argv, 255, `Cannot open network namespace "${netns}": No such file or directory`);
    return st;
  }

  private readArgv(file: string, args: string[], o?: NsOpt): string[] {
    return commandArgv(file, args, o?.netns);
  }

  async linkList(o?: NsOpt): Promise<Link[]> {
    const st = this.ns(o?.netns, this.readArgv('ip', ['-json', '-details', 'link', 'show'], o));
    return [...st.links.values()].sort((a, b) => a.index - b.index).map((l) => toLink(l, st, o?.netns ?? ROOT));
  }

  async linkGet(name: string, o?: NsOpt): Promise<Link | undefined> {
    const st = this.ns(o?.netns, this.readArgv('ip', ['-json', '-details', 'link', 'show', 'dev', checkIfName(name)], o));
    const l = st.links.get(name);
    return l && toLink(l, st, o?.netns ?? ROOT);
  }

  /** Traffic counters `linkStats` reports, by device name (zero for a device not listed). */
  readonly linkCounters = new Map<string, LinkStats>();
  /** /sys mounted read-only, as in an unprivileged container: device settings under /sys/class/net are refused. */
  sysReadOnly = false;

  async linkStats(name: string, o?: NsOpt): Promise<LinkStats | undefined> {
    const st = this.ns(o?.netns, this.readArgv('ip', ['-json', '-s', 'link', 'show', 'dev', checkIfName(name)], o));
    if (!st.links.has(name)) return undefined;
    return { ...(this.linkCounters.get(name) ?? { rxBytes: 0, txBytes: 0, rxPackets: 0, txPackets: 0 }) };
  }

  async addrList(f: AddrFilter = {}): Promise<AddrInfo[]> {
    const argv = this.readArgv('ip', ['-json', 'addr', 'show', ...(f.dev ? ['dev', checkIfName(f.dev)] : [])], f);
    const st = this.ns(f.netns, argv);
    if (f.dev !== undefined && !st.links.has(f.dev)) kernelError(argv, 1, `Device "${f.dev}" does not exist.`);
    return st.addrs.filter((a) => (f.dev === undefined || a.dev === f.dev) && (f.family === undefined || a.family === f.family)).map((a) => ({ ...a }));
  }

  async routeList(f: RouteFilter = {}): Promise<Route[]> {
    const st = this.ns(f.netns, this.readArgv('ip', ['-json', 'route', 'show'], f));
    const table = f.table ?? 254;
    const family = f.family ?? 4;
    return st.routes.filter((r) => (table === 'all' || r.table === table) && familyOf(r.dst) === family).map((r) => ({ ...r }));
  }

  async ruleList(f: RuleFilter = {}): Promise<Rule[]> {
    const st = this.ns(f.netns, this.readArgv('ip', ['-json', 'rule', 'show'], f));
    const family = f.family ?? 4;
    return st.rules
      .filter((r) => r.from === undefined && r.to === undefined ? true : familyOf(r.from ?? r.to ?? '') === family)
      .sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0))
      .map((r) => ({ ...r }));
  }

  async fdbList(dev: string, o?: NsOpt): Promise<FdbEntry[]> {
    const argv = this.readArgv('bridge', ['-json', 'fdb', 'show', 'dev', checkIfName(dev)], o);
    const st = this.ns(o?.netns, argv);
    if (!st.links.has(dev)) kernelError(argv, 1, `Cannot find device "${dev}"`);
    return st.fdb.filter((e) => e.dev === dev).map((e) => ({ ...e }));
  }

  async netnsList(): Promise<string[]> {
    return [...this.namespaces.keys()].filter((k) => k !== ROOT);
  }

  async netnsAdd(name: string): Promise<void> {
    checkNetnsName(name);
    if (this.namespaces.has(name)) kernelError(['ip', 'netns', 'add', name], 1, `Cannot create namespace file "/run/netns/${name}": File exists`);
    this.namespaces.set(name, new NsState());
  }

  async netnsDel(name: string): Promise<void> {
    const st = this.namespaces.get(checkNetnsName(name));
    if (!st) kernelError(['ip', 'netns', 'del', name], 1, `Cannot remove namespace file "/run/netns/${name}": No such file or directory`);
    for (const l of st.links.values()) if (l.peer) this.namespaces.get(l.peer.ns)?.dropLink(l.peer.name);
    this.namespaces.delete(name);
  }

  async sysctlWrite(key: string, value: string, o?: NsOpt): Promise<void> {
    const argv = this.readArgv('sysctl', ['-q', '-w', `${checkSysctlKey(key)}=${checkSysctlValue(key, value)}`], o);
    this.ns(o?.netns, argv).sysctl.set(this.sysctlPath(key, argv, o), value);
  }

  async sysctlRead(key: string, o?: NsOpt): Promise<string> {
    const argv = this.readArgv('sysctl', ['-n', checkSysctlKey(key)], o);
    return this.ns(o?.netns, argv).sysctl.get(this.sysctlPath(key, argv, o)) ?? '0';
  }

  async rpsCpusRead(dev: string, o?: NsOpt): Promise<string> {
    const path = rpsCpusPath(dev);
    const argv = this.readArgv('cat', [path], o);
    const link = this.ns(o?.netns, argv).links.get(dev);
    if (!link) kernelError(argv, 1, `cat: ${path}: No such file or directory`);
    return link.rpsCpus ?? '0';
  }

  async rpsCpusWrite(dev: string, mask: string, o?: NsOpt): Promise<void> {
    const path = rpsCpusPath(dev);
    const argv = this.readArgv('tee', [path], o);
    checkCpuMask(mask);
    const link = this.ns(o?.netns, argv).links.get(dev);
    if (!link) kernelError(argv, 1, `tee: ${path}: No such file or directory`);
    if (this.sysReadOnly) kernelError(argv, 1, `tee: ${path}: Read-only file system`);
    link.rpsCpus = mask.toLowerCase();
  }

  private sysctlPath(key: string, argv: string[], o?: NsOpt): string {
    const path = key.includes('/') ? key : key.replaceAll('.', '/');
    const m = /^net\/ipv[46]\/conf\/([^/]+)\//.exec(path);
    const dev = m?.[1];
    if (dev !== undefined && dev !== 'all' && dev !== 'default' && !this.ns(o?.netns, argv).links.has(dev)) {
      kernelError(argv, 1, `sysctl: cannot stat /proc/sys/${path}: No such file or directory`);
    }
    return path;
  }

  linkAdd(spec: LinkSpec, o?: NsOpt) { return this.one({ op: 'linkAdd', link: spec }, o); }
  linkSet(name: string, attrs: LinkAttrs, o?: NsOpt) { return this.one({ op: 'linkSet', name, attrs }, o); }
  linkDel(name: string, o?: NsOpt) { return this.one({ op: 'linkDel', name }, o); }
  addrAdd(addr: Addr, o?: NsOpt) { return this.one({ op: 'addrAdd', addr }, o); }
  addrDel(addr: Addr, o?: NsOpt) { return this.one({ op: 'addrDel', addr }, o); }
  routeAdd(route: Route, o?: NsOpt) { return this.one({ op: 'routeAdd', route }, o); }
  routeReplace(route: Route, o?: NsOpt) { return this.one({ op: 'routeReplace', route }, o); }
  routeDel(route: Route, o?: NsOpt) { return this.one({ op: 'routeDel', route }, o); }
  routeFlush(table: number, o?: NsOpt) { return this.one({ op: 'routeFlush', table }, o); }
  ruleAdd(rule: Rule, o?: NsOpt) { return this.one({ op: 'ruleAdd', rule }, o); }
  ruleDel(rule: Rule, o?: NsOpt) { return this.one({ op: 'ruleDel', rule }, o); }
  fdbAppend(entry: FdbEntry, o?: NsOpt) { return this.one({ op: 'fdbAppend', entry }, o); }
  fdbDel(entry: FdbEntry, o?: NsOpt) { return this.one({ op: 'fdbDel', entry }, o); }

  /** Like `ip -batch -`: stops at the first failure, or with `force` tries every op and reports all failures. */
  async apply(ops: readonly IpOp[], o: ApplyOptions = {}): Promise<void> {
    return this.run(ops, o, false);
  }

  private async one(op: IpOp, o?: NsOpt): Promise<void> {
    return this.run([op], o ?? {}, true);
  }

  private async run(ops: readonly IpOp[], o: ApplyOptions, single: boolean): Promise<void> {
    const failed: { line: number; err: CommandError; argv: string[] }[] = [];
    for (const [i, op] of ops.entries()) {
      const { tool, args } = opArgv(op);
      const argv = commandArgv(tool, args, o.netns);
      try {
        this.write(op, this.ns(o.netns, argv), argv, o.netns ?? ROOT);
      } catch (err) {
        if (!(err instanceof CommandError)) throw err;
        if (single) throw err;
        failed.push({ line: i + 1, err, argv: args });
        if (!o.force) break;
      }
    }
    if (failed.length === 0) return;
    const first = failed[0]!.argv;
    const stderr = failed.map((f) => `${f.err.stderr.trim()}\nCommand failed -:${f.line} (${f.argv.join(' ')})`).join('\n');
    const tool = first[0] === 'fdb' ? 'bridge' : 'ip';
    throw new CommandError(commandArgv(tool, [...(o.force ? ['-force'] : []), '-batch', '-'], o.netns), { code: 1, stderr });
  }

  private write(op: IpOp, st: NsState, argv: string[], nsKey: string): void {
    switch (op.op) {
      case 'linkAdd': return this.addLink(op.link, st, argv, nsKey);
      case 'linkSet': return this.setLink(op.name, op.attrs, st, argv, nsKey);
      case 'linkDel': {
        const gone = st.dropLink(op.name) ?? kernelError(argv, 1, `Cannot find device "${op.name}"`);
        if (gone.peer) this.namespaces.get(gone.peer.ns)?.dropLink(gone.peer.name);
        return;
      }
      case 'addrAdd': return addAddr(op.addr, st, argv);
      case 'addrDel': {
        const cidr = normCidr(op.addr.cidr);
        const i = st.addrs.findIndex((a) => a.dev === op.addr.dev && a.cidr === cidr);
        if (i < 0) kernelError(argv, 2, `Error: ipv${familyOf(cidr)}: Address not found.`);
        st.addrs.splice(i, 1);
        const ip = cidr.split('/')[0];
        st.routes = st.routes.filter((r) => r.src !== ip);
        return;
      }
      case 'routeAdd':
      case 'routeReplace': return putRoute(op.route, op.op === 'routeReplace', st, argv);
      case 'routeDel': {
        const want = op.route;
        const i = st.routes.findIndex(
          (r) =>
            normCidr(want.dst) === r.dst &&
            tableId(want.table) === r.table &&
            (want.metric === undefined || want.metric === (r.metric ?? 0)) &&
            (want.dev === undefined || want.dev === r.dev) &&
            (want.gateway === undefined || want.gateway === r.gateway),
        );
        if (i < 0) kernelError(argv, 2, 'RTNETLINK answers: No such process');
        st.routes.splice(i, 1);
        return;
      }
      case 'routeFlush':
        st.routes = st.routes.filter((r) => r.table !== op.table);
        return;
      case 'ruleAdd': return addRule(op.rule, st, argv);
      case 'ruleDel': {
        const w = op.rule;
        const i = st.rules.findIndex(
          (r) =>
            r.table === w.table &&
            (w.priority === undefined || w.priority === r.priority) &&
            (w.from === undefined || normCidr(w.from) === r.from) &&
            (w.to === undefined || normCidr(w.to) === r.to) &&
            (w.fwmark === undefined || normMark(w.fwmark) === normMark(r.fwmark)) &&
            (w.iif === undefined || w.iif === r.iif) &&
            (w.oif === undefined || w.oif === r.oif),
        );
        if (i < 0) kernelError(argv, 2, 'RTNETLINK answers: No such file or directory');
        st.rules.splice(i, 1);
        return;
      }
      case 'fdbAppend':
      case 'fdbDel': {
        const e = { ...op.entry, mac: op.entry.mac.toLowerCase() };
        if (!st.links.has(e.dev)) kernelError(argv, 255, `Cannot find device "${e.dev}"`);
        const has = st.fdb.findIndex((x) => x.dev === e.dev && x.mac === e.mac && x.dst === e.dst);
        if (op.op === 'fdbAppend' && has < 0) st.fdb.push(e);
        if (op.op === 'fdbDel' && has >= 0) st.fdb.splice(has, 1);
        return;
      }
    }
  }

  private addLink(spec: LinkSpec, st: NsState, argv: string[], nsKey: string): void {
    const exists = (): never => kernelError(argv, 2, 'RTNETLINK answers: File exists');
    if (st.links.has(spec.name)) exists();
    if (spec.master !== undefined && !st.links.has(spec.master)) kernelError(argv, 1, `Cannot find device "${spec.master}"`);
    let mtu = spec.mtu ?? 1500;
    let vxlan;
    if (spec.kind === 'vxlan') {
      const under = spec.dev === undefined ? undefined : (st.links.get(spec.dev) ?? kernelError(argv, 1, `Cannot find device "${spec.dev}"`));
      mtu = spec.mtu ?? (under ? under.mtu - 50 : 1450);
      vxlan = { vni: spec.vni, port: spec.port, dev: spec.dev, remote: spec.remote, group: spec.group, local: spec.local };
    }
    let peer;
    if (spec.kind === 'veth') {
      const peerKey = spec.peerNetns ?? nsKey;
      const peerSt = this.namespaces.get(peerKey) ?? kernelError(argv, 255, `Error: argument "${spec.peerNetns}" is wrong: Invalid "netns" value`);
      if (peerSt.links.has(spec.peer) || (peerSt === st && spec.peer === spec.name)) exists();
      peerSt.addLink({ name: spec.peer, kind: 'veth', mtu, up: false, address: nextMac(), peer: { name: spec.name, ns: nsKey } });
      peer = { name: spec.peer, ns: peerKey };
    }
    st.addLink({ name: spec.name, kind: spec.kind, mtu, up: spec.up ?? false, address: spec.address ?? nextMac(), master: spec.master, vxlan, peer });
    if (vxlan?.remote !== undefined) st.fdb.push({ dev: spec.name, mac: ZERO_MAC, dst: vxlan.remote });
  }

  private setLink(name: string, attrs: LinkAttrs, st: NsState, argv: string[], nsKey: string): void {
    const link = st.links.get(name) ?? kernelError(argv, 1, `Cannot find device "${name}"`);
    if (typeof attrs.master === 'string' && !st.links.has(attrs.master)) {
      kernelError(argv, 255, `Error: argument "${attrs.master}" is wrong: Device does not exist`);
    }
    if (attrs.netns !== undefined) {
      const to = this.namespaces.get(attrs.netns) ?? kernelError(argv, 255, `Error: argument "${attrs.netns}" is wrong: Invalid "netns" value`);
      if (to !== st && to.links.has(name)) kernelError(argv, 2, 'RTNETLINK answers: File exists');
    }
    if (attrs.mtu !== undefined) link.mtu = attrs.mtu;
    if (attrs.address !== undefined) link.address = attrs.address.toLowerCase();
    if (attrs.master !== undefined) link.master = attrs.master ?? undefined;
    if (attrs.up !== undefined) {
      link.up = attrs.up;
      if (!attrs.up) st.dropRoutesVia(name);
    }
    if (attrs.netns !== undefined && attrs.netns !== nsKey) {
      st.dropLink(name);
      const moved = this.namespaces.get(attrs.netns)!.addLink({ ...link, up: false, master: undefined });
      if (moved.peer) {
        const other = this.namespaces.get(moved.peer.ns)?.links.get(moved.peer.name);
        if (other?.peer) other.peer = { name, ns: attrs.netns };
      }
    }
  }
}

function toLink(l: FakeLink, st: NsState, nsKey: string): Link {
  const link: Link = { name: l.name, index: l.index, kind: l.kind, up: l.up, mtu: l.mtu, address: l.address, operState: l.up ? 'UP' : 'DOWN' };
  if (l.master !== undefined) link.master = l.master;
  if (l.peer && l.peer.ns === nsKey && st.links.has(l.peer.name)) link.peer = l.peer.name;
  if (l.vxlan) link.vxlan = { ...l.vxlan };
  return link;
}

function addAddr(addr: Addr, st: NsState, argv: string[]): void {
  if (!st.links.has(addr.dev)) kernelError(argv, 1, `Cannot find device "${addr.dev}"`);
  const cidr = normCidr(addr.cidr);
  const family = familyOf(cidr);
  if (st.addrs.some((a) => a.dev === addr.dev && a.cidr === cidr)) kernelError(argv, 2, `Error: ipv${family}: Address already assigned.`);
  st.addrs.push({ dev: addr.dev, cidr, family, scope: 'global' });
}

function putRoute(want: Route, replace: boolean, st: NsState, argv: string[]): void {
  const route = compact<Route>({ ...want, dst: normCidr(want.dst), table: tableId(want.table) });
  if (want.protocol !== undefined) route.protocol = protocolName(want.protocol);
  if (route.dev !== undefined) {
    const link = st.links.get(route.dev) ?? kernelError(argv, 1, `Cannot find device "${route.dev}"`);
    if (!link.up) kernelError(argv, 2, 'Error: Device for nexthop is not up.');
  }
  if (route.gateway !== undefined && !route.onlink) {
    const dev = st.connectedDev(route.gateway, route.dev);
    if (dev === undefined) kernelError(argv, 2, 'Error: Nexthop has invalid gateway.');
    route.dev = dev;
  }
  if (route.dev === undefined && (route.type ?? 'unicast') === 'unicast') kernelError(argv, 2, 'RTNETLINK answers: No such device');
  if (route.dev !== undefined && route.gateway === undefined && route.scope === undefined && (route.type ?? 'unicast') === 'unicast') {
    route.scope = 'link';
  }
  const i = st.routes.findIndex((r) => routeKey(r) === routeKey(route));
  if (i >= 0 && !replace) kernelError(argv, 2, 'RTNETLINK answers: File exists');
  if (i >= 0) st.routes[i] = route;
  else st.routes.push(route);
}

function addRule(want: Rule, st: NsState, argv: string[]): void {
  const rule = compact<Rule>({ ...want });
  if (want.from !== undefined) rule.from = normCidr(want.from);
  if (want.to !== undefined) rule.to = normCidr(want.to);
  if (rule.priority === undefined) {
    const firstUser = st.rules.map((r) => r.priority ?? 0).filter((p) => p > 0).sort((a, b) => a - b)[0];
    rule.priority = firstUser === undefined ? 0 : firstUser - 1;
  }
  if (st.rules.some((r) => sameRule(rule, r) && r.priority === rule.priority)) kernelError(argv, 2, 'RTNETLINK answers: File exists');
  st.rules.push(rule);
}

/** Drops keys whose value is undefined, as a read back from the kernel would not have them. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
