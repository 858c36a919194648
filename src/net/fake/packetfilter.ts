import { chainKey, checkRuleSet, ownsChain, type Chain, type Owner, type PacketFilter, type PlannedRuleSet, type RuleSet, type Table } from '../packetfilter/model.js';

/**
 * An in-memory packet filter at the level of the model: it holds each owner's applied rule set,
 * refuses a chain two owners claim, and can be told to fail, for tests of code that only depends
 * on the PacketFilter interface.
 */
export class FakePacketFilter implements PacketFilter {
  private readonly held = new Map<string, RuleSet>();
  private readonly others = new Map<Table, Set<string>>();
  private failure: Error | undefined;
  /** How many apply/remove calls changed something. */
  changes = 0;

  apply(source: RuleSet | PlannedRuleSet): Promise<{ changed: boolean }> {
    return this.run(() => {
      const set = 'plan' in source ? { owner: source.owner, chains: source.plan((table) => this.existing(table)) } : source;
      checkRuleSet(set);
      for (const c of [...set.owner.chains, ...set.chains]) {
        const other = this.ownerOf(c.table, c.name);
        if (other !== undefined && other !== set.owner.name) throw new Error(`chain ${chainKey(c)} belongs to ${other}, not ${set.owner.name}`);
      }
      const before = this.held.get(set.owner.name);
      this.held.set(set.owner.name, structuredClone(set));
      return before === undefined || JSON.stringify(before) !== JSON.stringify(set);
    });
  }

  remove(owner: Owner): Promise<{ changed: boolean }> {
    return this.run(() => this.held.delete(owner.name));
  }

  /** The chains every owner holds in `table`, plus those `addChain` made. */
  existing(table: Table): Set<string> {
    const names = [...this.held.values()].flatMap((s) => s.chains.filter((c) => c.table === table).map((c) => c.name));
    return new Set([...names, ...(this.others.get(table) ?? [])]);
  }

  /** Another program's chain (kube-proxy's, say), which planned rule sets see as existing. */
  addChain(table: Table, name: string): void {
    this.others.set(table, new Set([...(this.others.get(table) ?? []), name]));
  }

  /** Makes the next apply or remove reject with `err`. */
  failNext(err: Error): void {
    this.failure = err;
  }

  /** The owner declaring `table/name`, if any owner has applied a rule set. */
  ownerOf(table: Table, name: string): string | undefined {
    return [...this.held.values()].find((s) => ownsChain(s.owner, table, name))?.owner.name;
  }

  /** The chain as last applied, or undefined when no owner wants it. */
  chain(table: Table, name: string): Chain | undefined {
    for (const s of this.held.values()) {
      const c = s.chains.find((x) => x.table === table && x.name === name);
      if (c) return c;
    }
    return undefined;
  }

  /** Every chain held, as `table/name`, by owner. */
  chains(): Record<string, string[]> {
    return Object.fromEntries([...this.held].map(([owner, s]) => [owner, s.chains.map(chainKey)]));
  }

  private async run(fn: () => boolean): Promise<{ changed: boolean }> {
    await Promise.resolve();
    const err = this.failure;
    this.failure = undefined;
    if (err) throw err;
    const changed = fn();
    if (changed) this.changes++;
    return { changed };
  }
}
