import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RecordedCall, Reply } from '../../src/net/fake/runner.js';

export interface FakeWgPeer {
  endpoint: string;
  allowedIps: string[];
  keepalive: number;
  presharedKey: string;
  latestHandshake: number;
  rxBytes: number;
  txBytes: number;
}

interface Device {
  listenPort: number;
  privateKey: string;
  peers: Map<string, FakeWgPeer>;
}

/** The public key the fake derives from a private key (not curve25519, but one-to-one and well formed). */
export const fakePublicKey = (privateKey: string): string => createHash('sha256').update(`pub:${privateKey}`).digest('base64');

/**
 * A stateful `wg`: answer FakeRunner calls with `runner.on('wg', (c) => wg.handle(c))`. Devices exist
 * while `deviceExists` says so (tie it to the FakeKernel's links).
 */
export class FakeWg {
  readonly devices = new Map<string, Device>();

  constructor(private readonly deviceExists: (dev: string) => boolean) {}

  device(dev: string): Device | undefined {
    if (!this.deviceExists(dev)) {
      this.devices.delete(dev);
      return undefined;
    }
    let d = this.devices.get(dev);
    if (!d) {
      d = { listenPort: 0, privateKey: '', peers: new Map() };
      this.devices.set(dev, d);
    }
    return d;
  }

  /** Plays a handshake of `publicKey`'s peer at unix second `at`. */
  handshake(dev: string, publicKey: string, at: number, rxBytes = 0, txBytes = 0): void {
    const peer = this.device(dev)?.peers.get(publicKey);
    if (!peer) throw new Error(`FakeWg: no peer ${publicKey} on ${dev}`);
    Object.assign(peer, { latestHandshake: at, rxBytes, txBytes });
  }

  handle(call: RecordedCall): Reply {
    const [verb, dev = '', ...rest] = call.args;
    if (verb === 'genkey') return { stdout: `${randomBytes(32).toString('base64')}\n` };
    if (verb === 'pubkey') return { stdout: `${fakePublicKey((call.input ?? '').trim())}\n` };
    const d = this.device(dev);
    if (!d) return { code: 1, stderr: `Unable to access interface: No such device\n` };
    if (verb === 'show') return this.show(d, rest[0]);
    if (verb !== 'set') return { code: 1, stderr: `Invalid subcommand: \`${verb}\`\n` };
    const opts = new Map<string, string>();
    for (let i = 0; i < rest.length; i += 2) {
      if (rest[i] === 'remove') opts.set('remove', '');
      else opts.set(rest[i] ?? '', rest[i + 1] ?? '');
      if (rest[i] === 'remove') i--;
    }
    // Keys arrive in files, as the real wg reads them.
    const secret = (path: string | undefined): string | undefined => (path === undefined ? undefined : readFileSync(path, 'utf8').trim());
    const key = opts.get('peer');
    if (key === undefined) {
      if (opts.has('listen-port')) d.listenPort = Number(opts.get('listen-port'));
      const pk = secret(opts.get('private-key'));
      if (pk !== undefined) d.privateKey = pk;
      return {};
    }
    if (opts.has('remove')) {
      d.peers.delete(key);
      return {};
    }
    const peer = d.peers.get(key) ?? { endpoint: '', allowedIps: [], keepalive: 0, presharedKey: '', latestHandshake: 0, rxBytes: 0, txBytes: 0 };
    if (opts.has('endpoint')) peer.endpoint = opts.get('endpoint') ?? '';
    if (opts.has('allowed-ips')) peer.allowedIps = (opts.get('allowed-ips') ?? '').split(',').filter(Boolean);
    if (opts.has('persistent-keepalive')) peer.keepalive = Number(opts.get('persistent-keepalive'));
    const psk = secret(opts.get('preshared-key'));
    if (psk !== undefined) peer.presharedKey = psk;
    d.peers.set(key, peer);
    return {};
  }

  private show(d: Device, what: string | undefined): Reply {
    if (what === 'listen-port') return { stdout: `${d.listenPort}\n` };
    if (what !== 'dump') return { code: 1, stderr: 'unsupported by FakeWg\n' };
    const lines = [[d.privateKey, d.privateKey ? fakePublicKey(d.privateKey) : '(none)', d.listenPort, 'off'].join('\t')];
    for (const [key, p] of d.peers) {
      lines.push([key, p.presharedKey || '(none)', p.endpoint || '(none)', p.allowedIps.join(',') || '(none)', p.latestHandshake, p.rxBytes, p.txBytes, p.keepalive || 'off'].join('\t'));
    }
    return { stdout: `${lines.join('\n')}\n` };
  }
}
