// Rule sets of the model as iptables: rules written the way iptables-save prints them, and the
// iptables-restore lines that make a table hold an owner's rule set.

import { formatIp, isIp, parseCidr } from '../cidr.js';
import { planDelete, planSync, type IptHook } from './iptables-plan.js';
import { renderRestore, ruleTarget, type ChainState, type RuleArgs, type TableState } from './iptables-save.js';
import { chainKey, checkRuleSet, ownsChain, type Action, type Mark, type Match, type Owner, type Rule, type RuleSet, type Table } from './model.js';

const FULL_MASK = 0xffffffff;
const hex = (n: number): string => `0x${n.toString(16)}`;

/** `a.b.c.d/n` with the host bits cleared, as iptables-save prints addresses. */
function address(text: string): string {
  if (isIp(text)) return `${text}/32`;
  const { base, prefix } = parseCidr(text, false);
  return `${formatIp(base)}/${prefix}`;
}

function markMatch(m: Mark): string {
  const mask = m.mask ?? FULL_MASK;
  return mask === FULL_MASK ? hex(m.value) : `${hex(m.value)}/${hex(mask)}`;
}

/** The match arguments, in iptables-save's order; `tcpSyn` adds the TCP SYN match TCPMSS needs. */
export function matchArgs(m: Match, tcpSyn = false): string[] {
  const out: string[] = [];
  if (m.src !== undefined) out.push('-s', address(m.src));
  if (m.dst !== undefined) out.push('-d', address(m.dst));
  if (m.in !== undefined) out.push('-i', m.in);
  if (m.out !== undefined) out.push('-o', m.out);
  const proto = m.proto ?? (tcpSyn ? 'tcp' : undefined);
  if (proto !== undefined) out.push('-p', proto);
  if (proto !== undefined && (m.dport !== undefined || tcpSyn)) {
    out.push('-m', proto);
    if (m.dport !== undefined) out.push('--dport', String(m.dport));
    if (tcpSyn) out.push('--tcp-flags', 'SYN,RST', 'SYN');
  }
  if (m.mark) out.push('-m', 'mark', '--mark', markMatch(m.mark));
  if (m.srcSet !== undefined) out.push('-m', 'set', '--match-set', m.srcSet, 'src');
  if (m.dstSet !== undefined) out.push('-m', 'set', '--match-set', m.dstSet, 'dst');
  if (m.comment !== undefined) out.push('-m', 'comment', '--comment', m.comment);
  if (m.probability !== undefined) out.push('-m', 'statistic', '--mode', 'random', '--probability', probability(m.probability));
  if (m.recent !== undefined) {
    const list = ['--name', m.recent.name, '--mask', '255.255.255.255', '--rsource'];
    if ('set' in m.recent) out.push('-m', 'recent', '--set', ...list);
    else {
      out.push('-m', 'recent', '--rcheck', '--seconds', String(m.recent.seconds), '--reap', ...list);
      if (m.recent.refresh === true) out.push('-m', 'recent', '--set', ...list);
    }
  }
  return out;
}

/** A probability as iptables-save prints it: the kernel keeps it in 31 bits, printed with 11 decimals. */
export function probability(p: number): string {
  return (Math.round(p * 0x80000000) / 0x80000000).toFixed(11);
}

export function actionArgs(a: Action): string[] {
  switch (a.type) {
    case 'accept':
      return ['-j', 'ACCEPT'];
    case 'return':
      return ['-j', 'RETURN'];
    case 'drop':
      return ['-j', 'DROP'];
    case 'jump':
      return ['-j', a.chain];
    case 'snat':
      return ['-j', 'SNAT', '--to-source', a.toSource];
    case 'dnat':
      return ['-j', 'DNAT', '--to-destination', a.toDestination];
    case 'masquerade':
      return ['-j', 'MASQUERADE'];
    case 'mark':
      return ['-j', 'MARK', '--set-xmark', `${hex(a.set.value)}/${hex(a.set.mask ?? FULL_MASK)}`];
    case 'tcpmss':
      return ['-j', 'TCPMSS', ...(a.mss === 'clamp-to-pmtu' ? ['--clamp-mss-to-pmtu'] : ['--set-mss', String(a.mss)])];
  }
}

/** One rule's arguments after `-A <chain>`, exactly as iptables-save prints them. */
export function ruleArgs(r: Rule): RuleArgs {
  return [...matchArgs(r, r.action.type === 'tcpmss'), ...actionArgs(r.action)];
}

/** The tables an owner's chains live in, in the order the owner lists them. */
export function ownerTables(owner: Owner): Table[] {
  return [...new Set([...owner.chains.map((c) => c.table), ...(owner.chainPrefixes ?? []).map((p) => p.table)])];
}

/**
 * Another owner's jumps into one of this owner's chains (a jump to an existing chain this owner does
 * not hold, nor jumps into itself): those at the top stay at the top, the others go to the bottom.
 */
function foreignJumps(table: Table, current: TableState, owner: Owner, chain: string): { top: RuleArgs[]; bottom: RuleArgs[] } {
  const have = current.get(chain)?.rules ?? [];
  const foreign = (r: RuleArgs): boolean => {
    const target = ruleTarget(r);
    if (target === undefined || !current.has(target) || ownsChain(owner, table, target)) return false;
    return !(owner.jumpsInto ?? []).some((prefix) => target.startsWith(prefix));
  };
  const lead = have.findIndex((r) => !foreign(r));
  const top = lead < 0 ? have : have.slice(0, lead);
  return { top, bottom: have.slice(top.length).filter(foreign) };
}

/**
 * The iptables-restore lines (between `*table` and `COMMIT`) that make `table` hold the owner's part
 * of `set`: missing chains declared, changed ones rewritten, jumps from other chains in place and the
 * owner's unwanted chains removed with every jump into them. Empty when the table already holds it.
 */
export function planTable(set: RuleSet, table: Table, current: TableState): string[] {
  checkRuleSet(set);
  const wanted = set.chains.filter((c) => c.table === table);
  const names = new Set(wanted.map((c) => c.name));
  const rules = new Map<string, RuleArgs[]>(wanted.map((c) => [c.name, c.rules.map(ruleArgs)]));
  const firsts = new Map<string, RuleArgs[]>();
  const hooks: IptHook[] = [];
  for (const c of wanted) {
    if (!c.hook) continue;
    const { from, position = 'first', match = {} } = c.hook;
    if (names.has(from)) {
      const jump = [...matchArgs(match), '-j', c.name];
      if (position === 'first') firsts.set(from, [...(firsts.get(from) ?? []), jump]);
      else rules.get(from)?.push(jump);
    } else if (ownsChain(set.owner, table, from)) {
      throw new RangeError(`chain ${chainKey(c)} is hooked from ${from}, which owner ${set.owner.name} does not want`);
    } else hooks.push({ from, chain: c.name, position, match: matchArgs(match) });
  }
  for (const [name, own] of rules) {
    const { top, bottom } = foreignJumps(table, current, set.owner, name);
    rules.set(name, [...top, ...(firsts.get(name) ?? []), ...own, ...bottom]);
  }
  const lines = planSync(table, current, rules, hooks);
  const after: TableState = new Map(current);
  for (const [name, r] of rules) after.set(name, { policy: undefined, rules: r.map((a) => [...a]) });
  const stale = [
    ...set.owner.chains.filter((c) => c.table === table && !names.has(c.name)).map((c) => c.name),
    ...[...current.keys()].filter((name) => !names.has(name) && !set.owner.chains.some((c) => c.table === table && c.name === name) && ownsChain(set.owner, table, name)),
  ];
  return [...lines, ...planDelete(table, after, stale)];
}

/** The iptables-restore input for each table where the rule set needs work (golden tests read these). */
export function planRuleSet(set: RuleSet, current: ReadonlyMap<string, TableState>): Map<Table, string> {
  const out = new Map<Table, string>();
  for (const table of ownerTables(set.owner)) {
    const lines = planTable(set, table, current.get(table) ?? new Map<string, ChainState>());
    if (lines.length > 0) out.set(table, renderRestore(table, lines));
  }
  return out;
}
