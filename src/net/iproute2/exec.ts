import { CommandError, checkNetnsName, commandArgv, type CommandRunner, type RunOptions } from '../command.js';
import { checkCpuMask, checkIfName, checkSysctlKey, checkSysctlValue, opArgv, rpsCpusPath } from './argv.js';
import { parseAddrs, parseFdb, parseLinkStats, parseLinks, parseNetns, parseRoutes, parseRules } from './parse-json.js';
import {
  TABLE_MAIN,
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
} from './model.js';
import type { IpBasic } from './ip.js';

const familyFlag = (f: Family | undefined): string[] => (f === 6 ? ['-6'] : f === 4 ? ['-4'] : []);

/** IpBasic over the real `ip`, `bridge` and `sysctl` programs, through one CommandRunner. */
export class IpRoute2 implements IpBasic {
  constructor(private readonly runner: CommandRunner) {}

  private async read(file: string, args: string[], opts: NsOpt | undefined, extra: RunOptions = {}) {
    return this.runner.run(file, args, { netns: opts?.netns, ...extra });
  }

  private async write(op: IpOp, opts?: NsOpt): Promise<void> {
    const { tool, args } = opArgv(op);
    await this.runner.run(tool, args, { netns: opts?.netns });
  }

  async linkList(opts?: NsOpt): Promise<Link[]> {
    return parseLinks((await this.read('ip', ['-json', '-details', 'link', 'show'], opts)).stdout);
  }

  /** `ip <flags> link show dev <name>`; undefined when there is no such device. */
  private async linkShow(flags: string[], name: string, opts?: NsOpt): Promise<string | undefined> {
    const argv = [...flags, 'link', 'show', 'dev', checkIfName(name)];
    const res = await this.read('ip', argv, opts, { allowFailure: true });
    if (res.code !== 0) {
      if (/does not exist|Cannot find device/.test(res.stderr)) return undefined;
      throw new CommandError(commandArgv('ip', argv, opts?.netns), res);
    }
    return res.stdout;
  }

  async linkGet(name: string, opts?: NsOpt): Promise<Link | undefined> {
    const out = await this.linkShow(['-json', '-details'], name, opts);
    return out === undefined ? undefined : parseLinks(out)[0];
  }

  async linkStats(name: string, opts?: NsOpt): Promise<LinkStats | undefined> {
    const out = await this.linkShow(['-json', '-s'], name, opts);
    return out === undefined ? undefined : parseLinkStats(out);
  }

  linkAdd(spec: LinkSpec, opts?: NsOpt) { return this.write({ op: 'linkAdd', link: spec }, opts); }
  linkSet(name: string, attrs: LinkAttrs, opts?: NsOpt) { return this.write({ op: 'linkSet', name, attrs }, opts); }
  linkDel(name: string, opts?: NsOpt) { return this.write({ op: 'linkDel', name }, opts); }

  async addrList(filter: AddrFilter = {}): Promise<AddrInfo[]> {
    const dev = filter.dev === undefined ? [] : ['dev', checkIfName(filter.dev)];
    return parseAddrs((await this.read('ip', ['-json', ...familyFlag(filter.family), 'addr', 'show', ...dev], filter)).stdout);
  }

  addrAdd(addr: Addr, opts?: NsOpt) { return this.write({ op: 'addrAdd', addr }, opts); }
  addrDel(addr: Addr, opts?: NsOpt) { return this.write({ op: 'addrDel', addr }, opts); }

  async routeList(filter: RouteFilter = {}): Promise<Route[]> {
    const table = filter.table ?? TABLE_MAIN;
    const argv = ['-json', ...familyFlag(filter.family), 'route', 'show', 'table', String(table)];
    const res = await this.read('ip', argv, filter, { allowFailure: true });
    if (res.code !== 0) {
      // A table with no routes does not exist in the kernel; that is an empty table.
      if (/FIB table does not exist/.test(res.stderr)) return [];
      throw new CommandError(commandArgv('ip', argv, filter.netns), res);
    }
    return parseRoutes(res.stdout, table === 'all' ? TABLE_MAIN : table);
  }

  routeAdd(route: Route, opts?: NsOpt) { return this.write({ op: 'routeAdd', route }, opts); }
  routeReplace(route: Route, opts?: NsOpt) { return this.write({ op: 'routeReplace', route }, opts); }
  routeDel(route: Route, opts?: NsOpt) { return this.write({ op: 'routeDel', route }, opts); }

  async routeFlush(table: number, opts?: NsOpt): Promise<void> {
    const { args } = opArgv({ op: 'routeFlush', table });
    const res = await this.runner.run('ip', args, { netns: opts?.netns, allowFailure: true });
    if (res.code !== 0 && !/FIB table does not exist/.test(res.stderr)) {
      throw new CommandError(commandArgv('ip', args, opts?.netns), res);
    }
  }

  async ruleList(filter: RuleFilter = {}): Promise<Rule[]> {
    return parseRules((await this.read('ip', ['-json', ...familyFlag(filter.family), 'rule', 'show'], filter)).stdout);
  }

  ruleAdd(rule: Rule, opts?: NsOpt) { return this.write({ op: 'ruleAdd', rule }, opts); }
  ruleDel(rule: Rule, opts?: NsOpt) { return this.write({ op: 'ruleDel', rule }, opts); }

  async fdbList(dev: string, opts?: NsOpt): Promise<FdbEntry[]> {
    return parseFdb((await this.read('bridge', ['-json', 'fdb', 'show', 'dev', checkIfName(dev)], opts)).stdout, dev);
  }

  fdbAppend(entry: FdbEntry, opts?: NsOpt) { return this.write({ op: 'fdbAppend', entry }, opts); }
  fdbDel(entry: FdbEntry, opts?: NsOpt) { return this.write({ op: 'fdbDel', entry }, opts); }

  async netnsList(): Promise<string[]> {
    return parseNetns((await this.runner.run('ip', ['-json', 'netns', 'list'])).stdout);
  }

  async netnsAdd(name: string): Promise<void> {
    await this.runner.run('ip', ['netns', 'add', checkNetnsName(name)]);
  }

  async netnsDel(name: string): Promise<void> {
    await this.runner.run('ip', ['netns', 'del', checkNetnsName(name)]);
  }

  async sysctlWrite(key: string, value: string, opts?: NsOpt): Promise<void> {
    await this.runner.run('sysctl', ['-q', '-w', `${checkSysctlKey(key)}=${checkSysctlValue(key, value)}`], { netns: opts?.netns });
  }

  async sysctlRead(key: string, opts?: NsOpt): Promise<string> {
    return (await this.runner.run('sysctl', ['-n', checkSysctlKey(key)], { netns: opts?.netns })).stdout.trim();
  }

  async rpsCpusRead(dev: string, opts?: NsOpt): Promise<string> {
    return (await this.runner.run('cat', [rpsCpusPath(dev)], { netns: opts?.netns })).stdout.trim();
  }

  async rpsCpusWrite(dev: string, mask: string, opts?: NsOpt): Promise<void> {
    await this.runner.run('tee', [rpsCpusPath(dev)], { netns: opts?.netns, input: checkCpuMask(mask) });
  }

  /** One `ip -batch -` (or `bridge -batch -`) exec per run of consecutive operations on the same program. */
  async apply(ops: readonly IpOp[], opts: ApplyOptions = {}): Promise<void> {
    const groups: { tool: 'ip' | 'bridge'; lines: string[] }[] = [];
    for (const op of ops) {
      const { tool, args } = opArgv(op);
      const last = groups.at(-1);
      if (last?.tool === tool) last.lines.push(args.join(' '));
      else groups.push({ tool, lines: [args.join(' ')] });
    }
    const failures: CommandError[] = [];
    for (const g of groups) {
      const args = [...(opts.force ? ['-force'] : []), '-batch', '-'];
      try {
        await this.runner.run(g.tool, args, { netns: opts.netns, input: `${g.lines.join('\n')}\n` });
      } catch (err) {
        if (!(err instanceof CommandError)) throw err;
        const named = nameBatchLines(err, g.lines);
        if (!opts.force) throw named;
        failures.push(named);
      }
    }
    const [only] = failures;
    if (only && failures.length === 1) throw only;
    if (failures.length > 1) throw new AggregateError(failures, failures.map((f) => f.message).join('; '));
  }
}

/** Adds the failing batch line to each `Command failed -:N` so the error names the operation. */
function nameBatchLines(err: CommandError, lines: readonly string[]): CommandError {
  const stderr = err.stderr.replace(/Command failed -:(\d+)/g, (m, n: string) => `${m} (${lines[Number(n) - 1] ?? '?'})`);
  return new CommandError(err.argv, { code: err.code, stdout: err.stdout, stderr }, {}, { cause: err });
}
