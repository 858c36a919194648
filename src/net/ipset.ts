// Kernel IP sets through the `ipset` command: read with `ipset save`, written in one `ipset restore` batch.

import type { CommandRunner } from './command.js';

export interface IpsetOptions {
  /** Sets of this network namespace. */
  netns?: string | undefined;
  timeoutMs?: number | undefined;
}

/** Named sets of IPv4 addresses (type hash:ip). */
export interface IpSets {
  /** The sets whose names start with `prefix`, with their members. */
  list(prefix: string): Promise<Map<string, string[]>>;
  /** Creates missing sets and makes each hold exactly its members, in one batch; `changed` is false when they already did. */
  sync(sets: ReadonlyMap<string, readonly string[]>): Promise<{ changed: boolean }>;
  /** Destroys the sets (absent ones are skipped); a set still named by a packet-filter rule cannot go. */
  destroy(names: readonly string[]): Promise<{ changed: boolean }>;
}

const SET_NAME = /^[A-Za-z0-9_.:-]{1,31}$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function checkName(name: string): string {
  if (!SET_NAME.test(name)) throw new RangeError(`invalid ipset name "${name}": use 1-31 letters, digits, "_", ".", ":" or "-"`);
  return name;
}

/** Parses `ipset save` output: sets in order, each with its members. */
export function parseIpsetSave(text: string): Map<string, string[]> {
  const sets = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const [verb, name, value] = line.trim().split(/\s+/);
    if (name === undefined) continue;
    if (verb === 'create') sets.set(name, sets.get(name) ?? []);
    else if (verb === 'add' && value !== undefined) sets.set(name, [...(sets.get(name) ?? []), value]);
  }
  return sets;
}

/** The `ipset restore` lines that make `current` hold `wanted` (other sets untouched). */
export function planIpsets(current: ReadonlyMap<string, readonly string[]>, wanted: ReadonlyMap<string, readonly string[]>): string[] {
  const lines: string[] = [];
  for (const [name, members] of wanted) {
    checkName(name);
    const bad = members.find((m) => !IPV4.test(m));
    if (bad !== undefined) throw new RangeError(`ipset ${name}: "${bad}" is not an IPv4 address`);
    const have = current.get(name);
    if (have === undefined) lines.push(`create ${name} hash:ip family inet`);
    const had = new Set(have ?? []);
    const want = new Set(members);
    for (const m of want) if (!had.has(m)) lines.push(`add ${name} ${m}`);
    for (const m of had) if (!want.has(m)) lines.push(`del ${name} ${m}`);
  }
  return lines;
}

/** IP sets through the ipset command, run by the project's one command runner. */
export class IpsetCommand implements IpSets {
  constructor(
    private readonly runner: CommandRunner,
    private readonly options: IpsetOptions = {},
  ) {}

  private async read(): Promise<Map<string, string[]>> {
    const res = await this.runner.run('ipset', ['save'], { netns: this.options.netns, timeoutMs: this.options.timeoutMs });
    return parseIpsetSave(res.stdout);
  }

  private async restore(lines: readonly string[]): Promise<{ changed: boolean }> {
    if (lines.length === 0) return { changed: false };
    await this.runner.run('ipset', ['restore'], { input: `${lines.join('\n')}\n`, netns: this.options.netns, timeoutMs: this.options.timeoutMs });
    return { changed: true };
  }

  async list(prefix: string): Promise<Map<string, string[]>> {
    return new Map([...(await this.read())].filter(([name]) => name.startsWith(prefix)));
  }

  async sync(sets: ReadonlyMap<string, readonly string[]>): Promise<{ changed: boolean }> {
    return this.restore(planIpsets(await this.read(), sets));
  }

  async destroy(names: readonly string[]): Promise<{ changed: boolean }> {
    names.forEach(checkName);
    const current = await this.read();
    return this.restore(names.filter((n) => current.has(n)).map((n) => `destroy ${n}`));
  }
}
