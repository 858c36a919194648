import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeApiError } from '../../../../../src/sandbox/kubelet/kube-client.js';
import { StatusWriter } from '../../../../../src/sandbox/kubelet/pod/status-writer.js';

/** An apiserver whose answers the test releases one by one; what it stored is what landed last. */
class HeldApiserver {
  stored: string | undefined;
  readonly calls: { body: string; answer: (err?: Error) => void }[] = [];

  write = (body: string): Promise<void> =>
    new Promise((resolve, reject) => {
      this.calls.push({
        body,
        answer: (err) => {
          if (err) reject(err);
          else {
            this.stored = body;
            resolve();
          }
        },
      });
    });

  async next(): Promise<{ body: string; answer: (err?: Error) => void }> {
    for (let i = 0; i < 200 && this.calls.length === 0; i++) await sleep(5);
    const call = this.calls.shift();
    assert.ok(call, 'a status write was expected');
    return call;
  }
}

const initializing = () => new KubeApiError('PATCH', '/api/v1/namespaces/submariner-operator/pods/lighthouse/status', 429, 'TooManyRequests', 'storage is (re)initializing');

void describe('pod status writer', () => {
  void it('keeps writing after 429 "storage is (re)initializing" until the running state lands', async () => {
    const api = new HeldApiserver();
    let state = 'ContainerCreating';
    const w = new StatusWriter({ snapshot: () => state, write: api.write, debounceMs: 1, retryMs: 10 });
    w.changed();
    (await api.next()).answer(initializing());
    state = 'Running';
    w.changed();
    (await api.next()).answer(initializing());
    const third = await api.next();
    assert.equal(third.body, 'Running');
    third.answer();
    await sleep(30);
    assert.equal(api.stored, 'Running');
    assert.equal(w.pending, false);
    w.close();
  });

  void it('never lets a late answer leave an older state behind: one write at a time, then the latest', async () => {
    const api = new HeldApiserver();
    let state = 'ContainerCreating';
    const w = new StatusWriter({ snapshot: () => state, write: api.write, debounceMs: 1, retryMs: 10 });
    w.changed();
    const slow = await api.next();
    state = 'Running';
    w.changed();
    await sleep(20);
    assert.equal(api.calls.length, 0, 'no second write while the first is unanswered');
    slow.answer();
    const latest = await api.next();
    assert.equal(latest.body, 'Running');
    latest.answer();
    await sleep(20);
    assert.equal(api.stored, 'Running');
    w.close();
  });

  void it('writes an unchanged state once, and nothing after close', async () => {
    const api = new HeldApiserver();
    const w = new StatusWriter({ snapshot: () => 'Running', write: api.write, debounceMs: 1, retryMs: 10 });
    w.changed();
    (await api.next()).answer();
    w.changed();
    await sleep(20);
    assert.equal(api.calls.length, 0);
    w.close();
    w.changed();
    await sleep(20);
    assert.equal(api.calls.length, 0);
  });
});
