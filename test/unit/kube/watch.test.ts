import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { EndpointResource, NodeResource, type Endpoint } from '../../../src/api/index.js';
import type { Logger } from '../../../src/base/log.js';
import { watchResource, type ResourceWatch, type WatchEvent } from '../../../src/kube/watch/index.js';
import { FakeApiServer } from './fake-apiserver.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const fast = { minDelayMs: 5, maxDelayMs: 20 };
const endpoints = (ns: string) => `/apis/submariner.io/v1/namespaces/${ns}/endpoints`;

function endpoint(name: string, namespace: string, o: { cluster?: string; labels?: Record<string, string> } = {}): Endpoint {
  return {
    apiVersion: 'submariner.io/v1',
    kind: 'Endpoint',
    metadata: { name, namespace, labels: o.labels, managedFields: [{ manager: 'someone', operation: 'Apply' }] },
    spec: { cluster_id: o.cluster ?? 'east', cable_name: `cable-${name}`, hostname: name, subnets: [], private_ip: '10.0.0.1', nat_enabled: false, backend: 'vxlan' },
  };
}

async function eventually<T>(what: string, probe: () => T | undefined | false, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The events a watch delivered, as `<event> <name>`. */
function record<T extends KubernetesObject>(w: ResourceWatch<T>): string[] {
  const seen: string[] = [];
  w.onChange((obj: T, event: WatchEvent) => seen.push(`${event} ${obj.metadata?.name}`));
  return seen;
}

describe('watchResource', () => {
  const api = new FakeApiServer();
  let kc: KubeConfig;
  const running: ResourceWatch<KubernetesObject>[] = [];
  const watch = <W extends ResourceWatch<KubernetesObject>>(w: W): W => (running.push(w), w);

  before(async () => {
    kc = await api.start();
  });
  beforeEach(async () => {
    await Promise.all(running.splice(0).map((w) => w.stop()));
  });
  after(async () => {
    await Promise.all(running.map((w) => w.stop()));
    await api.stop();
  });

  it('lists, then follows adds, updates and deletes of one namespace in a typed cache without managedFields', async () => {
    api.put(endpoints('one'), endpoint('a', 'one'));
    api.put(endpoints('other'), endpoint('elsewhere', 'other'));
    const w = watch(watchResource(kc, EndpointResource, { namespace: 'one', log: quiet }));
    const seen = record(w);
    assert.equal(w.synced, false);
    await w.start();
    await w.ready;
    assert.equal(w.synced, true);
    assert.deepEqual(seen, ['add a']);
    assert.equal(w.get('a')?.spec.cable_name, 'cable-a');
    assert.equal(w.get('a')?.metadata.managedFields, undefined);
    assert.equal(w.get('elsewhere'), undefined);

    api.put(endpoints('one'), endpoint('b', 'one'));
    api.put(endpoints('one'), { ...endpoint('a', 'one'), spec: { ...endpoint('a', 'one').spec, hostname: 'renamed' } });
    api.remove(endpoints('one'), 'b');
    await eventually('the delete of b', () => seen.length === 4);
    assert.deepEqual(seen, ['add a', 'add b', 'update a', 'delete b']);
    assert.equal(w.byKey('one/a')?.spec.hostname, 'renamed');
    assert.equal(w.byKey('one/a')?.metadata.managedFields, undefined, 'objects from watch events drop managedFields too');
    assert.deepEqual(w.list().map((e) => e.metadata.name), ['a']);
  });

  it('watches every namespace with a label selector, and transforms objects before the cache keeps them', async () => {
    api.put(endpoints('n1'), endpoint('picked', 'n1', { labels: { role: 'gateway' } }));
    api.put(endpoints('n2'), endpoint('ignored', 'n2'));
    const w = watch(
      watchResource(kc, EndpointResource, {
        labelSelector: 'role=gateway',
        log: quiet,
        transform: (e) => ({ ...e, spec: { ...e.spec, subnets: ['transformed'] } }),
      }),
    );
    await w.start();
    assert.deepEqual(w.list().map((e) => e.metadata.name), ['picked']);
    api.put(endpoints('n3'), endpoint('later', 'n3', { labels: { role: 'gateway' } }));
    api.put(endpoints('n3'), endpoint('not-a-gateway', 'n3'));
    await eventually('the later Endpoint', () => w.get('later', 'n3'));
    assert.deepEqual(w.get('later', 'n3')?.spec.subnets, ['transformed']);
    assert.deepEqual(w.list('n1').map((e) => e.spec.subnets), [['transformed']]);
    assert.equal(w.get('not-a-gateway', 'n3'), undefined);
    assert.equal(api.requests.find((r) => r.method === 'GET' && r.path === '/apis/submariner.io/v1/endpoints')?.query.get('labelSelector'), 'role=gateway');
  });

  it('lists again when the watch expires (410 Gone), delivering what changed in between', async () => {
    api.put(endpoints('gone'), endpoint('stays', 'gone'));
    api.put(endpoints('gone'), endpoint('goes', 'gone'));
    const w = watch(watchResource(kc, EndpointResource, { namespace: 'gone', log: quiet, restart: fast }));
    const seen = record(w);
    await w.start();
    await eventually('the watch', () => api.openWatches > 0);
    api.endWatches();
    api.put(endpoints('gone'), endpoint('stays', 'gone', { cluster: 'west' }));
    api.expire();
    api.remove(endpoints('gone'), 'goes');
    api.put(endpoints('gone'), endpoint('new', 'gone'));
    await eventually('the relist', () => seen.includes('add new') && seen.includes('delete goes'));
    assert.deepEqual(w.list().map((e) => e.metadata.name).sort(), ['new', 'stays']);
    assert.equal(w.get('stays')?.spec.cluster_id, 'west');
    const lists = api.requests.filter((r) => r.method === 'GET' && r.path === endpoints('gone'));
    assert.equal(lists.length, 2, 'one list at the start, one after the 410');
  });

  it('restarts after errors through the supervisor, telling onError, and resumes a watch that the server ended', async () => {
    const errors: unknown[] = [];
    api.failNext('GET', 503);
    api.put(endpoints('flaky'), endpoint('x', 'flaky'));
    const w = watch(watchResource(kc, EndpointResource, { namespace: 'flaky', log: quiet, restart: fast, onError: (err) => errors.push(err) }));
    let syncs = 0;
    w.onSynced(() => syncs++);
    await w.start();
    assert.equal(w.synced, false);
    await w.ready;
    assert.equal((errors[0] as { code?: number }).code, 503);
    assert.ok(w.get('x'));

    api.failNext('WATCH', 500);
    api.endWatches();
    api.put(endpoints('flaky'), endpoint('y', 'flaky'));
    await eventually('y after the restart', () => w.get('y'));
    assert.equal((errors[1] as { statusCode?: number }).statusCode, 500);
    assert.ok(syncs >= 2);
  });

  it('keeps an index up to date before listeners run', async () => {
    const label = 'multicluster.kubernetes.io/service-name';
    api.put(endpoints('idx'), endpoint('e1', 'idx', { labels: { [label]: 'web' } }));
    const w = watch(watchResource(kc, EndpointResource, { namespace: 'idx', log: quiet }));
    const byService = w.index((e) => e.metadata.labels?.[label]);
    const atEvent: string[][] = [];
    w.onChange(() => atEvent.push(byService.get('web').map((e) => e.metadata.name ?? '')));
    await w.start();
    api.put(endpoints('idx'), endpoint('e2', 'idx', { labels: { [label]: 'web' } }));
    api.put(endpoints('idx'), endpoint('e1', 'idx', { labels: { [label]: 'db' } }));
    api.remove(endpoints('idx'), 'e2');
    await eventually('four events', () => atEvent.length === 4);
    assert.deepEqual(atEvent, [['e1'], ['e1', 'e2'], ['e2'], []]);
    assert.deepEqual(byService.get('db').map((e) => e.metadata.name), ['e1']);
    assert.deepEqual(w.index((e) => e.metadata.labels?.[label]).get('db').map((e) => e.metadata.name), ['e1'], 'an index made later holds what the cache has');
  });

  it('watches a core kind through its descriptor', async () => {
    api.put('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', labels: { gateway: 'true' } } });
    const w = watch(watchResource(kc, NodeResource, { log: quiet }));
    await w.start();
    assert.equal(w.get('node-1')?.metadata?.labels?.gateway, 'true');
    assert.equal(w.byKey('node-1')?.metadata?.name, 'node-1');
    api.put('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-2' } });
    await eventually('node-2', () => w.get('node-2'));
  });
});
