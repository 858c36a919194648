import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryLeaseStore } from '../../../../src/kube/fake/lease-store.js';
import { LeaderElector } from '../../../../src/kube/lease/elector.js';
import type { LeaseRecord, LeaseStore } from '../../../../src/kube/lease/store.js';
import { captureLogger } from '../../plugins/support.js';

/** Virtual time: sleepers wake in order as the test advances the clock. */
class FakeClock {
  t = 0;
  private waiters: { at: number; wake: () => void }[] = [];
  now = (): number => this.t;
  sleep = (ms: number): Promise<void> => new Promise((wake) => this.waiters.push({ at: this.t + ms, wake }));

  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const next = this.waiters.filter((w) => w.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.t = next.at;
      this.waiters = this.waiters.filter((w) => w !== next);
      next.wake();
    }
    this.t = end;
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

/** One candidate's view of the shared store; `cut` makes the API unreachable for that candidate only. */
class CandidateStore implements LeaseStore {
  cut = false;
  /** Reads fail (an API server answering writes only), writes still land. */
  cutReads = false;
  constructor(private readonly inner: MemoryLeaseStore) {}
  private check(): void {
    if (this.cut) throw new Error('connect ECONNREFUSED');
  }
  async get() {
    this.check();
    if (this.cutReads) throw new Error('the server was unable to return a response in the time allotted');
    return this.inner.get();
  }
  async create(r: LeaseRecord) {
    this.check();
    return this.inner.create(r);
  }
  async update(r: LeaseRecord, v: string) {
    this.check();
    return this.inner.update(r, v);
  }
}

function election(timing: { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number }) {
  const clock = new FakeClock();
  const shared = new MemoryLeaseStore();
  const events: string[] = [];
  /** `watching`: the candidate sees the shared store's changes as they happen (and cannot be cut off). */
  const candidate = (identity: string, watching = false) => {
    const store = new CandidateStore(shared);
    const elector = new LeaderElector({
      identity,
      store: watching ? shared : store,
      ...timing,
      log: captureLogger(),
      now: clock.now,
      sleep: clock.sleep,
      onStartedLeading: () => void events.push(`${identity} leads at ${clock.t}`),
      onStoppedLeading: () => void events.push(`${identity} stops at ${clock.t}`),
    });
    return { elector, store };
  };
  /** Another holder writes the lease over what is stored. */
  const intrude = async (): Promise<void> => {
    const held = await shared.get();
    assert.ok(held);
    await shared.update({ ...held.record, holderIdentity: 'intruder', renewTime: new Date(clock.t) }, held.resourceVersion);
  };
  return { clock, shared, events, candidate, intrude };
}

const DEFAULTS = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };
const FAST = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 500 };

void describe('lease leader election', () => {
  void it('the first candidate takes the free lease; the second waits while the leader renews', async () => {
    const { clock, shared, events, candidate } = election(DEFAULTS);
    const a = candidate('gw-a');
    void a.elector.start();
    await clock.advance(0);
    const b = candidate('gw-b');
    void b.elector.start();
    await clock.advance(60_000);
    assert.deepEqual(events, ['gw-a leads at 0']);
    assert.equal(shared.peek()?.holderIdentity, 'gw-a');
    assert.equal(shared.peek()?.leaseDurationSeconds, 15);
    assert.equal(shared.peek()?.renewTime?.getTime(), 60_000);
    assert.equal(a.elector.isLeader, true);
    assert.equal(b.elector.isLeader, false);
  });

  void it('a stopped leader releases the lease and the standby takes over within one retry period', async () => {
    const { clock, events, candidate, shared } = election(DEFAULTS);
    const a = candidate('gw-a');
    const b = candidate('gw-b');
    void a.elector.start();
    await clock.advance(0);
    void b.elector.start();
    await clock.advance(5_000);
    const stopping = a.elector.stop();
    await clock.advance(0);
    await stopping;
    await clock.advance(2_000);
    assert.deepEqual(events, ['gw-a leads at 0', 'gw-a stops at 5000', 'gw-b leads at 6000']);
    assert.equal(shared.peek()?.holderIdentity, 'gw-b');
    assert.equal(shared.peek()?.leaseTransitions, 1);
  });

  void it('a standby watching the lease takes over as soon as the stopped leader releases it', async () => {
    const { clock, events, candidate, shared } = election(DEFAULTS);
    const a = candidate('gw-a', true).elector;
    const b = candidate('gw-b', true).elector;
    void a.start();
    await clock.advance(0);
    void b.start();
    await clock.advance(5_000);
    const stopping = a.stop();
    await clock.advance(0);
    await stopping;
    await clock.advance(0);
    assert.deepEqual(events, ['gw-a leads at 0', 'gw-a stops at 5000', 'gw-b leads at 5000']);
    // The leader's own renewals do not wake it, and the standby keeps its pace while the lease is held.
    await clock.advance(60_000);
    assert.equal(shared.peek()?.holderIdentity, 'gw-b');
    assert.equal(shared.peek()?.renewTime?.getTime(), 65_000);
    // Writes: gw-a's create, two renewals and release; gw-b's takeover and 30 renewals, one per retry period.
    assert.equal((await shared.get())?.resourceVersion, '35');
    await b.stop();
  });

  void it('a leader cut off from the API steps down at the renew deadline, before the standby takes the expired lease', async () => {
    const { clock, events, candidate } = election(DEFAULTS);
    const a = candidate('gw-a');
    const b = candidate('gw-b');
    void a.elector.start();
    await clock.advance(0);
    void b.elector.start();
    await clock.advance(4_000);
    a.store.cut = true;
    await clock.advance(30_000);
    assert.equal(events[0], 'gw-a leads at 0');
    const stop = Number(/at (\d+)/.exec(events[1] ?? '')?.[1]);
    const takeover = Number(/at (\d+)/.exec(events[2] ?? '')?.[1]);
    assert.match(events[1] ?? '', /^gw-a stops/);
    assert.match(events[2] ?? '', /^gw-b leads/);
    assert.ok(stop < takeover, `no two leaders at once: ${JSON.stringify(events)}`);
  });

  void it('with LEADERSHIP 3 / 2 / 0.5 s a crashed leader is replaced in under 5 s', async () => {
    const { clock, events, candidate } = election(FAST);
    const a = candidate('gw-a');
    const b = candidate('gw-b');
    void a.elector.start();
    await clock.advance(0);
    void b.elector.start();
    await clock.advance(10_250);
    a.store.cut = true;
    const crashedAt = clock.t;
    await clock.advance(10_000);
    const takeover = events.find((e) => e.startsWith('gw-b leads'));
    assert.ok(takeover, JSON.stringify(events));
    const elapsed = Number(/at (\d+)/.exec(takeover)?.[1]) - crashedAt;
    assert.ok(elapsed < 5_000, `failover took ${elapsed} ms`);
  });

  void it('a leader renews over the version it last wrote, without reading the lease: it keeps leading while reads fail', async () => {
    const { clock, events, candidate, shared, intrude } = election(FAST);
    const a = candidate('gw-a');
    void a.elector.start();
    await clock.advance(0);
    const first = await shared.get();
    a.store.cutReads = true;
    await clock.advance(5_000);
    const now = await shared.get();
    assert.deepEqual(events, ['gw-a leads at 0']);
    assert.equal(now?.record.holderIdentity, 'gw-a');
    assert.equal(now?.record.renewTime?.getTime(), 5_000);
    assert.equal(now?.record.leaseTransitions, first?.record.leaseTransitions);
    // Another holder's write makes the next renewal conflict; the leader reads the lease, cannot, and steps down.
    await intrude();
    await clock.advance(3_000);
    assert.deepEqual(events, ['gw-a leads at 0', 'gw-a stops at 7000']);
    assert.equal((await shared.get())?.record.holderIdentity, 'intruder');
  });

  void it('a leader that lost the lease to another holder steps down', async () => {
    const { clock, events, candidate, intrude } = election(FAST);
    const a = candidate('gw-a');
    void a.elector.start();
    await clock.advance(0);
    await intrude();
    await clock.advance(3_000);
    assert.deepEqual(events, ['gw-a leads at 0', 'gw-a stops at 2000']);
  });

  void it('a paused leader loses the lease at its renew deadline, the standby takes over at the expiry, and the leader steps down on waking', async () => {
    // A retry period that does not divide the lease: a standby retrying on its period would take over later.
    const timing = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 700 };
    const { clock, events, candidate, shared } = election(timing);
    // gw-a's timers do not fire while it is paused (SIGSTOP), then all at once.
    let paused = false;
    const held: (() => void)[] = [];
    const a = new LeaderElector({
      identity: 'gw-a',
      store: shared,
      ...timing,
      log: captureLogger(),
      now: clock.now,
      sleep: (ms) => clock.sleep(ms).then(() => (paused ? new Promise<void>((r) => held.push(r)) : undefined)),
      onStartedLeading: () => void events.push(`gw-a leads at ${clock.t}`),
      onStoppedLeading: () => void events.push(`gw-a stops at ${clock.t}`),
    });
    const b = candidate('gw-b', true);
    void a.start();
    await clock.advance(0);
    void b.elector.start();
    await clock.advance(10_000);
    paused = true;
    const renewed = shared.peek()?.renewTime?.getTime() ?? NaN;
    assert.equal(renewed, 9_800, 'the last renewal before the pause');
    await clock.advance(renewed + 1_499 - clock.t);
    assert.equal(a.holdsLease, true, 'within the renew deadline of its last renewal');
    await clock.advance(1);
    assert.equal(a.holdsLease, false, 'the fence is down at the renew deadline, though gw-a has not run');
    await clock.advance(renewed + 2_500 - clock.t);
    assert.deepEqual(events, ['gw-a leads at 0', `gw-b leads at ${renewed + 2_000}`], 'gw-b takes over the moment the lease expires');
    const resumedAt = clock.t;
    paused = false;
    held.splice(0).forEach((wake) => wake());
    await clock.advance(10_000);
    assert.deepEqual(events, ['gw-a leads at 0', `gw-b leads at ${renewed + 2_000}`, `gw-a stops at ${resumedAt}`], 'one takeover, no flapping');
    assert.equal(shared.peek()?.holderIdentity, 'gw-b');
    assert.equal(shared.peek()?.leaseTransitions, 1);
    await a.stop();
    await b.elector.stop();
  });
});
