import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { keepAliveClient } from '../../../src/kube/keep-alive.js';

/** A self-signed certificate for 127.0.0.1, made with openssl (which `npm run setup` installs). */
function selfSigned(dir: string): { cert: string; key: string } {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
}

const dir = mkdtempSync(join(tmpdir(), 'ksub-keepalive-'));

describe('API clients with keep-alive connections (needs openssl)', () => {
  const tls = selfSigned(dir);
  let server: Server;
  let connections = 0;
  const authorizations: (string | undefined)[] = [];
  let kc: KubeConfig;

  before(async () => {
    server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
      authorizations.push(req.headers.authorization);
      const name = (req.url ?? '').split('/').pop();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
    });
    server.on('secureConnection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, caData: Buffer.from(tls.cert).toString('base64') }],
      users: [{ name: 'u', token: 'secret-token' }],
      contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
      currentContext: 'c',
    });
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends one request after another over one connection, each with the credentials, checking the server certificate', async () => {
    const api = keepAliveClient(kc, CoreV1Api);
    const names: (string | undefined)[] = [];
    for (const name of ['a', 'b', 'c']) names.push((await api.readNamespace({ name })).metadata?.name);
    assert.deepEqual(names, ['a', 'b', 'c']);
    assert.equal(connections, 1);
    assert.deepEqual(authorizations, ['Bearer secret-token', 'Bearer secret-token', 'Bearer secret-token']);

    const untrusted = new KubeConfig();
    untrusted.loadFromOptions({ clusters: [{ name: 'c', server: kc.getCurrentCluster()?.server ?? '' }], users: kc.users, contexts: kc.contexts, currentContext: 'c' });
    await assert.rejects(keepAliveClient(untrusted, CoreV1Api).readNamespace({ name: 'x' }), /self[- ]signed|certificate/i);
  });
});
