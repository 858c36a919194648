// sandbox up/down as a user runs them, twice in a row: the host is left as it was (namespaces, links,
// processes, iptables). Needs root and the control-plane binaries; runs alone (the sandbox's host links
// are unique on a host).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { runCli } from '../../support/cli.js';
import { hostState } from '../../support/host-state.js';

describe('sandbox up/down', { skip: process.getuid?.() !== 0 ? 'needs root (network namespaces)' : false }, () => {
  it('twice in a row leaves the host as it was', () => {
    const env = { ...process.env, NO_COLOR: '1' };
    const before = hostState();
    for (let cycle = 1; cycle <= 2; cycle++) {
      const up = runCli(['sandbox', 'up'], env);
      assert.equal(up.code, 0, up.stderr);
      assert.match(up.stdout, /cluster1-worker +Ready/);
      const again = runCli(['sandbox', 'up'], env);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /already up; nothing was changed/);
      assert.notDeepEqual(hostState(), before, 'the sandbox changed the host while up');
      const down = runCli(['sandbox', 'down'], env);
      assert.equal(down.code, 0, down.stderr);
      assert.deepEqual(hostState(), before, `cycle ${cycle}`);
    }
  });

  it('down removes a fleet whose daemon crashed', () => {
    const env = { ...process.env, NO_COLOR: '1' };
    const before = hostState();
    const up = runCli(['sandbox', 'up', '--clusters', '1'], env);
    assert.equal(up.code, 0, up.stderr);
    const status = JSON.parse(runCli(['sandbox', 'status', '-o', 'json'], env).stdout) as { kubeconfig: string };
    assert.ok(status.kubeconfig);
    const daemon = execFileSync('pgrep', ['-f', 'sandbox/daemon.js sandbox '], { encoding: 'utf8' }).trim().split('\n')[0];
    process.kill(Number(daemon), 'SIGKILL');
    const down = runCli(['sandbox', 'down'], env);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(hostState(), before);
  });

  it('refuses bad options before creating anything', () => {
    const r = runCli(['sandbox', 'up', '--gateways', '3'], { ...process.env, NO_COLOR: '1' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--gateways 3 is more than --nodes 2/);
  });
});
