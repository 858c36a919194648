import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
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

export interface WaitHttpOptions {
  /** CA of an https endpoint; without it (and with insecure) any certificate is accepted. */
  ca?: string;
  /** Accept any serving certificate (the self-signed health ports of library-go processes). */
  insecure?: boolean;
  token?: string;
  /** How the process is named in errors. */
  what?: string;
  timeoutMs?: number;
}

/** Polls `url` until it answers 200; fails early, with the end of its log, when the process exits. */
export async function waitHttpReady(proc: ManagedProcess, url: string, o: WaitHttpOptions = {}): Promise<void> {
  const timeoutMs = o.timeoutMs ?? 120_000;
  const what = o.what ?? proc.spec.name;
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (!proc.running) {
      throw new Error(`${what} exited (code ${String(proc.exitCode)}); see ${proc.spec.logFile}:\n${logTail(proc.spec.logFile)}`);
    }
    const res = await httpGet(url, o).catch((err: Error) => ({ status: 0, body: err.message }));
    if (res.status === 200) return;
    last = `${res.status} ${res.body.slice(0, 300)}`;
    await sleep(250);
  }
  throw new Error(`${what} not ready after ${timeoutMs / 1000}s (${url}: ${last})`);
}

/** The last lines of a log file ('' when it cannot be read). */
export function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function httpGet(url: string, o: WaitHttpOptions): Promise<{ status: number; body: string }> {
  if (url.startsWith('http://')) {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return { status: res.status, body: await res.text() };
  }
  return new Promise((resolve, reject) => {
    const headers = o.token ? { authorization: `Bearer ${o.token}` } : {};
    const req = request(url, { ca: o.ca, rejectUnauthorized: o.insecure !== true, headers, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
