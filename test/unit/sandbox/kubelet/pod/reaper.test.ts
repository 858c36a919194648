import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { parseReport, ReaperExits } from '../../../../../src/sandbox/kubelet/pod/reaper.js';
import { exitCode } from '../../../../../src/sandbox/kubelet/pod/runtime.js';

/** A report stream, the pids alive and a clock, as ReaperExits sees them. */
function reaper(): { exits: ReaperExits; report: (line: string) => Promise<void>; alive: Set<number>; clock: { now: number } } {
  const stream = new PassThrough();
  const alive = new Set<number>();
  const clock = { now: 0 };
  const exits = new ReaperExits(stream, (pid) => alive.has(pid), () => clock.now);
  const report = async (line: string): Promise<void> => {
    stream.write(`${line}\n`);
    await new Promise((r) => setImmediate(r));
  };
  return { exits, report, alive, clock };
}

describe('subreaper exits', () => {
  it('reads exit codes and signals, and skips what is not a report', () => {
    assert.deepEqual(parseReport('4242 exit 3'), { pid: 4242, exit: { code: 3, signal: null } });
    assert.deepEqual(parseReport('4242 signal 15'), { pid: 4242, exit: { code: null, signal: 'SIGTERM' } });
    assert.deepEqual(parseReport('4242 signal 9'), { pid: 4242, exit: { code: null, signal: 'SIGKILL' } });
    assert.equal(parseReport('ksub-reaper: wait: no child processes'), undefined);
    assert.equal(parseReport('12 exit'), undefined);
  });

  it('reports as a container runtime does: the code, or 128 and the signal number', () => {
    const code = (line: string): number | undefined => {
      const r = parseReport(line);
      return r && exitCode(r.exit);
    };
    assert.equal(code('7 exit 3'), 3);
    assert.equal(code('7 signal 9'), 137);
    assert.equal(code('7 signal 15'), 143);
    assert.equal(code('7 signal 10'), 138); // SIGUSR1
    assert.equal(code('7 signal 6'), 134); // SIGABRT
  });

  it('gives a waiting container its exit, and one reported before anyone waited', async () => {
    const { exits, report } = reaper();
    const waiting = exits.exitOf(100);
    await report('200 exit 0');
    await report('100 signal 15');
    assert.deepEqual(await waiting, { code: null, signal: 'SIGTERM' });
    assert.deepEqual(await exits.exitOf(200), { code: 0, signal: null });
  });

  it('an early exit of a pid that runs again belonged to an earlier process: the new one waits for its own', async () => {
    const { exits, report, alive } = reaper();
    await report('300 exit 1');
    alive.add(300);
    let settled = false;
    const waiting = exits.exitOf(300).then((e) => ((settled = true), e));
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, false);
    await report('300 exit 2');
    assert.deepEqual(await waiting, { code: 2, signal: null });
  });

  it('forgets exits no one claimed within a minute', async () => {
    const { exits, report, clock } = reaper();
    await report('400 exit 5');
    clock.now = 61_000;
    await report('401 exit 0');
    let settled = false;
    void exits.exitOf(400).then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, false);
    assert.deepEqual(await exits.exitOf(401), { code: 0, signal: null });
  });
});
