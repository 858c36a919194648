import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Informer, KubernetesObject } from '@kubernetes/client-node';
import { InformerSupervisor } from '../../../src/kube/informer-supervisor.js';
import type { Logger } from '../../../src/base/log.js';

type Step = 'list fails' | 'start rejects' | 'ok';

/** An informer whose start() follows a script, as client-node's ListWatch reports failures. */
class FakeInformer {
  running = false;
  starts = 0;
  private readonly errorCallbacks: ((err: unknown) => void)[] = [];

  constructor(private readonly script: Step[]) {}

  on(verb: string, cb: (err: unknown) => void): void {
    if (verb === 'error') this.errorCallbacks.push(cb);
  }

  off(): void {}

  async start(): Promise<void> {
    this.starts++;
    const step = this.script.shift() ?? 'ok';
    if (step === 'start rejects') throw new Error('watch request failed');
    if (step === 'list fails') {
      this.errorCallbacks.forEach((cb) => cb(Object.assign(new Error('list failed'), { code: 503 })));
      return;
    }
    this.running = true;
  }

  async stop(): Promise<void> {
    this.running = false;
  }

  /** The watch ends with an error, as when the API server goes away. */
  breakWatch(): void {
    this.running = false;
    this.errorCallbacks.forEach((cb) => cb(new Error('connection reset')));
  }
}

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function harness(script: Step[]) {
  const informer = new FakeInformer(script);
  const pending: { run: () => void; ms: number; cancelled: boolean }[] = [];
  let clock = 0;
  let syncs = 0;
  const supervisor = new InformerSupervisor(informer as unknown as Informer<KubernetesObject>, {
    name: 'things',
    log: quiet,
    minDelayMs: 1000,
    maxDelayMs: 8000,
    resetAfterMs: 60_000,
    random: () => 0.5,
    now: () => clock,
    onSynced: () => syncs++,
    schedule: (run, ms) => {
      const entry = { run, ms, cancelled: false };
      pending.push(entry);
      return () => (entry.cancelled = true);
    },
  });
  /** Fires the next pending restart and waits for it to settle. */
  const fire = async () => {
    const next = pending.shift();
    assert.ok(next, 'a restart is scheduled');
    if (!next.cancelled) next.run();
    await new Promise((r) => setImmediate(r));
    return next.ms;
  };
  return { informer, supervisor, pending, fire, advance: (ms: number) => (clock += ms), syncs: () => syncs };
}

describe('informer supervisor', () => {
  it('restarts a failing informer with growing delays until it syncs', async () => {
    const h = harness(['list fails', 'start rejects', 'list fails', 'ok']);
    await h.supervisor.start();
    assert.equal(h.supervisor.synced, false);
    assert.deepEqual([await h.fire(), await h.fire(), await h.fire()], [1000, 2000, 4000]);
    assert.equal(h.informer.running, true);
    assert.equal(h.supervisor.synced, true);
    assert.equal(h.syncs(), 1);
    assert.equal(h.pending.length, 0);
  });

  it('caps the delay', async () => {
    const h = harness(Array<Step>(6).fill('list fails'));
    await h.supervisor.start();
    const delays = [];
    for (let i = 0; i < 6; i++) delays.push(await h.fire());
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 8000, 8000]);
    assert.equal(h.informer.running, true);
  });

  it('starts the backoff again after a long healthy run', async () => {
    const h = harness(['list fails', 'ok', 'ok']);
    await h.supervisor.start();
    await h.fire();
    h.advance(120_000);
    h.informer.breakWatch();
    assert.equal(await h.fire(), 1000);
    assert.equal(h.informer.running, true);
    assert.equal(h.syncs(), 2);
  });

  it('does not restart once stopped', async () => {
    const h = harness(['list fails']);
    await h.supervisor.start();
    await h.supervisor.stop();
    await h.fire();
    assert.equal(h.informer.starts, 1);
    assert.equal(h.informer.running, false);
  });
});
