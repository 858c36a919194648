import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, killGroup } from '../../controlplane/process.js';

export interface ForwarderSpec {
  netns: string;
  address: string;
  port: number;
  socketPath: string;
  /** The compiled forwarder script. */
  script: string;
  /** Its pid is kept here, so that a restarted kubelet stops the one a crashed run left. */
  pidFile: string;
}

/** The compiled JavaScript of a project script, with a clear error when the build is missing. */
export function builtScript(repoRoot: string, path: string): string {
  const file = join(repoRoot, 'dist', path);
  if (!existsSync(file)) throw new Error(`${file} is missing: build the project first (npm run build)`);
  return file;
}

/** The process, in the node's network namespace, that carries <address>:<port> to the kubelet's unix socket. */
export class ForwarderProcess {
  private child: ChildProcess | undefined;

  constructor(private readonly spec: ForwarderSpec) {}

  async start(timeoutMs = 10_000): Promise<number> {
    const { spec } = this;
    await stopRecordedForwarder(spec.pidFile);
    const child = spawn('nsenter', [`--net=/run/netns/${spec.netns}`, process.execPath, spec.script, spec.address, String(spec.port), spec.socketPath], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
    });
    this.child = child;
    if (child.pid !== undefined) writeFileSync(spec.pidFile, String(child.pid));
    let err = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
    const listening = new Promise<boolean>((resolve) => {
      child.stdout?.setEncoding('utf8').on('data', (d: string) => d.includes('listening') && resolve(true));
      child.once('exit', () => resolve(false));
      child.once('error', () => resolve(false));
    });
    const ok = await Promise.race([listening, sleep(timeoutMs).then(() => false)]);
    if (!ok) {
      await this.stop();
      throw new Error(`the kubelet port forwarder for ${spec.address}:${spec.port} in netns ${spec.netns} did not start: ${err.trim() || 'no output'}`);
    }
    child.unref();
    child.channel?.unref();
    return child.pid ?? 0;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      killGroup(child.pid, 'SIGTERM');
      await Promise.race([exited, sleep(2000)]);
      killGroup(child.pid, 'SIGKILL');
    }
    rmSync(this.spec.pidFile, { force: true });
  }
}

/** Stops the forwarder whose pid an earlier run recorded. */
export async function stopRecordedForwarder(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  if (Number.isInteger(pid) && pid > 1 && isAlive(pid) && cmdline(pid).includes('forwarder')) {
    killGroup(pid, 'SIGKILL');
    for (let i = 0; i < 40 && isAlive(pid); i++) await sleep(50);
  }
  rmSync(pidFile, { force: true });
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}
