import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { apiErrorMessage, apiStatus } from '../../../src/kube/apply.js';
import { JsonClient } from '../../../src/kube/json-client.js';
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
      res.setHeader('content-type', 'application/json');
      if (req.url === '/api/v1') {
        res.end(JSON.stringify({ kind: 'APIResourceList', groupVersion: 'v1', resources: [{ name: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs: ['get'] }] }));
        return;
      }
      const name = (req.url ?? '').split('?')[0]?.split('/').pop();
      if (name === 'never-answered') return;
      if (name === 'forbidden') {
        res.statusCode = 403;
        res.end(JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'Forbidden', message: 'namespaces "forbidden" is forbidden', code: 403 }));
        return;
      }
      res.end(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
    });
    server.on('secureConnection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    kc = new KubeConfig();
    kc.loadFromOptions(options({ token: 'secret-token' }));
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const options = (o: { token: string; proxyUrl?: string }) => ({
    clusters: [{ name: 'c', server: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, caData: Buffer.from(tls.cert).toString('base64'), proxyUrl: o.proxyUrl }],
    users: [{ name: 'u', token: o.token }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });

  it('sends one request after another over one connection, each with the credentials of the moment, checking the server certificate', async () => {
    connections = 0;
    authorizations.length = 0;
    const api = keepAliveClient(kc, CoreV1Api);
    const names: (string | undefined)[] = [];
    for (const name of ['a', 'b']) names.push((await api.readNamespace({ name })).metadata?.name);
    kc.loadFromOptions(options({ token: 'rotated-token' }));
    names.push((await api.readNamespace({ name: 'c' })).metadata?.name);
    assert.deepEqual(names, ['a', 'b', 'c']);
    assert.equal(connections, 1);
    assert.deepEqual(authorizations, ['Bearer secret-token', 'Bearer secret-token', 'Bearer rotated-token']);

    const untrusted = new KubeConfig();
    untrusted.loadFromOptions({ clusters: [{ name: 'c', server: kc.getCurrentCluster()?.server ?? '' }], users: kc.users, contexts: kc.contexts, currentContext: 'c' });
    await assert.rejects(keepAliveClient(untrusted, CoreV1Api).readNamespace({ name: 'x' }), /self[- ]signed|certificate/i);
  });

  it('shares connections between kubeconfigs of one server that differ only in their tokens, each request with its own', async () => {
    const member = (token: string): CoreV1Api => {
      const k = new KubeConfig();
      k.loadFromOptions(options({ token }));
      return keepAliveClient(k, CoreV1Api);
    };
    await member('warm-up').readNamespace({ name: 'warm-up' });
    connections = 0;
    authorizations.length = 0;
    for (const token of ['member-1', 'member-2', 'member-3']) await member(token).readNamespace({ name: token });
    assert.equal(connections, 0);
    assert.deepEqual(authorizations, ['Bearer member-1', 'Bearer member-2', 'Bearer member-3']);
  });

  it("goes through the cluster's proxy-url when it has one", async () => {
    const tunnels: string[] = [];
    const sockets: Socket[] = [];
    const proxy = createHttpServer();
    proxy.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
      tunnels.push(req.url ?? '');
      sockets.push(client);
      const [host, port] = (req.url ?? '').split(':');
      const upstream = connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client).pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const proxied = new KubeConfig();
      proxied.loadFromOptions(options({ token: 'secret-token', proxyUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` }));
      const ns = await keepAliveClient(proxied, CoreV1Api).readNamespace({ name: 'via-proxy' });
      assert.equal(ns.metadata?.name, 'via-proxy');
      assert.deepEqual(tunnels, [`127.0.0.1:${(server.address() as AddressInfo).port}`]);
    } finally {
      // Tunnels are detached from the proxy server: end them here, or close() would wait for them.
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('abandons a request that has no answer within its time limit, and the client goes on working', { timeout: 10_000 }, async () => {
    const api = keepAliveClient(kc, CoreV1Api, { requestTimeoutMs: 300 });
    await assert.rejects(api.readNamespace({ name: 'never-answered' }), (err: Error) => /abort|timeout/i.test(`${err.name} ${err.message}`));
    assert.equal((await api.readNamespace({ name: 'after' })).metadata?.name, 'after');
  });

  it('sends plain JSON requests over the shared connection with the credentials of the moment, and keeps the API status of a failure', { timeout: 10_000 }, async () => {
    await keepAliveClient(kc, CoreV1Api).readNamespace({ name: 'warm-up' });
    connections = 0;
    authorizations.length = 0;
    const urls: string[] = [];
    const record = (req: IncomingMessage) => urls.push(req.url ?? '');
    server.prependListener('request', record);
    try {
      const own = new KubeConfig();
      own.loadFromOptions(options({ token: 'json-token' }));
      const client = new JsonClient(own);
      const ns = await client.send<{ metadata: { name: string } }>('GET', '/api/v1/namespaces/json', { query: { labelSelector: 'a=b', watch: undefined } });
      assert.equal(ns.metadata.name, 'json');
      assert.deepEqual(urls, ['/api/v1/namespaces/json?labelSelector=a%3Db']);
      assert.equal(connections, 0, 'the connection of the keep-alive clients is reused');
      assert.deepEqual(authorizations, ['Bearer json-token']);

      const failed = await client.send('GET', '/api/v1/namespaces/forbidden').then(() => undefined, (err: unknown) => err);
      assert.equal(apiStatus(failed), 403);
      assert.equal(apiErrorMessage(failed), 'namespaces "forbidden" is forbidden');

      const anonymous = new KubeConfig();
      anonymous.loadFromOptions({ clusters: [{ name: 'c', server: own.getCurrentCluster()?.server ?? '', skipTLSVerify: true }], users: [], contexts: [{ name: 'c', cluster: 'c' }], currentContext: 'c' });
      const insecure = await new JsonClient(anonymous).send<{ metadata: { name: string } }>('GET', '/api/v1/namespaces/insecure');
      assert.equal(insecure.metadata.name, 'insecure', "a cluster's insecure-skip-tls-verify holds for a context without a user");

      const limited = new JsonClient(own, { requestTimeoutMs: 300 });
      await assert.rejects(limited.send('GET', '/api/v1/namespaces/never-answered'), (err: Error) => /abort|timeout/i.test(`${err.name} ${err.message}`));
      assert.equal((await limited.send<{ metadata: { name: string } }>('GET', '/api/v1/namespaces/after')).metadata.name, 'after');
    } finally {
      server.removeListener('request', record);
    }
  });

  it('gives KubernetesObjectApi clients the namespace of the context', async () => {
    const withNs = new KubeConfig();
    const o = options({ token: 'secret-token' });
    withNs.loadFromOptions({ ...o, contexts: [{ name: 'c', cluster: 'c', user: 'u', namespace: 'team-a' }] });
    const paths: string[] = [];
    server.prependListener('request', (req: IncomingMessage) => paths.push(req.url ?? ''));
    await keepAliveClient(withNs, KubernetesObjectApi).read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' } });
    assert.ok(paths.some((p) => p.startsWith('/api/v1/namespaces/team-a/configmaps/settings')), paths.join(', '));
  });
});
