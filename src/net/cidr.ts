import type { EnvReader } from '../base/env.js';

/** IPv4 CIDR arithmetic: parsing, containment, overlap and address arithmetic. */
export interface Cidr {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

const ipv4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIp(text: string): number {
  const m = ipv4.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not an IPv4 address`);
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) throw new Error(`"${text}" is not an IPv4 address`);
  return octets.reduce((acc, o) => acc * 256 + o, 0);
}

export function formatIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export function isIp(text: string): boolean {
  try {
    parseIp(text);
    return true;
  } catch {
    return false;
  }
}

/** Parses `a.b.c.d/n`; host bits must be zero unless `strict` is false. */
export function parseCidr(text: string, strict = true): Cidr {
  const [ip, len, extra] = text.trim().split('/');
  const prefix = Number(len);
  if (ip === undefined || len === undefined || extra !== undefined || !/^\d{1,2}$/.test(len) || prefix > 32) {
    throw new Error(`"${text}" is not a CIDR (expected a.b.c.d/n, e.g. 10.0.0.0/16)`);
  }
  const addr = parseIp(ip);
  const size = 2 ** (32 - prefix);
  const base = addr - (addr % size);
  if (strict && base !== addr) throw new Error(`"${text}" is not a network address (did you mean ${formatIp(base)}/${prefix}?)`);
  return { base, prefix };
}

export function isCidr(text: string): boolean {
  try {
    parseCidr(text);
    return true;
  } catch {
    return false;
  }
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.base)}/${c.prefix}`;
}

/** A comma-separated list of IPv4 CIDRs from the environment, normalised; IPv6 entries (dual-stack clusters) are left out. */
export function envCidrs(env: EnvReader, key: string, required: boolean, what = 'a comma-separated list of CIDRs, e.g. 10.244.0.0/16'): string[] {
  return env.list(key, required, what, (c) => (c.includes(':') ? undefined : formatCidr(parseCidr(c))));
}

export function cidrContains(c: Cidr, ip: number): boolean {
  return ip >= c.base && ip < c.base + cidrSize(c);
}

export function cidrsOverlap(a: Cidr | string, b: Cidr | string): boolean {
  const x = typeof a === 'string' ? parseCidr(a, false) : a;
  const y = typeof b === 'string' ? parseCidr(b, false) : b;
  return x.base < y.base + cidrSize(y) && y.base < x.base + cidrSize(x);
}

/** The n-th address of the block (0 = network address). */
export function nthIp(c: Cidr | string, n: number): string {
  const x = typeof c === 'string' ? parseCidr(c, false) : c;
  if (n < 0 || n >= cidrSize(x)) throw new Error(`address ${n} is outside ${formatCidr(x)}`);
  return formatIp(x.base + n);
}

/** The i-th sub-block of the given prefix length inside `c`. */
export function subnet(c: Cidr | string, prefix: number, i: number): string {
  const x = typeof c === 'string' ? parseCidr(c, false) : c;
  if (prefix < x.prefix) throw new Error(`/${prefix} is larger than ${formatCidr(x)}`);
  const size = 2 ** (32 - prefix);
  if (i < 0 || (i + 1) * size > cidrSize(x)) throw new Error(`subnet ${i} of /${prefix} is outside ${formatCidr(x)}`);
  return formatCidr({ base: x.base + i * size, prefix });
}
