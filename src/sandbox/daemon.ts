// The sandbox daemon: started detached by `kubectl submariner sandbox up`, it builds the fleet, reports its
// progress to <state>/progress.jsonl, keeps the kubelets running, and tears everything down on SIGTERM.
// It runs under ksub-reaper (src/sandbox/binaries/reaper), which adopts the containers runc starts detached.
// Usage: ksub-reaper node daemon.js <fleet-name> <options-json>
import { join } from 'node:path';
import { ExecRunner } from '../net/command.js';
import { subreaper } from './kubelet/pod/reaper.js';
import { ProgressLog } from './progress.js';
import { Sandbox, teardownSandbox } from './sandbox.js';
import { FleetState } from './state.js';
import type { SandboxOptions } from './topology.js';

async function main(): Promise<void> {
  const [name, optionsJson] = process.argv.slice(2);
  if (name === undefined || optionsJson === undefined) throw new Error('usage: daemon.js <fleet-name> <options-json>');
  const state = FleetState.load(name);
  if (!state) throw new Error(`fleet ${name} has no state directory`);
  // Taken before any process starts: the subreaper's report pipe is this process's alone.
  subreaper();
  const runner = new ExecRunner();
  const progress = new ProgressLog(join(state.dir, 'progress.jsonl'));
  const sandbox = new Sandbox(JSON.parse(optionsJson) as SandboxOptions, state, runner, progress);

  let stopping: Promise<void> | undefined;
  const stop = (code: number): void => {
    stopping ??= (async () => {
      await sandbox.down().catch(() => undefined);
      await teardownSandbox(runner, state).catch(() => undefined);
      process.exit(code);
    })();
  };
  process.on('SIGTERM', () => stop(0));
  process.on('SIGINT', () => stop(0));
  process.on('SIGHUP', () => undefined);

  try {
    await sandbox.up();
    progress.ready();
  } catch (err) {
    process.stderr.write(`sandbox failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    stop(1);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
