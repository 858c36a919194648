// The packet filter as intent, independent of the backend that programs it (iptables today).

import { isIp, parseCidr } from '../cidr.js';

export const tables = ['filter', 'nat', 'mangle', 'raw'] as const;
export type Table = (typeof tables)[number];

/** The kernel's own chains of each table; every other chain belongs to an owner. */
export const builtinChains: Readonly<Record<Table, readonly string[]>> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  raw: ['PREROUTING', 'OUTPUT'],
};

export type Proto = 'tcp' | 'udp' | 'sctp' | 'icmp';

/** A firewall mark and the bits it covers (all 32 when `mask` is unset). */
export interface Mark {
  value: number;
  mask?: number | undefined;
}

/** What a packet must look like for a rule to apply; unset fields match anything. */
export interface Match {
  /** Source and destination: a CIDR or a single IPv4 address. */
  src?: string | undefined;
  dst?: string | undefined;
  /** Incoming and outgoing interface (`+` at the end matches a prefix). */
  in?: string | undefined;
  out?: string | undefined;
  proto?: Proto | undefined;
  /** Needs `proto` tcp, udp or sctp. */
  dport?: number | undefined;
  mark?: Mark | undefined;
  /** Source or destination address in this named set (an ipset). */
  srcSet?: string | undefined;
  dstSet?: string | undefined;
  comment?: string | undefined;
  /** Matches this share of the packets at random, from 0 to 1 (iptables `statistic`; kernels keep 31 bits of it). */
  probability?: number | undefined;
  /**
   * Source addresses remembered in a named list (iptables `recent`), checked after `probability`: `set` adds the
   * source and matches; `seconds` matches a source seen within that many seconds, forgetting older ones, and with
   * `refresh` remembers it again (session affinity).
   */
  recent?: { name: string; set: true } | { name: string; seconds: number; refresh?: boolean | undefined } | undefined;
}

export type Action =
  | { type: 'accept' }
  | { type: 'return' }
  | { type: 'drop' }
  | { type: 'jump'; chain: string }
  | { type: 'snat'; toSource: string }
  | { type: 'dnat'; toDestination: string }
  /** SNAT to the address of the outgoing interface (nat POSTROUTING only). */
  | { type: 'masquerade' }
  /** Sets the bits of `mask` to `value` (iptables `MARK --set-xmark`). */
  | { type: 'mark'; set: Mark }
  /** On TCP SYN packets: clamp the MSS to the path MTU, or set it. */
  | { type: 'tcpmss'; mss: 'clamp-to-pmtu' | number };

export interface Rule extends Match {
  action: Action;
}

/** Where a chain is entered from: a jump kept at the top (default) or the bottom of another chain. */
export interface ChainHook {
  /** A built-in chain (`PREROUTING`, `POSTROUTING`, ...) or another chain, possibly another owner's. */
  from: string;
  position?: 'first' | 'last' | undefined;
  /** Only matching packets take the jump, e.g. `{ proto: 'udp' }`. */
  match?: Match | undefined;
}

export interface ChainRef {
  table: Table;
  name: string;
}

/** A chain and exactly the rules it holds, in order. */
export interface Chain extends ChainRef {
  hook?: ChainHook | undefined;
  rules: readonly Rule[];
}

/**
 * A component that programs the packet filter, and every chain it may hold. Chains of other owners
 * are never written; their jumps into this owner's chains are kept where they are.
 */
export interface Owner {
  name: string;
  chains: readonly ChainRef[];
  /**
   * Name prefixes of chains made on the fly (one per service, say): every chain of the table whose name starts with
   * one is the owner's, and goes when the rule set no longer holds it.
   */
  chainPrefixes?: readonly { table: Table; prefix: string }[] | undefined;
  /**
   * Name prefixes of chains of other software (kube-proxy's `KUBE-SVC-`) that this owner's rules jump
   * into: such jumps in the owner's chains are its own rules, not jumps other owners put there.
   */
  jumpsInto?: readonly string[] | undefined;
}

/** An owner's desired state: the listed chains hold exactly their rules, its other chains do not exist. */
export interface RuleSet {
  owner: Owner;
  chains: readonly Chain[];
}

/** The names of the chains a table holds. */
export type ExistingChains = (table: Table) => ReadonlySet<string>;

/**
 * A rule set planned from the chains its owner's tables hold at the time it is applied (GlobalNet jumps into a
 * kube-proxy chain only once it exists), read in the same pass as the rules it is compared with.
 */
export interface PlannedRuleSet {
  owner: Owner;
  plan: (existing: ExistingChains) => readonly Chain[];
}

/** Programs rule sets; iptables is one backend. */
export interface PacketFilter {
  /** Makes the kernel hold the rule set, reading each table once; `changed` is false when it already did. */
  apply(set: RuleSet | PlannedRuleSet): Promise<{ changed: boolean }>;
  /** Removes every chain of the owner and every jump into them. */
  remove(owner: Owner): Promise<{ changed: boolean }>;
}

export const chainKey = (c: ChainRef): string => `${c.table}/${c.name}`;

/** Whether the owner holds `table/name`: listed, or named with one of its prefixes. */
export function ownsChain(owner: Owner, table: Table, name: string): boolean {
  return owner.chains.some((c) => c.table === table && c.name === name) || (owner.chainPrefixes ?? []).some((p) => p.table === table && name.startsWith(p.prefix));
}

export const isBuiltin = (table: Table, chain: string): boolean => builtinChains[table].includes(chain);

const CHAIN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,27}$/;
const IFACE = /^[^\s/"']{1,15}$/;
const SET = /^[A-Za-z0-9_.:-]{1,31}$/;
const U32 = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 0xffffffff;

/** A name every backend accepts (iptables' limits are the strictest). */
export const isChainName = (name: string): boolean => CHAIN.test(name);

function checkChainName(name: string): void {
  if (!isChainName(name)) throw new RangeError(`invalid chain name "${name}": use 1-28 letters, digits, "_", "." or "-", not starting with "-" or "."`);
}

function checkAddress(where: string, value: string): void {
  if (isIp(value)) return;
  try {
    parseCidr(value, false);
  } catch (err) {
    throw new RangeError(`${where}: ${(err as Error).message}`);
  }
}

function checkMark(where: string, m: Mark): void {
  if (!U32(m.value) || (m.mask !== undefined && !U32(m.mask))) throw new RangeError(`${where}: a mark and its mask are 32-bit unsigned numbers`);
}

/** Throws a RangeError naming the first field of `m` no backend could program. */
export function checkMatch(where: string, m: Match): void {
  for (const addr of [m.src, m.dst]) if (addr !== undefined) checkAddress(where, addr);
  for (const dev of [m.in, m.out]) if (dev !== undefined && !IFACE.test(dev)) throw new RangeError(`${where}: invalid interface name "${dev}"`);
  if (m.dport !== undefined) {
    if (m.proto !== 'tcp' && m.proto !== 'udp' && m.proto !== 'sctp') throw new RangeError(`${where}: dport needs proto tcp, udp or sctp`);
    if (!Number.isInteger(m.dport) || m.dport < 1 || m.dport > 65535) throw new RangeError(`${where}: dport ${m.dport} is not a port`);
  }
  if (m.mark) checkMark(where, m.mark);
  for (const set of [m.srcSet, m.dstSet]) if (set !== undefined && !SET.test(set)) throw new RangeError(`${where}: invalid set name "${set}"`);
  if (m.comment !== undefined && (/[\n\r]/.test(m.comment) || m.comment.length > 256)) throw new RangeError(`${where}: a comment is one line of at most 256 characters`);
  if (m.probability !== undefined && !(m.probability >= 0 && m.probability <= 1)) throw new RangeError(`${where}: probability ${m.probability} is not between 0 and 1`);
  if (m.recent !== undefined) {
    if (!/^[A-Za-z0-9_.-]{1,199}$/.test(m.recent.name)) throw new RangeError(`${where}: invalid recent list name "${m.recent.name}"`);
    if ('seconds' in m.recent && (!Number.isInteger(m.recent.seconds) || m.recent.seconds < 1)) throw new RangeError(`${where}: recent seconds ${m.recent.seconds} is not a positive whole number`);
  }
}

export function checkRule(where: string, r: Rule): void {
  checkMatch(where, r);
  const a = r.action;
  switch (a.type) {
    case 'jump':
      checkChainName(a.chain);
      return;
    case 'snat':
    case 'dnat': {
      const to = a.type === 'snat' ? a.toSource : a.toDestination;
      if (!/^[0-9.:-]+$/.test(to)) throw new RangeError(`${where}: ${a.type} to "${to}" is not an address, range or address:port`);
      return;
    }
    case 'mark':
      checkMark(where, a.set);
      return;
    case 'masquerade':
      return;
    case 'tcpmss':
      if (r.proto !== undefined && r.proto !== 'tcp') throw new RangeError(`${where}: tcpmss applies to tcp only`);
      if (a.mss !== 'clamp-to-pmtu' && (!Number.isInteger(a.mss) || a.mss < 1 || a.mss > 65535)) throw new RangeError(`${where}: MSS ${a.mss} is out of range`);
      return;
    default:
  }
}

/**
 * Throws a RangeError unless the rule set is programmable: its chains are the owner's, listed once,
 * not built-in, and hooked from somewhere other than themselves.
 */
export function checkRuleSet(set: RuleSet): void {
  for (const prefix of [...(set.owner.jumpsInto ?? []), ...(set.owner.chainPrefixes ?? []).map((p) => p.prefix)]) {
    if (!isChainName(prefix)) throw new RangeError(`owner ${set.owner.name}: invalid chain prefix "${prefix}"`);
  }
  for (const c of set.owner.chains) {
    if (!(tables as readonly string[]).includes(c.table)) throw new RangeError(`owner ${set.owner.name}: unknown table "${c.table}": use ${tables.join(', ')}`);
    checkChainName(c.name);
    if (isBuiltin(c.table, c.name)) throw new RangeError(`owner ${set.owner.name}: the built-in chain ${chainKey(c)} has no owner; hook a chain into it`);
  }
  const seen = new Set<string>();
  for (const c of set.chains) {
    const key = chainKey(c);
    if (!ownsChain(set.owner, c.table, c.name)) throw new RangeError(`chain ${key} is not among the chains of owner ${set.owner.name}`);
    if (seen.has(key)) throw new RangeError(`chain ${key} is listed twice`);
    seen.add(key);
    c.rules.forEach((r, i) => checkRule(`${key} rule ${i + 1}`, r));
    if (c.hook) {
      checkChainName(c.hook.from);
      if (c.hook.from === c.name) throw new RangeError(`chain ${key} cannot be hooked from itself`);
      if (c.hook.match) checkMatch(`hook of ${key}`, c.hook.match);
    }
  }
}
