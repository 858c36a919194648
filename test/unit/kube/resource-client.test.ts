import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { ConfigMapResource, NodeResource, RouteAgentResource, type RouteAgent } from '../../../src/api/index.js';
import { apiStatus } from '../../../src/kube/apply.js';
import { resourceClient } from '../../../src/kube/resource-client.js';
import { FakeApiServer } from './fake-apiserver.js';

const routeAgents = '/apis/submariner.io/v1/namespaces/submariner-operator/routeagents';

describe('resourceClient', () => {
  const api = new FakeApiServer();
  let kc: KubeConfig;

  before(async () => {
    kc = await api.start();
  });
  after(() => api.stop());

  it('creates, reads, replaces, patches and deletes custom objects of one namespace, typed by the descriptor', async () => {
    const client = resourceClient(kc, RouteAgentResource, { namespace: 'submariner-operator' });
    assert.equal(await client.get('node-1'), undefined, 'a missing object is undefined');

    const created: RouteAgent = await client.create({ metadata: { name: 'node-1' } } as RouteAgent);
    assert.equal(created.metadata.name, 'node-1');
    const sent = api.requests.at(-1);
    assert.equal(sent?.path, routeAgents);
    assert.deepEqual(sent?.body, { apiVersion: 'submariner.io/v1', kind: 'RouteAgent', metadata: { name: 'node-1' } });

    const patched = await client.patchStatus('node-1', { remoteEndpoints: [] });
    assert.deepEqual(patched.status, { remoteEndpoints: [] });
    assert.equal(api.requests.at(-1)?.path, `${routeAgents}/node-1/status`);
    assert.equal(api.requests.at(-1)?.contentType, 'application/merge-patch+json');

    await client.patch('node-1', { metadata: { labels: { a: 'b' } } });
    const read = await client.get('node-1');
    assert.ok(read);
    assert.equal(read.metadata.labels?.a, 'b');
    assert.equal(typeof read.metadata.resourceVersion, 'string', 'custom objects come as the API sent them');

    const stale = { ...read, metadata: { ...read.metadata, resourceVersion: '1' } };
    await assert.rejects(client.replace(stale), (err) => apiStatus(err) === 409);
    const replaced = await client.replace({ ...read, metadata: { ...read.metadata, labels: { a: 'c' } } });
    assert.equal(replaced.metadata.labels?.a, 'c');
    assert.deepEqual(replaced.status, { remoteEndpoints: [] }, 'a replace keeps the status');

    assert.deepEqual((await client.list()).map((r) => r.metadata.name), ['node-1']);
    assert.equal(await client.delete('node-1'), true);
    assert.equal(await client.delete('node-1'), false, 'nothing left to delete');
  });

  it('applies server-side with a field manager, forcing conflicts', async () => {
    const client = resourceClient(kc, ConfigMapResource);
    const applied = await client.apply({ metadata: { name: 'settings', namespace: 'elsewhere' }, data: { a: '1' } }, { fieldManager: 'tester' });
    assert.deepEqual(applied.data, { a: '1' });
    const sent = api.requests.at(-1);
    assert.equal(sent?.path, '/api/v1/namespaces/elsewhere/configmaps/settings');
    assert.equal(sent?.contentType, 'application/apply-patch+yaml');
    assert.equal(sent?.query.get('fieldManager'), 'tester');
    assert.equal(sent?.query.get('force'), 'true');
    assert.deepEqual(sent?.body, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'elsewhere' }, data: { a: '1' } });
  });

  it("sends a namespaced object without a namespace to the context's, and a cluster-scoped one without any", async () => {
    await resourceClient(kc, ConfigMapResource).create({ metadata: { name: 'defaulted' } });
    assert.equal(api.requests.at(-1)?.path, '/api/v1/namespaces/from-context/configmaps');
    const nodes = resourceClient(kc, NodeResource, { namespace: 'ignored' });
    await nodes.create({ metadata: { name: 'node-a', creationTimestamp: new Date('2026-01-01T00:00:00Z') } });
    assert.equal(api.requests.at(-1)?.path, '/api/v1/nodes');
    assert.equal((api.requests.at(-1)?.body as { metadata: { creationTimestamp: string } }).metadata.creationTimestamp, '2026-01-01T00:00:00.000Z');
    const node = await nodes.get('node-a');
    assert.ok(node?.metadata?.creationTimestamp instanceof Date, "built-in kinds come through client-node's models");
    assert.deepEqual(
      (await nodes.list({ labelSelector: 'missing' })).map((n) => n.metadata?.name),
      [],
    );
    assert.equal(api.requests.at(-1)?.query.get('labelSelector'), 'missing');
  });

  it('keeps the API status of a failure', async () => {
    api.failNext('GET', 403);
    await assert.rejects(resourceClient(kc, NodeResource).get('x'), (err) => apiStatus(err) === 403);
  });
});
