import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RecordedCall, Reply } from '../../src/net/fake/runner.js';
import type { FakeProcess } from './processes.js';

export interface FakeSa {
  /** CONNECTING or ESTABLISHED. */
  ike: string;
  /** The CHILD_SA's state (INSTALLED, ...), when there is one. */
  child?: string | undefined;
  mode?: string | undefined;
  inBytes?: number | undefined;
  outBytes?: number | undefined;
}

/**
 * A stateful charon behind swanctl: starting charon (through FakeProcesses, see `onCharonStart`) opens
 * its vici socket and plays the TUN device through `onTun`; `swanctl --load-all` loads the connections
 * of the file (start_action=start ones initiate), `--initiate`/`--terminate` change the SAs a test can
 * also set, `--list-sas` prints them as swanctl does. Answer FakeRunner calls with `runner.on('env', ...)`.
 */
export class FakeStrongswan {
  /** Connection name → its swanctl.conf block text. */
  readonly loaded = new Map<string, string>();
  readonly sas = new Map<string, FakeSa>();
  /** Every `--initiate` by connection name, in order. */
  readonly initiated: string[] = [];
  private vici = '';

  constructor(private readonly onTun: (up: boolean) => void = () => {}) {}

  /** The FakeProcesses hook for charon: opens the vici socket under the STRONGSWAN_CONF's directory. */
  onCharonStart = (p: FakeProcess): void => {
    const conf = p.args.find((a) => a.startsWith('STRONGSWAN_CONF='))?.slice('STRONGSWAN_CONF='.length) ?? '';
    this.vici = join(dirname(conf), 'run', 'charon.vici');
    writeFileSync(this.vici, '');
    this.onTun(true);
    void p.exited.then(() => this.crash());
  };

  /** charon is gone: its socket, SAs and TUN device with it; the loaded connections are forgotten. */
  private crash(): void {
    rmSync(this.vici, { force: true });
    this.loaded.clear();
    this.sas.clear();
    this.onTun(false);
  }

  handle(call: RecordedCall): Reply {
    const at = call.args.findIndex((a) => a.endsWith('/swanctl'));
    if (at < 0) return { code: 127, stderr: `FakeStrongswan: not swanctl: ${call.line}\n` };
    const args = call.args.slice(at + 1);
    if (!existsSync(this.vici)) return { code: 1, stderr: `connecting to 'unix://${this.vici}' failed: No such file or directory\n` };
    const name = (flag: string) => args[args.indexOf(flag) + 1] ?? '';
    switch (args[0]) {
      case '--load-all':
        return this.loadAll(readFileSync(name('--file'), 'utf8'));
      case '--list-sas':
        return { stdout: this.listSas() };
      case '--initiate': {
        const conn = name('--ike');
        if (!this.loaded.has(conn)) return { code: 1, stderr: `initiating CHILD_SA ${conn} failed: no config named '${conn}'\n` };
        this.initiated.push(conn);
        if (!this.sas.has(conn)) this.sas.set(conn, { ike: 'CONNECTING' });
        return { stdout: 'initiate failed: timeout\n', code: 1 };
      }
      case '--terminate':
        this.sas.delete(name('--ike'));
        return { stdout: 'terminate completed successfully\n' };
      default:
        return { code: 1, stderr: `FakeStrongswan: unsupported ${args.join(' ')}\n` };
    }
  }

  private loadAll(conf: string): Reply {
    const blocks = new Map<string, string>();
    const re = /^ {2}(\S+) \{\n([\s\S]*?)^ {2}\}$/gm;
    for (const m of conf.matchAll(re)) if (m[1] !== 'ike-submariner') blocks.set(m[1] ?? '', m[2] ?? '');
    for (const old of [...this.loaded.keys()]) if (!blocks.has(old)) this.loaded.delete(old);
    const lines = ['loaded ike secret \'ike-submariner\''];
    for (const [n, text] of blocks) {
      const changed = this.loaded.get(n) !== text;
      this.loaded.set(n, text);
      if (changed && text.includes('start_action = start')) {
        this.initiated.push(n);
        this.sas.set(n, { ike: 'CONNECTING' });
      }
      lines.push(`loaded connection '${n}'`);
    }
    lines.push(`successfully loaded ${blocks.size} connections, 0 unloaded`);
    return { stdout: `${lines.join('\n')}\n` };
  }

  private listSas(): string {
    let id = 1;
    const out: string[] = [];
    for (const [n, sa] of this.sas) {
      out.push(`${n}: #${id}, ${sa.ike}, IKEv2, 7c0e2fd57bb0a1b6_i* 9e6d6bb8a3a34c4b_r`, `  local  '10.250.1.2' @ 10.250.1.2[4500]`);
      if (sa.child) {
        out.push(
          `  ${n}: #${id}, reqid ${id}, ${sa.child}, ${sa.mode ?? 'TUNNEL-in-UDP'}, ESP:AES_GCM_16-128`,
          `    in  dd00b1a9,    ${sa.inBytes ?? 0} bytes,     9 packets,     0s ago`,
          `    out 9612e8c3,    ${sa.outBytes ?? 0} bytes,    11 packets,     0s ago`,
        );
      }
      id++;
    }
    return out.map((l) => `${l}\n`).join('');
  }
}
