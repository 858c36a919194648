import type { CommandRunner } from '../command.js';
import { planDelete, planSync, type ChainHook } from './iptables-plan.js';
import { isTable, parseSave, type IptTable, type RuleArgs, type TableState } from './iptables-save.js';

export type { ChainHook } from './iptables-plan.js';
export { checkChainName } from './iptables-plan.js';
export * from './iptables-save.js';

export interface IptablesOptions {
  /** Program the tables of this network namespace. */
  netns?: string | undefined;
  /** 4 (default) runs iptables-save/-restore, 6 runs ip6tables-save/-restore. */
  family?: 4 | 6 | undefined;
  timeoutMs?: number | undefined;
}

/** One packet-filter rule, independent of the backend that programs it. */
export interface PacketFilterRule {
  table: IptTable;
  chain: string;
  args: RuleArgs;
}

/** Groups rules by table and chain, in order, ready for syncChains. */
export function groupRules(rules: readonly PacketFilterRule[]): Map<IptTable, Map<string, RuleArgs[]>> {
  const out = new Map<IptTable, Map<string, RuleArgs[]>>();
  for (const r of rules) {
    const chains = out.get(r.table) ?? new Map<string, RuleArgs[]>();
    out.set(r.table, chains);
    chains.set(r.chain, [...(chains.get(r.chain) ?? []), r.args]);
  }
  return out;
}

export interface SyncOptions {
  hooks?: readonly ChainHook[] | undefined;
}

/**
 * The packet filter through iptables-save / iptables-restore (nf_tables backend on Debian).
 * Each sync reads the table once and writes it in at most one `iptables-restore --noflush`.
 */
export class Iptables {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly runner: CommandRunner,
    private readonly options: IptablesOptions = {},
  ) {}

  private program(kind: 'save' | 'restore'): string {
    return `${this.options.family === 6 ? 'ip6tables' : 'iptables'}-${kind}`;
  }

  /** Runs one read-modify-write at a time, so two syncs in one process never interleave. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** The chains of `table` and their rules, parsed from iptables-save. */
  async readChains(table: IptTable): Promise<TableState> {
    if (!isTable(table)) throw new RangeError(`unknown iptables table "${String(table)}": use filter, nat, mangle, raw or security`);
    const res = await this.runner.run(this.program('save'), ['-t', table], { netns: this.options.netns, timeoutMs: this.options.timeoutMs });
    return parseSave(res.stdout).get(table) ?? new Map();
  }

  /**
   * Makes each chain in `chains` hold exactly its rules (declared, flushed, appended) and each hook
   * jump into it exactly once, in one iptables-restore exec; no exec at all when nothing differs.
   */
  async syncChains(
    table: IptTable,
    chains: ReadonlyMap<string, readonly RuleArgs[]>,
    options: SyncOptions = {},
  ): Promise<{ changed: boolean }> {
    return this.exclusive(async () => {
      const lines = planSync(table, await this.readChains(table), chains, options.hooks ?? []);
      await this.restore(table, lines);
      return { changed: lines.length > 0 };
    });
  }

  /** Removes the chains and every jump into them (uninstall); chains that are absent are skipped. */
  async deleteChains(table: IptTable, names: readonly string[]): Promise<{ changed: boolean }> {
    return this.exclusive(async () => {
      const lines = planDelete(table, await this.readChains(table), names);
      await this.restore(table, lines);
      return { changed: lines.length > 0 };
    });
  }

  private async restore(table: IptTable, lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    await this.runner.run(this.program('restore'), ['--noflush', '--wait'], {
      input: `*${table}\n${lines.join('\n')}\nCOMMIT\n`,
      netns: this.options.netns,
      timeoutMs: this.options.timeoutMs,
    });
  }
}
