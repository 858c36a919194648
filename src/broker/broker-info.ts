import { chmod, lstat, readFile, rename, writeFile } from 'node:fs/promises';
import { names } from '../api/names.js';
import { UserError } from '../base/errors.js';
import { adminTokenSecret } from './objects.js';

/**
 * broker-info.subm, as subctl writes it: one line of URL-safe base64 (with padding) of a JSON
 * document. Its keys are `brokerURL` and `Components` plus the Go field names `ClientToken`,
 * `IPSecPSK`, `ServiceDiscovery` and `CustomDomains`; readers match keys case-insensitively.
 */
export const BROKER_INFO_FILE = 'broker-info.subm';

export interface BrokerInfo {
  /** URL of the broker API server. */
  brokerURL: string;
  /** Bearer token of the broker-admin ServiceAccount, plain text. */
  token: string;
  /** base64 of the broker API server's CA bundle (the token Secret's `ca.crt`). */
  ca: string;
  /** The broker namespace. */
  namespace: string;
  /** base64 of the IPsec PSK; undefined when the file carries none. */
  ipsecPsk: string | undefined;
  serviceDiscovery: boolean;
  /** Components the broker was deployed with, e.g. connectivity and service-discovery. */
  components: string[];
  customDomains: string[];
  /** Whether the broker has Globalnet enabled; undefined when the file does not say. */
  globalnet: boolean | undefined;
}

/** The components to install: the recorded list, or connectivity (+ service discovery) for older files. */
export function brokerComponents(info: BrokerInfo): string[] {
  if (info.components.length > 0) {
    return info.serviceDiscovery && !info.components.includes('service-discovery')
      ? [...info.components, 'service-discovery'].sort()
      : [...info.components];
  }
  return info.serviceDiscovery ? ['connectivity', 'service-discovery'] : ['connectivity'];
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** The file's content: URL-safe base64 with padding, no trailing newline (as subctl writes it). */
export function encodeBrokerInfo(info: BrokerInfo): string {
  for (const field of ['brokerURL', 'token', 'ca'] as const) {
    if (info[field] === '') throw new Error(`broker info needs a non-empty ${field}`);
  }
  const doc: Record<string, unknown> = {
    brokerURL: info.brokerURL,
    ClientToken: {
      metadata: { name: adminTokenSecret, namespace: info.namespace },
      data: { 'ca.crt': info.ca, namespace: b64(info.namespace), token: b64(info.token) },
      type: 'kubernetes.io/service-account-token',
    },
    IPSecPSK: info.ipsecPsk === undefined ? null : { metadata: { name: names.ipsecPskSecret }, data: { psk: info.ipsecPsk } },
    ServiceDiscovery: info.serviceDiscovery,
  };
  if (info.components.length > 0) doc.Components = [...info.components].sort();
  doc.CustomDomains = info.customDomains.length > 0 ? [...info.customDomains] : null;
  if (info.globalnet !== undefined) doc.Globalnet = info.globalnet;
  return Buffer.from(JSON.stringify(doc), 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

const howToFix =
  'Copy the broker-info.subm written by "kubectl submariner deploy-broker" again, re-run deploy-broker on the broker cluster, ' +
  'or rebuild the file with "kubectl submariner recover-broker-info".';

class BrokerInfoError extends UserError {
  constructor(source: string, problem: string) {
    super(`${source} ${problem}. ${howToFix}`);
    this.name = 'BrokerInfoError';
  }
}

type Json = Record<string, unknown>;

/** Go's decoder: a key matches a field when equal ignoring case; the last such key wins. */
function pick(obj: Json, field: string): unknown {
  let found: unknown;
  const lower = field.toLowerCase();
  for (const [key, value] of Object.entries(obj)) if (key.toLowerCase() === lower) found = value;
  return found;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Standard or URL-safe base64, padded or not, to bytes; undefined when it is not base64. */
function fromBase64(text: string): Buffer | undefined {
  const body = text.replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/_-]*$/.test(body) || body.length % 4 === 1 || text.length - body.length > 2) return undefined;
  return Buffer.from(body.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/** Parses the file content; `source` names it in errors (e.g. `broker info file "x"`). Never echoes secrets. */
export function decodeBrokerInfo(text: string, source = 'the broker info'): BrokerInfo {
  const fail: (problem: string) => never = (problem) => {
    throw new BrokerInfoError(source, problem);
  };
  const compact = text.replace(/\s+/g, '');
  if (compact === '') fail('is empty');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact)) fail('is corrupted: it is not base64 text');
  const bytes = fromBase64(compact);
  if (bytes === undefined) fail('is truncated: its base64 text ends in the middle of a character group');
  const json = bytes.toString('utf8');
  if (/[^\t\n\r\u0020-\uFFFC]/.test(json)) fail('is corrupted: it does not decode to text');
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    const trimmed = json.trim();
    if (!trimmed.startsWith('{')) fail('does not hold broker information: its content is not JSON');
    fail(trimmed.endsWith('}') ? 'is corrupted: its content is not valid JSON' : 'is truncated: its JSON content ends early');
  }
  if (!isObject(doc)) fail('does not hold broker information: expected a JSON object');
  return fromDocument(doc, fail);
}

function fromDocument(doc: Json, fail: (problem: string) => never): BrokerInfo {
  const brokerURL = pick(doc, 'brokerURL');
  if (brokerURL === undefined || brokerURL === null || brokerURL === '') fail('has no broker API server URL (brokerURL)');
  if (typeof brokerURL !== 'string') fail('has an invalid brokerURL: expected a string');
  const token = pick(doc, 'ClientToken');
  if (!isObject(token)) fail('has no broker access token (ClientToken)');
  const data = pick(token, 'data');
  if (!isObject(data)) fail('has no data in its broker access token (ClientToken.data)');
  /** A base64 entry of the token Secret; undefined when absent. */
  const entry = (key: string, what: string): string | undefined => {
    const value = data[key];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string' || fromBase64(value) === undefined) fail(`has an invalid ${what}: it is not base64`);
    return value;
  };
  const text = (b64: string): string => (fromBase64(b64) ?? Buffer.alloc(0)).toString('utf8');
  const tokenB64 = entry('token', 'broker token (ClientToken.data.token)') ?? fail('has no broker token (ClientToken.data.token)');
  const ca =
    entry('ca.crt', 'broker CA certificate (ClientToken.data["ca.crt"])') ??
    fail('has no broker CA certificate (ClientToken.data["ca.crt"])');
  const namespace = entry('namespace', 'broker namespace (ClientToken.data.namespace)');
  return {
    brokerURL,
    token: text(tokenB64),
    ca,
    namespace: namespace === undefined ? names.defaultBrokerNamespace : text(namespace),
    ipsecPsk: pskOf(pick(doc, 'IPSecPSK'), fail),
    serviceDiscovery: boolOf(pick(doc, 'ServiceDiscovery'), 'ServiceDiscovery', fail) ?? false,
    components: listOf(pick(doc, 'Components'), 'Components', fail),
    customDomains: listOf(pick(doc, 'CustomDomains'), 'CustomDomains', fail),
    globalnet: boolOf(pick(doc, 'Globalnet'), 'Globalnet', fail),
  };
}

function pskOf(secret: unknown, fail: (problem: string) => never): string | undefined {
  if (secret === undefined || secret === null) return undefined;
  const data = isObject(secret) ? pick(secret, 'data') : undefined;
  const psk = isObject(data) ? data.psk : undefined;
  if (typeof psk !== 'string' || psk === '' || fromBase64(psk) === undefined) {
    return fail('has an invalid IPsec PSK (IPSecPSK.data.psk): it is missing or not base64');
  }
  return psk;
}

function boolOf(value: unknown, field: string, fail: (problem: string) => never): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') return fail(`has an invalid ${field}: expected true or false`);
  return value;
}

function listOf(value: unknown, field: string, fail: (problem: string) => never): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    return fail(`has an invalid ${field}: expected a list of strings`);
  }
  return [...value];
}

const fileLabel = (path: string): string => `broker info file "${path}"`;

function fsProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory, not a file';
  return code ?? 'unknown error';
}

export async function readBrokerInfoFile(path: string): Promise<BrokerInfo> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const problem = fsProblem(err);
    throw new BrokerInfoError(fileLabel(path), problem === 'does not exist' ? problem : `cannot be read: ${problem}`);
  }
  return decodeBrokerInfo(text, fileLabel(path));
}

/** RFC 3339 in local time (as Go formats time.Now()), with ':' replaced by '_' for file names. */
export function backupSuffix(now: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const offset = -now.getTimezoneOffset();
  const zone =
    offset === 0 ? 'Z' : `${offset > 0 ? '+' : '-'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  const stamp =
    `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}` +
    `T${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}${zone}`;
  return stamp.replace(/:/g, '_');
}

/**
 * Writes the file with mode 0600. An existing file is first renamed to
 * `<path>.<RFC 3339 time>`; the new name is returned so the caller can report it.
 */
export async function writeBrokerInfoFile(
  path: string,
  info: BrokerInfo,
  options: { now?: Date } = {},
): Promise<{ backup: string | undefined }> {
  const content = encodeBrokerInfo(info);
  let backup: string | undefined;
  try {
    if (await exists(path)) {
      backup = `${path}.${backupSuffix(options.now ?? new Date())}`;
      await rename(path, backup);
    }
    await writeFile(path, content, { mode: 0o600, flag: 'wx' });
    await chmod(path, 0o600);
  } catch (err) {
    const problem = fsProblem(err) === 'does not exist' ? 'its directory does not exist' : fsProblem(err);
    throw new UserError(`cannot write ${fileLabel(path)}: ${problem}. Choose a writable directory.`, undefined, { cause: err });
  }
  return { backup };
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
