import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProcessSpec {
  name: string;
  file: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * A child process of the sandbox, in its own process group so that a Ctrl-C on the CLI does not reach it,
 * with its output in a log file. `stop()` sends SIGTERM, then SIGKILL after a grace period.
 */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> | undefined;
  exitCode: number | null | undefined;

  constructor(readonly spec: ProcessSpec) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.exitCode === undefined;
  }

  start(): number {
    const fd = openSync(this.spec.logFile, 'a');
    try {
      this.child = spawn(this.spec.file, this.spec.args, {
        cwd: this.spec.cwd,
        env: this.spec.env ?? process.env,
        stdio: ['ignore', fd, fd],
        detached: true,
      });
    } finally {
      closeSync(fd);
    }
    const child = this.child;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? 128 : null);
        resolve(this.exitCode);
      });
      child.once('error', () => {
        this.exitCode = 127;
        resolve(127);
      });
    });
    if (child.pid === undefined) throw new Error(`cannot start ${this.spec.name} (${this.spec.file})`);
    return child.pid;
  }

  async stop(graceMs = 5000): Promise<void> {
    if (!this.running || this.child?.pid === undefined) return;
    killGroup(this.child.pid, 'SIGTERM');
    const done = await Promise.race([this.exited, sleep(graceMs).then(() => 'timeout' as const)]);
    if (done === 'timeout') {
      killGroup(this.child.pid, 'SIGKILL');
      await this.exited;
    }
  }
}

/** Signals a process group (the sandbox starts every process as a group leader); ignores a group that is gone. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops processes recorded by an earlier run (possibly crashed): SIGTERM, wait, then SIGKILL. */
export async function stopPids(pids: number[], graceMs = 5000): Promise<void> {
  const alive = pids.filter(isAlive);
  for (const pid of alive) killGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && alive.some(isAlive)) await sleep(100);
  for (const pid of alive.filter(isAlive)) killGroup(pid, 'SIGKILL');
  while (alive.some(isAlive)) await sleep(50);
}
