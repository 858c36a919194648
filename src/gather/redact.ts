import { brokerEnv, gatewayEnv } from '../api/agent-env.js';

/** What a redacted value becomes. */
export const redacted = (what: string): string => `##redacted-${what}##`;

/** Environment variables whose literal values are secrets. */
const secretEnvNames = new Set<string>([gatewayEnv.ipsecPsk, brokerEnv.apiServerToken, brokerEnv.ca]);

/** Spec fields of the Submariner and ServiceDiscovery objects that hold secrets or the broker's address. */
const secretSpecFields: Record<string, string> = {
  brokerK8sApiServerToken: 'token',
  brokerK8sCA: 'ca',
  ceIPSecPSK: 'psk',
  brokerK8sApiServer: 'broker-api-server',
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The object with its secrets replaced: every Secret's data, the broker token, CA, API server and PSK of the
 * Submariner and ServiceDiscovery objects, and secret environment values of pods and workloads.
 */
export function redactObject<T>(obj: T): T {
  const copy = structuredClone(obj) as unknown;
  if (!isObj(copy)) return copy as T;
  if (copy.kind === 'Secret') {
    for (const field of ['data', 'stringData']) {
      const d = copy[field];
      if (isObj(d)) for (const k of Object.keys(d)) d[k] = redacted(k);
    }
  }
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach(walk);
      return;
    }
    if (!isObj(v)) return;
    if (typeof v.name === 'string' && secretEnvNames.has(v.name) && typeof v.value === 'string') v.value = redacted(v.name);
    for (const [k, val] of Object.entries(v)) {
      const what = secretSpecFields[k];
      if (what !== undefined && typeof val === 'string' && val !== '') v[k] = redacted(what);
      else walk(val);
    }
  };
  if (copy.kind === 'Submariner' || copy.kind === 'ServiceDiscovery') walk(copy.spec);
  walk(copy.spec);
  // last-applied annotations repeat the whole object
  const ann = (copy.metadata as Obj | undefined)?.annotations;
  if (isObj(ann) && typeof ann['kubectl.kubernetes.io/last-applied-configuration'] === 'string') {
    ann['kubectl.kubernetes.io/last-applied-configuration'] = redacted('last-applied-configuration');
  }
  return copy as T;
}

/** The secret values found in objects (Secret data, decoded too; secret spec fields; secret env values), to scrub from any text. */
export function secretValues(objects: readonly unknown[]): string[] {
  const values = new Set<string>();
  const add = (s: string): void => {
    if (s.length < 8) return;
    values.add(s);
    const decoded = Buffer.from(s, 'base64').toString('utf8');
    if (/^[A-Za-z0-9+/=\s]+$/.test(s) && Buffer.from(decoded, 'utf8').toString('base64').replace(/=+$/, '') === s.replace(/\s/g, '').replace(/=+$/, '') && decoded.length >= 8) {
      values.add(decoded);
      for (const line of decoded.split('\n')) if (line.trim().length >= 16 && !/^-----/.test(line.trim())) values.add(line.trim());
    }
  };
  const walk = (v: unknown, secret: boolean): void => {
    if (Array.isArray(v)) return v.forEach((x) => walk(x, secret));
    if (typeof v === 'string') {
      if (secret) add(v);
      return;
    }
    if (!isObj(v)) return;
    if (typeof v.name === 'string' && secretEnvNames.has(v.name) && typeof v.value === 'string') add(v.value);
    for (const [k, val] of Object.entries(v)) walk(val, secret || (k in secretSpecFields && k !== 'brokerK8sApiServer'));
  };
  for (const o of objects) {
    if (isObj(o) && o.kind === 'Secret') {
      walk(o.data, true);
      walk(o.stringData, true);
    } else walk(o, false);
  }
  return [...values].sort((a, b) => b.length - a.length);
}

/** Key material that command outputs show (WireGuard private and pre-shared keys, IPsec SA keys of `ip xfrm state`). */
const keyPatterns: RegExp[] = [
  /((?:private key|preshared key|PrivateKey|PresharedKey)\s*[:=]\s*)(?!\(hidden\))\S+/gi,
  /(\b(?:enc|auth|auth-trunc|aead|comp)\s+\S+\s+)0x[0-9a-f]+/gi,
];

/** `text` with every known secret value and every private key shown by a tool replaced. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join(redacted('secret'));
  for (const p of keyPatterns) out = out.replace(p, `$1${redacted('key')}`);
  return out;
}
