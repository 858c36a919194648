import { spawn } from 'node:child_process';
import { access, readFile, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { CommandError, commandArgv } from '../src/net/command.js';

export interface StartOptions {
  /** Run inside this named network namespace. */
  netns?: string | undefined;
  /** Extra environment variables. */
  env?: Record<string, string> | undefined;
  /** Each line the process writes to stdout or stderr. */
  onOutput?: ((line: string) => void) | undefined;
}

export interface ExitStatus {
  code: number | null;
  signal: string | null;
}

/** A long-running child process (a daemon kept in the foreground). */
export interface ChildHandle {
  readonly pid: number | undefined;
  /** Resolves when the process has exited, for whatever reason. */
  readonly exited: Promise<ExitStatus>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** The seam through which drivers start daemons (wireguard-go, pluto); commands go through CommandRunner. */
export interface ProcessStarter {
  /** Resolves once the process runs; rejects when it cannot start (not installed, not executable). */
  start(file: string, args: readonly string[], options?: StartOptions): Promise<ChildHandle>;
}

/** Starts real processes with node:child_process (no shell). */
export class SpawnStarter implements ProcessStarter {
  constructor(private readonly env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C' }) {}

  start(file: string, args: readonly string[], options: StartOptions = {}): Promise<ChildHandle> {
    const argv = commandArgv(file, args, options.netns);
    const [program, ...rest] = argv as [string, ...string[]];
    return new Promise((resolve, reject) => {
      const child = spawn(program, rest, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...this.env, ...options.env }, shell: false });
      const exited = new Promise<ExitStatus>((done) => child.once('exit', (code, signal) => done({ code, signal })));
      for (const stream of [child.stdout, child.stderr]) {
        const lines = createInterface({ input: stream });
        lines.on('line', (line) => options.onOutput?.(line));
      }
      child.once('error', (e: NodeJS.ErrnoException) => {
        const reason = e.code === 'ENOENT' ? `could not start: "${program}" was not found on PATH (install it or fix PATH)` : `could not start: ${e.message}`;
        reject(new CommandError(argv, { code: null }, { reason }, { cause: e }));
      });
      child.once('spawn', () => {
        resolve({
          pid: child.pid,
          exited,
          stop: async (graceMs = 5000) => {
            if (child.exitCode !== null || child.signalCode !== null) return;
            child.kill('SIGTERM');
            const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
            await exited;
            clearTimeout(timer);
          },
        });
      });
    });
  }
}

export async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops the daemon named `comm` whose pid `pidFile` holds (one an earlier run of this gateway left),
 * waiting up to 5 s for it to go, then removes the pid file.
 */
export async function stopStaleDaemon(pidFile: string, comm: string, o: { log: { info: (m: string, f?: Record<string, unknown>) => void }; sleep: (ms: number) => Promise<void> }): Promise<void> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (Number.isInteger(pid) && pid > 1) {
    const running = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
    if (running === comm) {
      o.log.info(`stopping the ${comm} an earlier run left`, { pid });
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
      for (let i = 0; i < 50 && (await pathExists(`/proc/${pid}`)); i++) await o.sleep(100);
    }
  }
  await rm(pidFile, { force: true });
}
