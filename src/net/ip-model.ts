import { isIP } from 'node:net';
import { TABLE_DEFAULT, TABLE_LOCAL, TABLE_MAIN, type Family, type Route, type Rule, type VxlanAttrs } from './ip-types.js';

const TABLE_NAMES: Record<string, number> = { main: TABLE_MAIN, local: TABLE_LOCAL, default: TABLE_DEFAULT, unspec: 0 };
const PROTOCOL_NAMES: Record<string, string> = { '0': 'unspec', '1': 'redirect', '2': 'kernel', '3': 'boot', '4': 'static' };

/** `main`/`local`/`default`/`"150"` → kernel table id. */
export function tableId(name: string | number | undefined): number {
  if (name === undefined) return TABLE_MAIN;
  if (typeof name === 'number') return name;
  const known = TABLE_NAMES[name];
  if (known !== undefined) return known;
  const n = Number(name);
  if (!Number.isInteger(n)) throw new RangeError(`unknown routing table "${name}": use a table number`);
  return n;
}

/** Route protocol as `ip -json` names it (`4` → `static`). */
export function protocolName(p: string | number | undefined): string | undefined {
  if (p === undefined) return undefined;
  const s = String(p);
  return PROTOCOL_NAMES[s] ?? s;
}

export function familyOf(address: string): Family {
  const bare = address.split('/')[0] ?? '';
  return isIP(bare) === 6 ? 6 : 4;
}

/** `10.0.0.1` → `10.0.0.1/32`; `default` and prefixed forms unchanged; lowercase. */
export function normCidr(cidr: string): string {
  if (cidr === 'default' || cidr.includes('/')) return cidr.toLowerCase();
  return `${cidr.toLowerCase()}/${familyOf(cidr) === 6 ? 128 : 32}`;
}

/** `0xc0000` → `0xc0000/0xffffffff`, so marks compare regardless of how they were written. */
export function normMark(mark: string | undefined): string | undefined {
  if (mark === undefined) return undefined;
  const [value = '', mask = '0xffffffff'] = mark.split('/');
  const hex = (s: string): string => `0x${Number(s).toString(16)}`;
  return `${hex(value)}/${hex(mask)}`;
}

/** True when `have` is the route `want` describes (fields `want` leaves unset are not compared, except src/gateway/metric). */
export function sameRoute(want: Route, have: Route): boolean {
  return (
    normCidr(want.dst) === normCidr(have.dst) &&
    tableId(want.table) === tableId(have.table) &&
    (want.gateway ?? '') === (have.gateway ?? '') &&
    (want.src ?? '') === (have.src ?? '') &&
    (want.metric ?? 0) === (have.metric ?? 0) &&
    (want.type ?? 'unicast') === (have.type ?? 'unicast') &&
    (want.dev === undefined || want.dev === have.dev) &&
    (want.protocol === undefined || protocolName(want.protocol) === protocolName(have.protocol)) &&
    (want.scope === undefined || want.scope === have.scope) &&
    (want.onlink === undefined || want.onlink === (have.onlink ?? false))
  );
}

/** The kernel's identity of a route: the same key cannot be added twice. */
export function routeKey(r: Route): string {
  return `${tableId(r.table)} ${r.type ?? 'unicast'} ${normCidr(r.dst)} ${r.metric ?? 0}`;
}

/** True when `have` matches `want`'s selectors exactly; an unset priority in `want` matches any priority. */
export function sameRule(want: Rule, have: Rule): boolean {
  const opt = (s: string | undefined): string => (s === undefined ? '' : normCidr(s));
  return (
    (want.priority === undefined || want.priority === have.priority) &&
    want.table === have.table &&
    opt(want.from) === opt(have.from) &&
    opt(want.to) === opt(have.to) &&
    (normMark(want.fwmark) ?? '') === (normMark(have.fwmark) ?? '') &&
    (want.iif ?? '') === (have.iif ?? '') &&
    (want.oif ?? '') === (have.oif ?? '')
  );
}

/** The VXLAN attributes that cannot change in place: a difference means delete and recreate. */
export function sameVxlan(want: VxlanAttrs, have: VxlanAttrs | undefined): boolean {
  if (!have) return false;
  const ip = (s: string | undefined): string => (s ?? '').toLowerCase();
  return (
    want.vni === have.vni &&
    want.port === have.port &&
    (want.dev ?? '') === (have.dev ?? '') &&
    ip(want.remote) === ip(have.remote) &&
    ip(want.group) === ip(have.group) &&
    ip(want.local) === ip(have.local)
  );
}
