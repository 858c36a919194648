import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../../src/base/errors.js';
import {
  backupSuffix,
  brokerComponents,
  decodeBrokerInfo,
  encodeBrokerInfo,
  readBrokerInfoFile,
  writeBrokerInfoFile,
  type BrokerInfo,
} from '../../../src/broker/broker-info.js';

const token = 'eyJhbGciOiJSUzI1NiJ9.secret-broker-token.c2ln';
const caPem = '-----BEGIN CERTIFICATE-----\nMIIBsecretCA\n-----END CERTIFICATE-----\n';
const ca = Buffer.from(caPem).toString('base64');
const psk = Buffer.from('0123456789abcdef0123456789abcdef0123456789abcdef').toString('base64');
const b64 = (s: string): string => Buffer.from(s).toString('base64');

const info: BrokerInfo = {
  brokerURL: 'https://broker.example.org:6443',
  token,
  ca,
  namespace: 'submariner-k8s-broker',
  ipsecPsk: psk,
  serviceDiscovery: true,
  components: ['service-discovery', 'connectivity'],
  customDomains: ['example.org'],
  globalnet: true,
};

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'broker-info-'));

void test('broker-info: encoding is one line of URL-safe padded base64 of subctl-shaped JSON', () => {
  const text = encodeBrokerInfo(info);
  assert.match(text, /^[A-Za-z0-9_-]+={0,2}$/);
  assert.equal(text.length % 4, 0, 'padded');
  interface Doc {
    Components: string[];
    ClientToken: { data: Record<string, string> };
    IPSecPSK: unknown;
  }
  const doc = JSON.parse(Buffer.from(text, 'base64url').toString()) as Doc;
  assert.deepEqual(Object.keys(doc), ['brokerURL', 'ClientToken', 'IPSecPSK', 'ServiceDiscovery', 'Components', 'CustomDomains', 'Globalnet']);
  assert.deepEqual(doc.Components, ['connectivity', 'service-discovery'], 'sorted');
  assert.equal(Buffer.from(doc.ClientToken.data.token!, 'base64').toString(), token);
  assert.equal(doc.ClientToken.data['ca.crt'], ca);
  assert.equal(Buffer.from(doc.ClientToken.data.namespace!, 'base64').toString(), 'submariner-k8s-broker');
  assert.deepEqual(doc.IPSecPSK, { metadata: { name: 'submariner-ipsec-psk' }, data: { psk } });
});

void test('broker-info: decode(encode(info)) gives the info back', () => {
  assert.deepEqual(decodeBrokerInfo(encodeBrokerInfo(info)), { ...info, components: ['connectivity', 'service-discovery'] });
  const minimal: BrokerInfo = { ...info, ipsecPsk: undefined, components: [], customDomains: [], globalnet: undefined, serviceDiscovery: false };
  assert.deepEqual(decodeBrokerInfo(encodeBrokerInfo(minimal)), minimal);
});

void test('broker-info: a hand-made file with Go field-name keys and standard base64 decodes', () => {
  const json = JSON.stringify({
    brokerURL: 'https://192.168.1.10:6443',
    ClientToken: {
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: { name: 'submariner-k8s-broker-admin-token-x7k2p', namespace: 'submariner-k8s-broker', creationTimestamp: null },
      data: { 'ca.crt': ca, namespace: b64('submariner-k8s-broker'), token: b64(token) },
      type: 'kubernetes.io/service-account-token',
    },
    IPSecPSK: { metadata: { name: 'submariner-ipsec-psk', creationTimestamp: null }, data: { psk } },
    ServiceDiscovery: true,
    Components: ['connectivity', 'service-discovery'],
    CustomDomains: null,
    Comment: '~~~>>>???',
  });
  const standard = Buffer.from(json).toString('base64');
  assert.match(standard, /[+/]/, 'the file uses the standard alphabet');
  const decoded = decodeBrokerInfo(`${standard}\n`);
  assert.deepEqual(decoded, {
    brokerURL: 'https://192.168.1.10:6443',
    token,
    ca,
    namespace: 'submariner-k8s-broker',
    ipsecPsk: psk,
    serviceDiscovery: true,
    components: ['connectivity', 'service-discovery'],
    customDomains: [],
    globalnet: undefined,
  });
});

void test('broker-info: lowercase keys match as Go decodes them, unpadded and CRLF-terminated', () => {
  const json = JSON.stringify({
    brokerurl: 'https://broker:6443',
    clienttoken: { Data: { 'ca.crt': ca, token: b64(token) } },
    ipsecpsk: { data: { psk } },
    servicediscovery: false,
    components: ['connectivity'],
    customdomains: ['a.org'],
    globalnet: false,
  });
  const unpadded = Buffer.from(json).toString('base64url');
  const decoded = decodeBrokerInfo(`${unpadded}\r\n`);
  assert.equal(decoded.brokerURL, 'https://broker:6443');
  assert.equal(decoded.token, token);
  assert.equal(decoded.namespace, 'submariner-k8s-broker', 'default namespace when the token secret has none');
  assert.equal(decoded.ipsecPsk, psk);
  assert.deepEqual(decoded.components, ['connectivity']);
  assert.deepEqual(decoded.customDomains, ['a.org']);
  assert.equal(decoded.globalnet, false);
});

void test('broker-info: older files without Components install connectivity (+ service discovery)', () => {
  assert.deepEqual(brokerComponents({ ...info, components: [], serviceDiscovery: true }), ['connectivity', 'service-discovery']);
  assert.deepEqual(brokerComponents({ ...info, components: [], serviceDiscovery: false }), ['connectivity']);
  assert.deepEqual(brokerComponents({ ...info, components: ['service-discovery'], serviceDiscovery: false }), ['service-discovery']);
});

async function badFile(content: string | undefined, expected: RegExp): Promise<void> {
  const path = join(tempDir(), 'broker-info.subm');
  if (content !== undefined) writeFileSync(path, content);
  await assert.rejects(readBrokerInfoFile(path), (err: unknown) => {
    assert.ok(err instanceof UserError, `a UserError, got ${String(err)}`);
    const msg = err.message;
    assert.ok(msg.startsWith(`broker info file "${path}" `), msg);
    assert.match(msg, expected);
    assert.match(msg, /deploy-broker/);
    assert.match(msg, /recover-broker-info/);
    for (const secret of [token, b64(token), psk, ca, 'secret-broker-token', 'secretCA']) {
      assert.ok(!msg.includes(secret), `message must not show a secret: ${msg}`);
    }
    return true;
  });
}

const encodeJson = (doc: unknown): string => Buffer.from(JSON.stringify(doc)).toString('base64url');
const tokenSecret = { data: { 'ca.crt': ca, token: b64(token) } };

void test('broker-info: every kind of bad file is one clear UserError naming the file and the fix', async () => {
  const good = encodeBrokerInfo(info);
  await badFile(undefined, /does not exist/);
  await badFile('', /is empty/);
  await badFile('\n', /is empty/);
  await badFile(good.slice(0, 10), /is truncated/);
  await badFile(good.slice(0, Math.floor(good.length / 2) + 1), /is truncated/);
  await badFile(good.slice(0, good.length - 3), /is truncated/);
  await badFile('this is not base64!', /is corrupted: it is not base64 text/);
  await badFile(`${good.slice(0, 20)}*${good.slice(21)}`, /is corrupted: it is not base64 text/);
  await badFile(Buffer.from([0xff, 0x00, 0x81, 0xfe, 0x10, 0x99]).toString('base64'), /is corrupted: it does not decode to text/);
  await badFile(b64('brokerURL=https://x'), /content is not JSON/);
  await badFile(b64(`{"brokerURL": "https://x", "ClientToken": ${token}}`), /is corrupted: its content is not valid JSON/);
  await badFile(b64('["a"]'), /expected a JSON object/);
  await badFile(encodeJson({ ClientToken: tokenSecret }), /has no broker API server URL \(brokerURL\)/);
  await badFile(encodeJson({ brokerURL: 42, ClientToken: tokenSecret }), /invalid brokerURL/);
  await badFile(encodeJson({ brokerURL: 'https://x' }), /has no broker access token \(ClientToken\)/);
  await badFile(encodeJson({ brokerURL: 'https://x', ClientToken: { data: { 'ca.crt': ca } } }), /has no broker token/);
  await badFile(encodeJson({ brokerURL: 'https://x', ClientToken: { data: { token: b64(token) } } }), /has no broker CA certificate/);
  await badFile(
    encodeJson({ brokerURL: 'https://x', ClientToken: { data: { 'ca.crt': ca, token: `${token}!` } } }),
    /invalid broker token \(ClientToken.data.token\): it is not base64/,
  );
  await badFile(encodeJson({ brokerURL: 'https://x', ClientToken: tokenSecret, IPSecPSK: { data: {} } }), /invalid IPsec PSK/);
  await badFile(encodeJson({ brokerURL: 'https://x', ClientToken: tokenSecret, Components: 'connectivity' }), /invalid Components/);
});

void test('broker-info: write creates a 0600 file that reads back', async () => {
  const path = join(tempDir(), 'broker-info.subm');
  const { backup } = await writeBrokerInfoFile(path, info);
  assert.equal(backup, undefined);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(readFileSync(path, 'utf8'), encodeBrokerInfo(info));
  assert.deepEqual(await readBrokerInfoFile(path), decodeBrokerInfo(encodeBrokerInfo(info)));
});

void test('broker-info: an existing file is renamed with an RFC 3339 time before writing', async () => {
  const dir = tempDir();
  const path = join(dir, 'broker-info.subm');
  writeFileSync(path, 'previous');
  const now = new Date(2024, 9, 17, 10, 11, 12);
  const { backup } = await writeBrokerInfoFile(path, info, { now });
  assert.equal(backup, `${path}.${backupSuffix(now)}`);
  assert.equal(readFileSync(backup, 'utf8'), 'previous');
  assert.equal(readFileSync(path, 'utf8'), encodeBrokerInfo(info));
  assert.deepEqual(readdirSync(dir).sort(), ['broker-info.subm', `broker-info.subm.${backupSuffix(now)}`]);
  assert.match(backupSuffix(now), /^2024-10-17T10_11_12(Z|[+-]\d\d_\d\d)$/);
});

void test('broker-info: writing into a missing directory is a UserError', async () => {
  await assert.rejects(writeBrokerInfoFile(join(tempDir(), 'no', 'such', 'broker-info.subm'), info), (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.match(err.message, /cannot write broker info file ".*": its directory does not exist/);
    return true;
  });
});
