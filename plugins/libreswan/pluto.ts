import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../src/base/log.js';
import { retry, type CommandRunner } from '../../src/net/command.js';
import { pathExists, stopStaleDaemon, type ChildHandle, type ProcessStarter } from '../process.js';
import { parseEstablishedIke, parseTrafficStatus, type TrafficStatus } from './whack-status.js';

export const WHACK_TIMEOUT_MS = 5000;
const CTL_WAIT_MS = 60_000;

/** The directories of one gateway's pluto, so that several plutos can share a host. */
export interface PlutoDirs {
  /** pluto.ctl and pluto.pid */
  run: string;
  /** ipsec.d: the secrets file and the rendered ipsec.conf */
  ipsecd: string;
  /** The NSS database. */
  nss: string;
}

export function plutoDirs(stateDir: string): PlutoDirs {
  return { run: join(stateDir, 'run'), ipsecd: join(stateDir, 'ipsec.d'), nss: join(stateDir, 'nss') };
}

export interface PlutoOptions {
  runner: CommandRunner;
  processes: ProcessStarter;
  log: Logger;
  dirs: PlutoDirs;
  debug: boolean;
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One pluto (Libreswan's IKE daemon) in the foreground, and `ipsec whack` against its control socket. */
export class Pluto {
  private child: ChildHandle | undefined;

  constructor(private readonly o: PlutoOptions) {}

  get secretsFile(): string {
    return join(this.o.dirs.ipsecd, 'submariner.secrets');
  }

  get confFile(): string {
    return join(this.o.dirs.ipsecd, 'submariner.conf');
  }

  get ctlSocket(): string {
    return join(this.o.dirs.run, 'pluto.ctl');
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Creates the directories (0700) and the NSS database; writes the secrets file (0600). */
  async prepare(secrets: string): Promise<void> {
    const { dirs } = this.o;
    for (const d of [dirs.run, dirs.ipsecd, dirs.nss]) {
      await mkdir(d, { recursive: true, mode: 0o700 });
      await chmod(d, 0o700);
    }
    await writeFile(this.secretsFile, secrets, { mode: 0o600 });
    await chmod(this.secretsFile, 0o600);
    if (!(await pathExists(join(dirs.nss, 'cert9.db')))) {
      await this.o.runner.run('ipsec', ['initnss', '--nssdir', dirs.nss], { timeoutMs: 30_000 });
    }
  }

  async start(): Promise<void> {
    if (this.child) return;
    await this.stopStale();
    const { dirs, log } = this.o;
    const args = ['--nofork', '--rundir', dirs.run, '--ipsecdir', dirs.ipsecd, '--nssdir', dirs.nss, '--secretsfile', this.secretsFile, '--dumpdir', dirs.run];
    if (this.o.debug) args.push('--stderrlog');
    const child = await this.o.processes.start('ipsec', ['pluto', ...args], { onOutput: (line) => log.debug('pluto', { line }) });
    this.child = child;
    void child.exited.then((s) => {
      if (this.child !== child) return;
      this.child = undefined;
      log.error('pluto exited', { code: s.code, signal: s.signal });
    });
    await this.waitForSocket(child);
    await this.whack('--listen');
    if (this.o.debug) await this.whack('--debug', 'base');
  }

  /** A pluto left running by an earlier run of this gateway holds our pid file and socket: stop it. */
  private async stopStale(): Promise<void> {
    await stopStaleDaemon(join(this.o.dirs.run, 'pluto.pid'), 'pluto', { log: this.o.log, sleep: this.o.sleep ?? realSleep });
    await rm(this.ctlSocket, { force: true });
  }

  private async waitForSocket(child: ChildHandle): Promise<void> {
    const sleep = this.o.sleep ?? realSleep;
    let exited = false;
    void child.exited.then(() => (exited = true));
    for (let waited = 0; waited < CTL_WAIT_MS; waited += 100) {
      if (await pathExists(this.ctlSocket)) return;
      if (exited) throw new Error('pluto exited before opening its control socket (run with CE_IPSEC_DEBUG=true to see its log)');
      await sleep(100);
    }
    throw new Error(`pluto did not open its control socket ${this.ctlSocket} within ${CTL_WAIT_MS / 1000} s`);
  }

  /** `ipsec whack --ctlsocket <ours> args...`, 5 s per try, 3 tries. */
  async whack(...args: string[]): Promise<string> {
    const argv = ['whack', '--ctlsocket', this.ctlSocket, ...args];
    const res = await retry(() => this.o.runner.run('ipsec', argv, { timeoutMs: WHACK_TIMEOUT_MS }), {
      tries: 3,
      delayMs: 1000,
      ...(this.o.sleep ? { sleep: this.o.sleep } : {}),
    });
    return res.stdout;
  }

  /** Deletes a connection; one pluto does not know is not an error. */
  async deleteConnection(name: string): Promise<void> {
    const res = await this.o.runner.run('ipsec', ['whack', '--ctlsocket', this.ctlSocket, '--delete', '--name', name], {
      timeoutMs: WHACK_TIMEOUT_MS,
      allowFailure: true,
    });
    if (res.code !== 0 && !/no (such )?connection/i.test(res.stdout + res.stderr)) {
      this.o.log.warn('could not delete an IPsec connection', { connection: name, output: (res.stdout + res.stderr).trim() });
    }
  }

  async trafficStatus(): Promise<Map<string, TrafficStatus>> {
    return parseTrafficStatus(await this.whack('--trafficstatus'));
  }

  async establishedIke(): Promise<Set<string>> {
    return parseEstablishedIke(await this.whack('--showstates'));
  }

  /** Stops our pluto, or the one an earlier run of this gateway left behind. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    await child?.stop();
    await this.stopStale();
  }
}
