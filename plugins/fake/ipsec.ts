import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordedCall, Reply } from '../../src/net/fake/runner.js';
import type { FakeProcess } from './processes.js';

export interface FakeIpsecConnection {
  /** The `whack` arguments that added it. */
  args: string[];
  routed: boolean;
  initiated: boolean;
}

/**
 * A stateful Libreswan: `ipsec initnss` creates the NSS files, `ipsec pluto` (through FakeProcesses,
 * see `onPlutoStart`) opens its control socket, `ipsec whack` adds, routes, initiates and deletes
 * connections and reports the SAs a test establishes.
 */
export class FakeIpsec {
  readonly connections = new Map<string, FakeIpsecConnection>();
  listening = false;
  /** Connections with an established IKE SA, and those with an IPsec SA and its byte counts. */
  readonly ikeUp = new Set<string>();
  readonly ipsecUp = new Map<string, { inBytes: number; outBytes: number }>();

  /** The FakeProcesses hook for `ipsec pluto`: creates pluto.ctl in its --rundir. */
  onPlutoStart = (p: FakeProcess): void => {
    const rundir = p.args[p.args.indexOf('--rundir') + 1] ?? '';
    mkdirSync(rundir, { recursive: true });
    writeFileSync(join(rundir, 'pluto.ctl'), '');
  };

  handle(call: RecordedCall): Reply {
    const [cmd, ...rest] = call.args;
    if (cmd === 'initnss') {
      const dir = rest[rest.indexOf('--nssdir') + 1] ?? '';
      writeFileSync(join(dir, 'cert9.db'), '');
      return { stdout: 'Initializing NSS database\n' };
    }
    if (cmd !== 'whack') return { code: 1, stderr: `unknown IPsec command "${cmd}"\n` };
    const args = rest[0] === '--ctlsocket' ? rest.slice(2) : rest;
    const name = args[args.indexOf('--name') + 1] ?? '';
    if (args[0] === '--listen') {
      this.listening = true;
      return {};
    }
    if (args[0] === '--trafficstatus') {
      const lines = [...this.ipsecUp].map(([n, t], i) => `006 #${i + 2}: "${n}", type=ESP, add_time=1, inBytes=${t.inBytes}, outBytes=${t.outBytes}, id='x'`);
      return { stdout: lines.map((l) => `${l}\n`).join('') };
    }
    if (args[0] === '--showstates') {
      return { stdout: [...this.ikeUp].map((n, i) => `000 #${i + 1}: "${n}":4500 STATE_V2_ESTABLISHED_IKE_SA (established IKE SA); newest;\n`).join('') };
    }
    if (args[0] === '--delete') {
      if (!this.connections.delete(name)) return { code: 20, stdout: `021 no connection named "${name}"\n` };
      this.ikeUp.delete(name);
      this.ipsecUp.delete(name);
      return {};
    }
    const conn = this.connections.get(name);
    if (args[0] === '--route' || args[0] === '--initiate') {
      if (!conn) return { code: 20, stdout: `021 no connection named "${name}"\n` };
      if (args[0] === '--route') conn.routed = true;
      else conn.initiated = true;
      return {};
    }
    if (args.includes('--to')) {
      if (conn) return { code: 20, stdout: `020 attempt to redefine connection "${name}"\n` };
      this.connections.set(name, { args, routed: false, initiated: false });
      return { stdout: `002 "${name}": added IKEv2 connection\n` };
    }
    return { code: 1, stderr: 'unsupported by FakeIpsec\n' };
  }
}
