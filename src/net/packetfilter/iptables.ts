import type { CommandRunner } from '../command.js';
import { planDelete, planSync, type IptHook } from './iptables-plan.js';
import { ownerTables, planTable } from './iptables-rules.js';
import { isTable, parseSave, renderRestore, type ChainState, type IptTable, type RuleArgs, type TableState } from './iptables-save.js';
import { checkRuleSet, type Owner, type PacketFilter, type PlannedRuleSet, type RuleSet, type Table } from './model.js';

export type { IptHook } from './iptables-plan.js';
export * from './iptables-save.js';

/** The most lines one iptables-restore exec is given. */
export const restoreBatchLines = 1000;

export interface IptablesOptions {
  /** Program the tables of this network namespace. */
  netns?: string | undefined;
  /** 4 (default) runs iptables-save/-restore, 6 runs ip6tables-save/-restore. */
  family?: 4 | 6 | undefined;
  timeoutMs?: number | undefined;
}

export interface SyncOptions {
  hooks?: readonly IptHook[] | undefined;
}

/**
 * The packet filter through iptables-save / iptables-restore (nf_tables backend on Debian).
 * Each sync reads a table once and writes what differs with `iptables-restore --noflush`, in one exec unless it is
 * longer than `restoreBatchLines`.
 */
export class Iptables implements PacketFilter {
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
   * Makes the kernel hold the owner's rule set: each table of the owner read once (a planned rule set is planned from
   * that read), then written where it differs.
   */
  apply(source: RuleSet | PlannedRuleSet): Promise<{ changed: boolean }> {
    return this.exclusive(async () => {
      const tables = ownerTables(source.owner);
      const current = new Map<Table, TableState>();
      for (const table of tables) current.set(table, await this.readChains(table));
      const set = 'plan' in source ? { owner: source.owner, chains: source.plan((table) => new Set(current.get(table)?.keys())) } : source;
      checkRuleSet(set);
      let changed = false;
      for (const table of tables) {
        const lines = planTable(set, table, current.get(table) ?? new Map<string, ChainState>());
        if (lines.length > 0) {
          await this.restore(table, lines);
          changed = true;
        }
      }
      return { changed };
    });
  }

  /** Removes every chain of the owner and every jump into them (uninstall). */
  remove(owner: Owner): Promise<{ changed: boolean }> {
    return this.apply({ owner, chains: [] });
  }

  /**
   * Makes each chain in `chains` hold exactly its rules (declared, which empties it, then appended) and each hook
   * jump into it exactly once, in one iptables-restore exec; no exec at all when nothing differs.
   */
  syncChains(table: IptTable, chains: ReadonlyMap<string, readonly RuleArgs[]>, options: SyncOptions = {}): Promise<{ changed: boolean }> {
    return this.sync(table, (current) => planSync(table, current, chains, options.hooks ?? []));
  }

  /** Removes the chains and every jump into them (uninstall); chains that are absent are skipped. */
  deleteChains(table: IptTable, names: readonly string[]): Promise<{ changed: boolean }> {
    return this.sync(table, (current) => planDelete(table, current, names));
  }

  /** Reads `table`, plans against it and restores the planned lines, if any, as one batch. */
  private sync(table: IptTable, plan: (current: TableState) => string[]): Promise<{ changed: boolean }> {
    return this.exclusive(async () => {
      const lines = plan(await this.readChains(table));
      if (lines.length > 0) await this.restore(table, lines);
      return { changed: lines.length > 0 };
    });
  }

  /**
   * Writes the planned lines in order, in batches of at most `restoreBatchLines`: iptables-nft-restore's time grows
   * faster than the lines of one batch (10,000 rules take twice as long in one batch as in ten).
   */
  private async restore(table: IptTable, lines: readonly string[]): Promise<void> {
    for (let i = 0; i < lines.length; i += restoreBatchLines) {
      await this.runner.run(this.program('restore'), ['--noflush', '--wait'], {
        input: renderRestore(table, lines.slice(i, i + restoreBatchLines)),
        netns: this.options.netns,
        timeoutMs: this.options.timeoutMs,
      });
    }
  }
}
