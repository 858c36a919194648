import {
  isBuiltinChain,
  renderArgs,
  ruleTarget,
  sameArgs,
  type IptTable,
  type RuleArgs,
  type TableState,
} from './iptables-save.js';
import { isChainName } from './model.js';

export function checkChainName(name: string): string {
  if (!isChainName(name)) {
    throw new RangeError(`invalid iptables chain name "${name}": use 1-28 letters, digits, "_", "." or "-", not starting with "-" or "."`);
  }
  return name;
}

/** A jump into a project chain from another chain (usually built-in). */
export interface IptHook {
  /** The chain holding the jump, e.g. `POSTROUTING`. */
  from: string;
  /** The project chain jumped to, e.g. `SUBMARINER-POSTROUTING`. */
  chain: string;
  /** `first` (default): the jump is kept at the top of `from`; `last`: appended once. */
  position?: 'first' | 'last' | undefined;
  /** Matches before `-j`, written as iptables-save prints them (e.g. `['-p', 'udp']`). */
  match?: RuleArgs | undefined;
}


function checkRule(chain: string, rule: RuleArgs): RuleArgs {
  if (rule.length === 0) throw new RangeError(`empty rule for chain ${chain}: give at least a target such as ['-j', 'ACCEPT']`);
  const bad = rule.find((a) => /[\n\r]/.test(a));
  if (bad !== undefined) throw new RangeError(`invalid argument ${JSON.stringify(bad)} in a rule of chain ${chain}: arguments are single lines`);
  return rule;
}

const hookSpec = (h: IptHook): string[] => [...(h.match ?? []), '-j', h.chain];

/**
 * The iptables-restore lines (between `*table` and `COMMIT`) that make `chains` hold exactly their
 * rules and `hooks` jump into them, given the table's current state. Empty when nothing differs.
 */
export function planSync(
  table: IptTable,
  current: TableState,
  chains: ReadonlyMap<string, readonly RuleArgs[]>,
  hooks: readonly IptHook[],
): string[] {
  const changed: string[] = [];
  for (const [name, rules] of chains) {
    checkChainName(name);
    if (isBuiltinChain(table, name)) throw new RangeError(`cannot sync built-in chain ${table}/${name}: sync a project chain and hook it with a jump`);
    rules.forEach((r) => checkRule(name, r));
    const have = current.get(name)?.rules;
    if (!have || have.length !== rules.length || !rules.every((r, i) => sameArgs(r, have[i] ?? []))) changed.push(name);
  }
  const edits = new Map<string, string[]>();
  for (const name of changed) {
    const e = editChain(name, current.get(name)?.rules, chains.get(name) ?? []);
    if (e) edits.set(name, e);
  }
  const rewritten = changed.filter((name) => !edits.has(name));
  // Declaring a chain empties it, even with --noflush: no -F, which iptables-nft makes quadratic in the chains written.
  const lines = rewritten.map((name) => `:${name} - [0:0]`);
  for (const name of rewritten) lines.push(...(chains.get(name) ?? []).map((r) => `-A ${name} ${renderArgs(r)}`));
  for (const e of edits.values()) lines.push(...e);
  lines.push(...planHooks(table, current, chains, hooks));
  return lines;
}

/** Chains shorter than this are rewritten whole when they differ: a short batch costs nothing to write. */
export const editMinRules = 64;

/**
 * The deletions and insertions that turn a long chain's rules `have` into `want` when its remaining rules keep their
 * order and the edit is less than half a rewrite: iptables-nft-restore's cost grows faster than the rules a batch
 * writes, so a GlobalNet chain of 10,000 rules gaining a few is edited, not rewritten. Undefined: rewrite it.
 */
export function editChain(name: string, have: readonly RuleArgs[] | undefined, want: readonly RuleArgs[]): string[] | undefined {
  if (have === undefined || Math.max(have.length, want.length) < editMinRules) return undefined;
  const wanted = want.map(renderArgs);
  const left = new Map<string, number>();
  for (const k of wanted) left.set(k, (left.get(k) ?? 0) + 1);
  const lines: string[] = [];
  const kept: string[] = [];
  for (const r of have) {
    const k = renderArgs(r);
    const n = left.get(k) ?? 0;
    if (n > 0) {
      left.set(k, n - 1);
      kept.push(k);
    } else lines.push(`-D ${name} ${k}`);
  }
  // After the deletions the chain holds `kept`; each wanted rule not next in it goes in at its place.
  let next = 0;
  wanted.forEach((k, i) => {
    if (kept[next] === k) next++;
    else lines.push(`-I ${name} ${i + 1} ${k}`);
  });
  if (next !== kept.length || lines.length * 2 > want.length) return undefined;
  return lines;
}

function planHooks(table: IptTable, current: TableState, chains: ReadonlyMap<string, readonly RuleArgs[]>, hooks: readonly IptHook[]): string[] {
  const byFrom = new Map<string, IptHook[]>();
  const seen = new Set<string>();
  for (const h of hooks) {
    checkChainName(h.from);
    checkChainName(h.chain);
    checkRule(h.from, hookSpec(h));
    if (chains.has(h.from)) throw new RangeError(`hook from ${h.from} to ${h.chain}: ${h.from} is synced here, so put the jump in its rules`);
    if (!isBuiltinChain(table, h.from) && !current.has(h.from)) throw new RangeError(`hook from ${h.from} to ${h.chain}: there is no chain ${table}/${h.from}`);
    if (!chains.has(h.chain) && !current.has(h.chain)) throw new RangeError(`hook from ${h.from} to ${h.chain}: there is no chain ${table}/${h.chain} (add it to the synced chains)`);
    const key = `${h.from}>${h.chain}`;
    if (seen.has(key)) throw new RangeError(`two hooks from ${h.from} to ${h.chain}: give each jump once`);
    seen.add(key);
    byFrom.set(h.from, [...(byFrom.get(h.from) ?? []), h]);
  }
  const lines: string[] = [];
  for (const [from, hs] of byFrom) {
    const rules = current.get(from)?.rules ?? [];
    const firsts = hs.filter((h) => (h.position ?? 'first') === 'first');
    const wantTop = firsts.map(hookSpec);
    const firstTargets = new Set(firsts.map((h) => h.chain));
    const topOk = wantTop.every((w, i) => sameArgs(rules[i] ?? [], w));
    const strays = rules.slice(wantTop.length).some((r) => firstTargets.has(ruleTarget(r) ?? ''));
    if (!topOk || strays) {
      for (const r of rules) if (firstTargets.has(ruleTarget(r) ?? '')) lines.push(`-D ${from} ${renderArgs(r)}`);
      for (const w of [...wantTop].reverse()) lines.push(`-I ${from} 1 ${renderArgs(w)}`);
    }
    for (const h of hs.filter((x) => x.position === 'last')) {
      const occ = rules.filter((r) => ruleTarget(r) === h.chain);
      const [only] = occ;
      if (occ.length === 1 && only && sameArgs(only, hookSpec(h))) continue;
      for (const r of occ) lines.push(`-D ${from} ${renderArgs(r)}`);
      lines.push(`-A ${from} ${renderArgs(hookSpec(h))}`);
    }
  }
  return lines;
}

/** The iptables-restore lines that remove `names` and every jump into them. */
export function planDelete(table: IptTable, current: TableState, names: readonly string[]): string[] {
  for (const n of names) {
    checkChainName(n);
    if (isBuiltinChain(table, n)) throw new RangeError(`cannot delete built-in chain ${table}/${n}`);
  }
  const present = new Set(names.filter((n) => current.has(n)));
  const lines: string[] = [];
  for (const [chain, state] of current) {
    if (present.has(chain)) continue;
    for (const r of state.rules) if (present.has(ruleTarget(r) ?? '')) lines.push(`-D ${chain} ${renderArgs(r)}`);
  }
  for (const n of present) lines.push(`-F ${n}`);
  for (const n of present) lines.push(`-X ${n}`);
  return lines;
}
