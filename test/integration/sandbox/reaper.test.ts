// The sandbox daemon's subreaper (ksub-reaper) with real processes: what is orphaned below its command is adopted,
// and how it ended reaches the command through subreaper(). Needs the ksub-reaper binary (npm run setup).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { binaries } from '../../../src/sandbox/binaries/versions.js';

const bins = binaries();
const skip = existsSync(bins.reaper) ? false : `needs ${bins.reaper} (npm run setup)`;
const reaperModule = fileURLToPath(new URL('../../../src/sandbox/kubelet/pod/reaper.ts', import.meta.url));

// Under the subreaper: two processes whose parent exits at once (as `runc run --detach` does), one exiting with 7,
// one killed by SIGTERM; the command prints what subreaper() reported and exits with 4.
const command = `
import { spawnSync } from 'node:child_process';
import { subreaper } from ${JSON.stringify(reaperModule)};
const r = subreaper();
const orphan = (script) => Number(spawnSync('sh', ['-c', '(' + script + ') >/dev/null 2>&1 & echo $!']).stdout.toString().trim());
const coded = orphan('sleep 0.3; exit 7');
const killed = orphan("exec sh -c 'sleep 0.3; kill -TERM $$'");
const alive = setInterval(() => undefined, 1000); // the report pipe does not hold the event loop open
const exits = await Promise.all([r.exits.exitOf(coded), r.exits.exitOf(killed)]);
clearInterval(alive);
console.log(JSON.stringify({ reaper: r.pid, ppid: process.ppid, exits, env: process.env.KSUB_REAPER_FD ?? null }));
process.exit(4);
`;

describe('ksub-reaper', { skip }, () => {
  it('reports the exit code or signal of each process it adopts, and exits as its command does', () => {
    const run = spawnSync(bins.reaper, [process.execPath, '--import', 'tsx', '--input-type=module', '-e', command], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(run.status, 4, run.stderr);
    const said = JSON.parse(run.stdout.trim()) as { reaper: number; ppid: number; exits: unknown[]; env: string | null };
    assert.equal(said.reaper, said.ppid);
    assert.deepEqual(said.exits, [{ code: 7, signal: null }, { code: null, signal: 'SIGTERM' }]);
    assert.equal(said.env, null, 'the processes the command starts do not inherit KSUB_REAPER_FD');
  });

  it('killed, takes its command with it', async () => {
    const reaper = spawn(bins.reaper, ['sleep', '60'], { stdio: 'ignore' });
    let command = '';
    while (command === '') {
      await sleep(20);
      command = spawnSync('pgrep', ['-P', String(reaper.pid)], { encoding: 'utf8' }).stdout.trim();
    }
    assert.ok(existsSync(`/proc/${command}`));
    reaper.kill('SIGKILL');
    const deadline = Date.now() + 5000;
    while (existsSync(`/proc/${command}`) && Date.now() < deadline) await sleep(20);
    assert.equal(existsSync(`/proc/${command}`), false, 'the command outlived its subreaper');
  });

  it('says how it is used, and fails on a command that does not exist', () => {
    assert.equal(spawnSync(bins.reaper, [], { encoding: 'utf8' }).status, 2);
    const missing = spawnSync(bins.reaper, ['no-such-command-here'], { encoding: 'utf8' });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /ksub-reaper: .*no-such-command-here/);
  });
});
