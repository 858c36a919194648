import { UserError } from '../base/errors.js';

/** A bad rendering value: names the field (dotted path) and what is wrong with it. */
export class InvalidValuesError extends UserError {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`invalid value for ${field}: ${problem}`);
    this.name = 'InvalidValuesError';
  }
}

export type Fields = Record<string, unknown>;

const describe = (v: unknown): string => (Array.isArray(v) ? 'a list' : v === null ? 'null' : `a ${typeof v}`);

/** The object at `field`, or an empty one when absent; rejects keys outside `known`. */
export function record(value: unknown, field: string, known: readonly string[]): Fields {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidValuesError(field || 'values', `expected an object, got ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      const at = field ? `${field}.${key}` : key;
      throw new InvalidValuesError(at, `unknown field; known fields are ${known.join(', ')}`);
    }
  }
  return value as Fields;
}

export function str(value: unknown, field: string, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (value === undefined) throw new InvalidValuesError(field, 'is required');
  if (typeof value !== 'string') throw new InvalidValuesError(field, `expected a string, got ${describe(value)}`);
  return value;
}

export function bool(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidValuesError(field, `expected true or false, got ${describe(value)}`);
  return value;
}

export function int(value: unknown, field: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidValuesError(field, `expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function strList(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new InvalidValuesError(field, `expected a list of strings, got ${describe(value)}`);
  return value.map((item, i) => str(item, `${field}[${i}]`));
}

export function oneOf<T extends string>(value: string, field: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new InvalidValuesError(field, `"${value}" is not one of ${allowed.join(', ')}`);
  }
  return value as T;
}

const dnsLabel = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function checkDnsLabel(value: string, field: string): string {
  if (!dnsLabel.test(value)) {
    throw new InvalidValuesError(
      field,
      `"${value}" is not a DNS-1123 label (1-63 lowercase letters, digits or '-', starting and ending with a letter or digit)`,
    );
  }
  return value;
}

export function checkDomain(value: string, field: string): string {
  const labels = value.split('.');
  if (value.length > 253 || labels.some((l) => !dnsLabel.test(l))) {
    throw new InvalidValuesError(field, `"${value}" is not a DNS domain name (lowercase labels separated by dots, e.g. example.org)`);
  }
  return value;
}

export function isIPv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

export function checkCidr(value: string, field: string): string {
  const [ip, bits, extra] = value.split('/');
  if (extra !== undefined || ip === undefined || !isIPv4(ip) || bits === undefined || !/^(\d|[12]\d|3[0-2])$/.test(bits)) {
    throw new InvalidValuesError(field, `"${value}" is not an IPv4 CIDR such as 10.0.0.0/16`);
  }
  return value;
}

/** Standard or URL-safe base64; the value itself is never echoed since it is a secret. */
export function checkBase64Secret(value: string, field: string): string {
  const body = value.replace(/=+$/, '');
  if (value === '' || !/^[A-Za-z0-9+/_-]+$/.test(body) || body.length % 4 === 1 || value.length - body.length > 2) {
    throw new InvalidValuesError(field, 'is not base64 text (the value is not shown because it is secret)');
  }
  return value;
}
