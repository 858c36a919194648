import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { annotations } from '../../../../src/api/names.js';
import { WrittenObjects } from '../../../../src/lighthouse/agent/written-objects.js';

const slice = (hash: string, uid?: string) => ({ metadata: { namespace: 'default', name: 'nginx-default-cluster2', annotations: { [annotations.appliedHash]: hash }, ...(uid ? { uid } : {}) } });

describe('objects the agent has written', () => {
  it('takes an object applied and not yet seen by the watch as current, until the watch reports on it', () => {
    const w = new WrittenObjects();
    assert.equal(w.current('local', 'EndpointSlice', slice('a'), undefined), undefined, 'never written: apply it');
    w.applied('local', 'EndpointSlice', slice('a', 'u1'));
    assert.equal(w.current('local', 'EndpointSlice', slice('a'), undefined)?.metadata.uid, 'u1', 'the cache lags: the applied object stands');
    assert.equal(w.current('local', 'EndpointSlice', slice('b'), undefined), undefined, 'another content is applied');
    assert.equal(w.current('broker', 'EndpointSlice', slice('a'), undefined), undefined, 'the broker copy is another object');
    w.observed('local', 'EndpointSlice', slice('a', 'u1'));
    assert.equal(w.current('local', 'EndpointSlice', slice('a'), undefined), undefined, 'the watch said it is gone: apply again');
    assert.equal(w.current('local', 'EndpointSlice', slice('a'), slice('a', 'u2'))?.metadata.uid, 'u2', 'the cache holds it');
  });

  it('deletes once until the watch reports the deletion', () => {
    const w = new WrittenObjects();
    assert.equal(w.deleted('broker', 'ServiceImport', slice('a')), false);
    w.markDeleted('broker', 'ServiceImport', slice('a'));
    assert.equal(w.deleted('broker', 'ServiceImport', slice('a')), true);
    assert.equal(w.current('broker', 'ServiceImport', slice('a'), undefined), undefined, 'a deleted object is applied again when wanted');
    w.observed('broker', 'ServiceImport', slice('a'));
    assert.equal(w.deleted('broker', 'ServiceImport', slice('a')), false);
  });

  it('writes over the newest version it knows, and creates anew what it deleted, whatever the cache still holds', () => {
    const w = new WrittenObjects();
    const cached = slice('a', 'u1');
    assert.equal(w.latest('local', 'EndpointSlice', slice('b'), cached), cached, 'nothing written: the cache');
    w.applied('local', 'EndpointSlice', slice('b', 'u1'));
    assert.equal(w.latest('local', 'EndpointSlice', slice('c'), cached)?.metadata?.annotations?.[annotations.appliedHash], 'b', 'its own write, ahead of the cache');
    w.markDeleted('local', 'EndpointSlice', slice('b'));
    assert.equal(w.latest('local', 'EndpointSlice', slice('a'), cached), undefined, 'deleted: no version to write over');
    assert.equal(w.current('local', 'EndpointSlice', slice('a'), cached), undefined, 'deleted: the cached copy is not current');
  });
});
