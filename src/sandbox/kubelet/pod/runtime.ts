import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { killGroup } from '../../controlplane/process.js';
import { ContainerLog } from './logs.js';
import { shellQuote } from './sandbox-plan.js';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The exit code a container runtime reports: the code, or 128 + the signal number. */
export function exitCode(e: Exit): number {
  if (e.code !== null) return e.code;
  return 128 + (e.signal ? constants.signals[e.signal] : 0);
}

export const baseEnv: Record<string, string> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/root',
  // Host programs the agents call (strongSwan) are unpacked into the machine's cache.
  ...(process.env.KSUB_CACHE ? { KSUB_CACHE: process.env.KSUB_CACHE } : {}),
};

/** How a spawned process ends: its exit, or 127 when it could not be started. */
export function watchExit(child: ChildProcess): Promise<Exit> {
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: 127, signal: null }));
  });
}

/** `script` gives the command a pseudo-terminal when the client asked for a TTY. */
export function ttyArgv(command: readonly string[]): string[] {
  return ['script', '-qfec', command.map(shellQuote).join(' '), '/dev/null'];
}

/** Stops a process group: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopGroup(pid: number, exited: Promise<Exit>, graceMs: number): Promise<Exit> {
  killGroup(pid, 'SIGTERM');
  const done = await Promise.race([exited, sleep(graceMs).then(() => undefined)]);
  // What the group's leader left behind goes too.
  killGroup(pid, 'SIGKILL');
  return done ?? exited;
}

/**
 * The pod's pause process: started in the pod's (or node's) network namespace with private mount and
 * UTS namespaces, where the setup script mounts the pod's filesystem view and then execs the pause program.
 */
export class PauseProcess {
  private constructor(
    readonly pid: number,
    readonly exited: Promise<Exit>,
  ) {}

  /** `sharePid`: the pause process is the first of a PID namespace that the pod's containers join. */
  static async start(netnsPath: string, script: string, timeoutMs = 15_000, sharePid = false): Promise<PauseProcess> {
    const pid = sharePid ? ['--pid', '--fork'] : [];
    const child = spawn('nsenter', [`--net=${netnsPath}`, 'unshare', '--mount', '--uts', ...pid, '--propagation', 'private', '/bin/sh', script], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: baseEnv,
    });
    const exited = watchExit(child);
    let out = '';
    let err = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
    const ready = new Promise<boolean>((resolve) => {
      child.stdout?.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.includes('ready\n')) resolve(true);
      });
    });
    const first = await Promise.race([ready, exited.then(() => false), sleep(timeoutMs).then(() => false)]);
    if (!first || child.pid === undefined) {
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      throw new Error(`cannot set up the pod sandbox: ${err.trim() || 'the setup script did not finish'}`);
    }
    child.stdout?.resume();
    child.stderr?.resume();
    return new PauseProcess(child.pid, exited);
  }

  /** The PID namespace of the pause program (the pod's, when it was started with `sharePid`). */
  pidNamespacePath(): string {
    const children = readFileSync(`/proc/${this.pid}/task/${this.pid}/children`, 'utf8').trim().split(/\s+/);
    return `/proc/${children[0] || this.pid}/ns/pid`;
  }

  async stop(): Promise<void> {
    killGroup(this.pid, 'SIGKILL');
    await this.exited;
  }
}

export interface ProcessSpec {
  /** Enter this process's network and mount namespaces. */
  pausePid: number;
  argv: string[];
  env: Record<string, string>;
  workingDir?: string | undefined;
}

/** The argv that runs `argv` inside the pod: `nsenter -t <pause> -n -m -u --wd=<dir> -- argv`. */
export function podArgv(spec: ProcessSpec): string[] {
  return ['nsenter', '-t', String(spec.pausePid), '-n', '-m', '-u', `--wd=${spec.workingDir || '/'}`, '--', ...spec.argv];
}

/** A container's main process, in its own process group, output into its log. */
export class ContainerProcess {
  readonly startedAt = new Date();

  private constructor(
    private readonly child: ChildProcess,
    private readonly spec: ProcessSpec,
    readonly pid: number,
    readonly exited: Promise<Exit>,
    readonly log: ContainerLog,
  ) {}

  get id(): string {
    return `sandbox://${this.pid}`;
  }

  static start(spec: ProcessSpec, logFile: string): ContainerProcess {
    const [file, ...args] = podArgv(spec) as [string, ...string[]];
    const child = spawn(file, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...baseEnv, ...spec.env } });
    const exited = watchExit(child);
    const log = new ContainerLog(logFile);
    if (child.stdout) log.attach(child.stdout, 'stdout');
    if (child.stderr) log.attach(child.stderr, 'stderr');
    if (child.pid === undefined) {
      log.close();
      throw new Error(`cannot start ${spec.argv[0] ?? 'container'}: nsenter did not start`);
    }
    return new ContainerProcess(child, spec, child.pid, exited, log);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(graceMs: number): Promise<Exit> {
    return stopGroup(this.pid, this.exited, graceMs);
  }

  /** Runs in the pod's namespaces with the container's environment and working directory. */
  exec(command: readonly string[], tty: boolean): { argv: string[]; env: Record<string, string> } {
    const argv = podArgv({ ...this.spec, argv: tty ? ttyArgv(command) : [...command] });
    return { argv, env: { ...baseEnv, ...this.spec.env } };
  }

  /** A host process leaves nothing behind. */
  remove(): Promise<void> {
    return Promise.resolve();
  }
}
