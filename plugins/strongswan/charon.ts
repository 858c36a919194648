import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorText, type Logger } from '../../src/base/log.js';
import type { CommandRunner, RunResult } from '../../src/net/command.js';
import { pathExists, stopStaleDaemon, type ChildHandle, type ExitStatus, type ProcessStarter } from '../process.js';
import { charonPlugins, SWANCTL_PLUGINS, type EspBackend } from './config.js';
import { strongswanEnv, type StrongswanInstall } from './install.js';
import { raiseUdpBuffers, SOCKET_BUFFER_BYTES } from './socket-buffers.js';
import { parseIkeError, type IkeError } from './ike-log.js';
import { parseListSas, type IkeSa } from './list-sas.js';

export const SWANCTL_TIMEOUT_MS = 15_000;
const SOCKET_WAIT_MS = 30_000;
/** charon's pid file path is compiled in; each charon gets its own file bound over it. */
export const CHARON_PID_FILE = '/var/run/charon.pid';
const KEEP_LINES = 30;

/**
 * Runs `"$@"` in a private mount namespace where the compiled-in pid file is this gateway's own file
 * ($1), so that several charons can share a host.
 */
const LAUNCH = `set -e; p=${CHARON_PID_FILE}; [ -e "$p" ] || : > "$p"; : > "$1"; mount --bind "$1" "$p"; shift; exec "$@"`;

/** The files of one gateway's charon, all under its state directory. */
export interface CharonPaths {
  dir: string;
  conf: string;
  swanctlConf: string;
  run: string;
  vici: string;
  pidFile: string;
}

export function charonPaths(dir: string): CharonPaths {
  const run = join(dir, 'run');
  return { dir, conf: join(dir, 'strongswan.conf'), swanctlConf: join(dir, 'swanctl', 'swanctl.conf'), run, vici: join(run, 'charon.vici'), pidFile: join(run, 'charon.pid') };
}

export interface CharonOptions {
  runner: CommandRunner;
  processes: ProcessStarter;
  log: Logger;
  paths: CharonPaths;
  install: StrongswanInstall;
  /** Called when charon exits without being asked to. */
  onExit?: (status: ExitStatus) => void;
  sleep?: (ms: number) => Promise<void>;
}

export const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One charon (strongSwan's IKE daemon) in the foreground, driven with swanctl over its vici socket. */
export class Charon {
  private child: ChildHandle | undefined;
  private readonly lastLines: string[] = [];
  /** The last IKE failure charon logged for each connection since it started. */
  private readonly ikeErrors = new Map<string, IkeError>();

  constructor(private readonly o: CharonOptions) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  get paths(): CharonPaths {
    return this.o.paths;
  }

  /** Creates the directories (0700) and writes strongswan.conf. */
  async prepare(strongswanConf: string): Promise<void> {
    const { paths } = this.o;
    for (const d of [paths.dir, paths.run, join(paths.dir, 'swanctl')]) {
      await mkdir(d, { recursive: true, mode: 0o700 });
      await chmod(d, 0o700);
    }
    await writeFile(paths.conf, strongswanConf, { mode: 0o600 });
  }

  /** Writes swanctl.conf (0600: it holds the PSK). */
  async writeSwanctlConf(text: string): Promise<void> {
    await writeFile(this.o.paths.swanctlConf, text, { mode: 0o600 });
    await chmod(this.o.paths.swanctlConf, 0o600);
  }

  async start(esp: EspBackend): Promise<void> {
    if (this.child) return;
    await this.stopStale();
    const { paths, install, log } = this.o;
    const env = strongswanEnv(install, charonPlugins(esp), paths.conf);
    const args = ['--mount', '--propagation', 'private', '--', 'sh', '-c', LAUNCH, 'charon', paths.pidFile, 'env', ...env, install.charon];
    this.lastLines.length = 0;
    this.ikeErrors.clear();
    const child = await this.o.processes.start('unshare', args, {
      onOutput: (line) => {
        this.lastLines.push(line);
        if (this.lastLines.length > KEEP_LINES) this.lastLines.shift();
        log.debug('charon', { line });
        const failure = parseIkeError(line);
        if (failure) this.recordIkeError(failure);
      },
    });
    this.child = child;
    void child.exited.then((status) => {
      if (this.child !== child) return;
      this.child = undefined;
      log.error('charon exited', { code: status.code, signal: status.signal, lastLines: this.lastLines.slice(-5) });
      this.o.onExit?.(status);
    });
    await this.waitForSocket(child);
    await this.raiseSocketBuffers(child.pid);
  }

  /** Larger buffers on charon's UDP sockets (see socket-buffers.ts); without them the tunnel works, slower. */
  private async raiseSocketBuffers(pid: number | undefined): Promise<void> {
    try {
      // unshare, sh and env exec one another: the process started is charon.
      if (pid === undefined) throw new Error('charon has no process ID');
      const sockets = await raiseUdpBuffers(this.o.runner, pid);
      this.o.log.info('raised the buffers of charon\'s UDP sockets', { sockets, bytes: SOCKET_BUFFER_BYTES });
    } catch (err) {
      this.o.log.warn('could not raise the buffers of charon\'s UDP sockets: ESP bursts may be dropped at its socket', { error: errorText(err) });
    }
  }

  private recordIkeError(failure: IkeError): void {
    const previous = this.ikeErrors.get(failure.connection);
    if (previous?.message !== failure.message) this.o.log.warn('IKE failure', { connection: failure.connection, error: failure.message });
    // An authentication failure explains the cable better than what follows it (the SA's deletion, a retry's timeout).
    if (previous?.authentication && !failure.authentication) return;
    this.ikeErrors.set(failure.connection, failure);
  }

  /** The last IKE failure of the connection since charon started or it was forgotten. */
  ikeError(name: string): IkeError | undefined {
    return this.ikeErrors.get(name);
  }

  /** Forgets the connection's IKE failures (it is up, or it was unloaded). */
  forgetIkeError(name: string): void {
    this.ikeErrors.delete(name);
  }

  private async waitForSocket(child: ChildHandle): Promise<void> {
    const sleep = this.o.sleep ?? realSleep;
    let exited = false;
    void child.exited.then(() => (exited = true));
    for (let waited = 0; waited < SOCKET_WAIT_MS; waited += 100) {
      if (await pathExists(this.o.paths.vici)) return;
      if (exited) throw new Error(`charon exited before opening its vici socket: ${this.lastLines.slice(-5).join(' | ') || 'no output'}`);
      await sleep(100);
    }
    throw new Error(`charon did not open its vici socket ${this.o.paths.vici} within ${SOCKET_WAIT_MS / 1000} s`);
  }

  /** A charon an earlier run of this gateway left holds our pid file and socket: stop it. */
  private async stopStale(): Promise<void> {
    await stopStaleDaemon(this.o.paths.pidFile, 'charon', { log: this.o.log, sleep: this.o.sleep ?? realSleep });
    await rm(this.o.paths.vici, { force: true });
  }

  /** `swanctl args...` against this charon. */
  swanctl(args: readonly string[], allowFailure = false): Promise<RunResult> {
    const { install, paths } = this.o;
    return this.o.runner.run('env', [...strongswanEnv(install, SWANCTL_PLUGINS, paths.conf), install.swanctl, ...args], { timeoutMs: SWANCTL_TIMEOUT_MS, allowFailure });
  }

  /** Loads swanctl.conf: new and changed connections, the secret; connections no longer there are unloaded. */
  async loadAll(): Promise<void> {
    await this.swanctl(['--load-all', '--file', this.o.paths.swanctlConf]);
  }

  async listSas(): Promise<IkeSa[]> {
    return parseListSas((await this.swanctl(['--list-sas', '--noblock'])).stdout);
  }

  /** Starts the connection's IKE and CHILD SA; returns after at most 2 s while charon goes on trying. */
  async initiate(name: string): Promise<void> {
    const res = await this.swanctl(['--initiate', '--ike', name, '--child', name, '--timeout', '2'], true);
    if (res.code !== 0) this.o.log.debug('initiate did not complete yet', { connection: name, output: lastLine(res) });
  }

  /** Deletes the connection's SAs; SAs that are not there are not an error. */
  async terminate(name: string): Promise<void> {
    await this.swanctl(['--terminate', '--ike', name, '--force', '--timeout', '2'], true);
  }

  /** Stops our charon (SIGTERM: it removes its TUN device, routes and rule), or the one an earlier run left. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    await child?.stop();
    await this.stopStale();
  }
}

function lastLine(res: RunResult): string {
  return (res.stdout + res.stderr).trim().split('\n').at(-1) ?? '';
}


const PROBE_SPI = '0x5eb0a1e5';
const PROBE_SA = ['src', '127.0.0.1', 'dst', '127.0.0.1', 'proto', 'esp', 'spi', PROBE_SPI];

/**
 * Whether the kernel does the ESP charon would negotiate (AES-GCM): adds and deletes a throwaway
 * xfrm state in this network namespace. Kernels without ESP get userspace ESP (kernel-libipsec).
 */
export async function detectEsp(runner: CommandRunner): Promise<{ esp: EspBackend; reason: string }> {
  const add = await runner.run('ip', ['xfrm', 'state', 'add', ...PROBE_SA, 'mode', 'tunnel', 'aead', 'rfc4106(gcm(aes))', `0x${'00'.repeat(20)}`, '128'], {
    allowFailure: true,
  });
  if (add.code === 0) {
    await runner.run('ip', ['xfrm', 'state', 'delete', ...PROBE_SA], { allowFailure: true });
    return { esp: 'kernel-netlink', reason: 'the kernel has ESP with AES-GCM (xfrm)' };
  }
  return { esp: 'kernel-libipsec', reason: `the kernel has no usable ESP (${add.stderr.trim() || `ip xfrm exited ${add.code}`}): ESP runs in userspace, in UDP` };
}
