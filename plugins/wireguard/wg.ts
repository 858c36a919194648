import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandRunner } from '../../src/net/command.js';
import { checkIfName } from '../../src/net/iproute2/argv.js';

/** A WireGuard key: 32 bytes in base64. */
const KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

export function isWgKey(key: string): boolean {
  return KEY.test(key);
}

/** The WireGuard pre-shared key both gateways derive from the cluster set's PSK: SHA-256 of its text. */
export function wgPresharedKey(psk: string): string {
  return createHash('sha256').update(psk).digest('base64');
}

export interface WgPeerConfig {
  publicKey: string;
  /** host:port */
  endpoint: string;
  allowedIps: readonly string[];
  keepaliveSeconds: number;
  presharedKey: string;
}

/** One peer as `wg show <if> dump` prints it. */
export interface WgPeerState {
  publicKey: string;
  endpoint: string | undefined;
  allowedIps: string[];
  /** Unix seconds of the latest handshake, 0 when there was none. */
  latestHandshake: number;
  rxBytes: number;
  txBytes: number;
}

const WG_TIMEOUT_MS = 5000;

/**
 * The `wg` tool through the command runner. Secrets travel in short-lived 0600 files in a private
 * directory (wg reads keys from files, and the runner's stdin is a socket it cannot open by path),
 * never in argv; every call that carries one is redacted in errors.
 */
export class Wg {
  constructor(
    private readonly runner: CommandRunner,
    private readonly secretDir: string,
  ) {}

  private async withSecretFile<T>(secret: string, fn: (path: string) => Promise<T>): Promise<T> {
    await mkdir(this.secretDir, { recursive: true, mode: 0o700 });
    const dir = await mkdtemp(join(this.secretDir, 'wg-'));
    try {
      const file = join(dir, 'key');
      await writeFile(file, `${secret}\n`, { mode: 0o600 });
      return await fn(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async genKey(): Promise<string> {
    const key = (await this.runner.run('wg', ['genkey'], { timeoutMs: WG_TIMEOUT_MS, redact: true })).stdout.trim();
    if (!isWgKey(key)) throw new Error('`wg genkey` did not print a WireGuard key');
    return key;
  }

  async pubKey(privateKey: string): Promise<string> {
    const key = (await this.runner.run('wg', ['pubkey'], { input: `${privateKey}\n`, timeoutMs: WG_TIMEOUT_MS, redact: true })).stdout.trim();
    if (!isWgKey(key)) throw new Error('`wg pubkey` did not print a WireGuard key');
    return key;
  }

  async setDevice(dev: string, listenPort: number, privateKey: string): Promise<void> {
    await this.withSecretFile(privateKey, (file) =>
      this.runner.run('wg', ['set', checkIfName(dev), 'listen-port', String(listenPort), 'private-key', file], { timeoutMs: WG_TIMEOUT_MS, redact: true }),
    );
  }

  async setPeer(dev: string, peer: WgPeerConfig): Promise<void> {
    if (!isWgKey(peer.publicKey)) throw new Error(`invalid WireGuard public key "${peer.publicKey}"`);
    const args = ['set', checkIfName(dev), 'peer', peer.publicKey, 'endpoint', peer.endpoint, 'persistent-keepalive', String(peer.keepaliveSeconds)];
    args.push('allowed-ips', peer.allowedIps.join(','));
    await this.withSecretFile(peer.presharedKey, (file) => this.runner.run('wg', [...args, 'preshared-key', file], { timeoutMs: WG_TIMEOUT_MS, redact: true }));
  }

  async removePeer(dev: string, publicKey: string): Promise<void> {
    await this.runner.run('wg', ['set', checkIfName(dev), 'peer', publicKey, 'remove'], { timeoutMs: WG_TIMEOUT_MS });
  }

  /** Whether the device answers (the UAPI socket of wireguard-go is up, or the kernel device exists). */
  async ready(dev: string): Promise<boolean> {
    const res = await this.runner.run('wg', ['show', checkIfName(dev), 'listen-port'], { timeoutMs: WG_TIMEOUT_MS, allowFailure: true });
    return res.code === 0;
  }

  /** The peers of the device. The dump's keys are secrets: its text is parsed here and never returned or logged. */
  async peers(dev: string): Promise<WgPeerState[]> {
    const res = await this.runner.run('wg', ['show', checkIfName(dev), 'dump'], { timeoutMs: WG_TIMEOUT_MS, redact: true });
    return parseWgDump(res.stdout);
  }
}

/** Parses `wg show <if> dump`: the interface line first, then one tab-separated line per peer. */
export function parseWgDump(text: string): WgPeerState[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return lines.slice(1).flatMap((line) => {
    const f = line.split('\t');
    if (f.length < 8) return [];
    const [publicKey = '', , endpoint = '', allowed = '', handshake = '0', rx = '0', tx = '0'] = f;
    return [
      {
        publicKey,
        endpoint: endpoint === '(none)' ? undefined : endpoint,
        allowedIps: allowed === '(none)' ? [] : allowed.split(','),
        latestHandshake: Number(handshake) || 0,
        rxBytes: Number(rx) || 0,
        txBytes: Number(tx) || 0,
      },
    ];
  });
}
