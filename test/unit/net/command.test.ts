import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandError, ExecRunner, commandArgv, retry } from '../../../src/net/command.js';
import { FakeRunner } from '../../../src/net/fake/index.js';

void describe('ExecRunner', () => {
  const runner = new ExecRunner();

  void it('kills a process that outlives its timeout and says so', async () => {
    const started = Date.now();
    await assert.rejects(runner.run('sleep', ['5'], { timeoutMs: 100 }), (err: unknown) => {
      assert.ok(err instanceof CommandError);
      assert.equal(err.timedOut, true);
      assert.match(err.message, /`sleep 5` timed out after 100 ms and was killed/);
      return true;
    });
    assert.ok(Date.now() - started < 2000, 'the process was killed, not waited for');
  });

  void it('throws a CommandError naming argv, exit code and stderr on a non-zero exit', async () => {
    await assert.rejects(runner.run('sh', ['-c', 'echo boom >&2; exit 3']), (err: unknown) => {
      assert.ok(err instanceof CommandError);
      assert.equal(err.code, 3);
      assert.equal(err.stderr, 'boom\n');
      assert.match(err.message, /`sh -c echo boom >&2; exit 3` exited with code 3: boom/);
      return true;
    });
  });

  void it('returns the failure as a result with allowFailure', async () => {
    const res = await runner.run('sh', ['-c', 'echo out; echo err >&2; exit 4'], { allowFailure: true });
    assert.deepEqual(res, { code: 4, stdout: 'out\n', stderr: 'err\n' });
  });

  void it('feeds input on stdin and passes arguments without a shell', async () => {
    const res = await runner.run('cat', [], { input: 'line one\nline two\n' });
    assert.equal(res.stdout, 'line one\nline two\n');
    const echoed = await runner.run('echo', ['$HOME', '; rm -rf /']);
    assert.equal(echoed.stdout, '$HOME ; rm -rf /\n');
  });

  void it('hides the arguments of a redacted command in its error', async () => {
    await assert.rejects(runner.run('sh', ['-c', 'exit 1', 'secret-psk-value'], { redact: true }), (err: unknown) => {
      assert.ok(err instanceof CommandError);
      assert.doesNotMatch(err.message, /secret-psk-value/);
      assert.deepEqual(err.argv, ['sh', '<arguments redacted>']);
      return true;
    });
  });

  void it('says when the program is not installed', async () => {
    await assert.rejects(runner.run('no-such-program-ksub', []), /"no-such-program-ksub" was not found on PATH/);
  });

  void it('refuses a timeout that is not positive', async () => {
    await assert.rejects(runner.run('true', [], { timeoutMs: 0 }), /invalid timeout 0 ms/);
  });
});

void describe('commandArgv', () => {
  void it('runs a command inside a namespace through ip netns exec', () => {
    assert.deepEqual(commandArgv('iptables-save', ['-t', 'nat'], 'ksub-n1'), ['ip', 'netns', 'exec', 'ksub-n1', 'iptables-save', '-t', 'nat']);
    assert.deepEqual(commandArgv('ip', ['link'], undefined), ['ip', 'link']);
  });

  void it('rejects a namespace name that could be read as an option or a path', () => {
    assert.throws(() => commandArgv('ip', [], '-all'), /invalid network namespace name "-all"/);
    assert.throws(() => commandArgv('ip', [], '../etc'), /invalid network namespace name/);
  });
});

void describe('retry', () => {
  const noSleep = async (): Promise<void> => undefined;

  void it('retries until the command succeeds', async () => {
    const runner = new FakeRunner()
      .failOn('ipsec whack --listen', { code: 1, stderr: 'whack: Pluto is not running' }, { once: true })
      .failOn('ipsec whack --listen', { code: 1, stderr: 'whack: Pluto is not running' }, { once: true })
      .on('ipsec whack --listen', { stdout: 'listening\n' });
    const res = await retry(() => runner.run('ipsec', ['whack', '--listen']), { tries: 3, delayMs: 5000, sleep: noSleep });
    assert.equal(res.stdout, 'listening\n');
    assert.equal(runner.callsTo('ipsec whack').length, 3);
  });

  void it('rethrows the last error when the tries run out', async () => {
    const runner = new FakeRunner().failOn('ipsec', { code: 2, stderr: 'still down' });
    await assert.rejects(retry(() => runner.run('ipsec', ['whack', '--listen']), { tries: 3, delayMs: 1, sleep: noSleep }), /exited with code 2: still down/);
    assert.equal(runner.calls.length, 3);
  });

  void it('stops at once when retryIf says the error is permanent', async () => {
    const runner = new FakeRunner().failOn('ipsec', { code: 2, stderr: 'bad option' });
    await assert.rejects(retry(() => runner.run('ipsec', ['whack']), { tries: 5, delayMs: 1, sleep: noSleep, retryIf: () => false }));
    assert.equal(runner.calls.length, 1);
  });

  void it('rejects a try count below one', async () => {
    await assert.rejects(retry(async () => 1, { tries: 0, delayMs: 1 }), /invalid retry count 0/);
  });
});
