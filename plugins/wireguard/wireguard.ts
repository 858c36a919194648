import { join } from 'node:path';
import type { Connection, EndpointSpec } from '../../src/api/generated.js';
import { backendConfig } from '../../src/api/names.js';
import { errorText } from '../../src/base/log.js';
import { CommandError } from '../../src/net/command.js';
import type { Route } from '../../src/net/iproute2/model.js';
import { checkIpv4, cloneConnections, connection, endpointSubnets, udpPort } from '../common.js';
import type { CableDriver, CableTraffic, DriverContext, NatEndpointInfo } from '../driver.js';
import type { ChildHandle } from '../process.js';
import { findWireguardGo } from './install.js';
import { peerStatus } from './status.js';
import { isWgKey, Wg, wgPresharedKey } from './wg.js';

export const WIREGUARD_DRIVER = 'wireguard';
export const WG_IFACE = 'submariner';
export const WG_KEEPALIVE_SECONDS = 10;
const DEVICE_WAIT_MS = 10_000;

interface Peer {
  conn: Connection;
  publicKey: string;
  connectedAtMs: number;
}

/**
 * Encrypted gateway-to-gateway tunnels over WireGuard: one `submariner` device (the kernel's when it has
 * WireGuard, else wireguard-go in the foreground), one peer per remote cluster and main-table routes to
 * the remote subnets through the device. Keys are new at every start.
 */
export class WireGuardDriver implements CableDriver {
  private readonly wg: Wg;
  private readonly peers = new Map<string, Peer>();
  private publicKey: string | undefined;
  private daemon: ChildHandle | undefined;

  constructor(
    private readonly ctx: DriverContext,
    private readonly now: () => number = Date.now,
    private readonly wireguardGo: string = findWireguardGo(),
  ) {
    this.wg = new Wg(ctx.runner, join(ctx.stateDir, 'wireguard'));
  }

  getName(): string {
    return WIREGUARD_DRIVER;
  }

  async init(): Promise<void> {
    const { ip, localEndpoint, log } = this.ctx;
    const port = udpPort(localEndpoint, this.ctx.settings.nattPort);
    await ip.linkDelIfPresent(WG_IFACE);
    await this.createDevice();
    const privateKey = await this.wg.genKey();
    this.publicKey = await this.wg.pubKey(privateKey);
    await this.wg.setDevice(WG_IFACE, port, privateKey);
    await ip.linkSet(WG_IFACE, { up: true });
    log.info('wireguard cable ready', { interface: WG_IFACE, port, publicKey: this.publicKey, userspace: this.daemon !== undefined });
  }

  private async createDevice(): Promise<void> {
    try {
      await this.ctx.ip.linkAdd({ name: WG_IFACE, kind: 'wireguard' });
      return;
    } catch (err) {
      if (!(err instanceof CommandError)) throw err;
      this.ctx.log.info('the kernel has no WireGuard: starting wireguard-go', { reason: err.stderr.trim(), binary: this.wireguardGo });
    }
    const log = this.ctx.log;
    const daemon = await this.ctx.processes.start(this.wireguardGo, ['-f', WG_IFACE], {
      onOutput: (line) => log.debug('wireguard-go', { line }),
      // wireguard-go refuses to run on kernels that could have the module unless told otherwise.
      env: { WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1' },
    });
    this.daemon = daemon;
    void daemon.exited.then((status) => {
      if (this.daemon === daemon) log.error('wireguard-go exited', { code: status.code, signal: status.signal });
    });
    await this.waitForDevice();
  }

  private async waitForDevice(): Promise<void> {
    const deadline = this.now() + DEVICE_WAIT_MS;
    for (;;) {
      if ((await this.ctx.ip.linkGet(WG_IFACE)) && (await this.wg.ready(WG_IFACE))) return;
      if (this.now() >= deadline) throw new Error(`wireguard-go did not create the ${WG_IFACE} device within ${DEVICE_WAIT_MS / 1000} s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async getActiveConnections(): Promise<Connection[]> {
    return cloneConnections([...this.peers.values()].map((p) => p.conn));
  }

  async getConnections(): Promise<Connection[]> {
    if (this.peers.size === 0) return [];
    const states = await this.wg.peers(WG_IFACE);
    const now = this.now();
    return [...this.peers.values()].map((p) => {
      const { status, message } = peerStatus(states.find((s) => s.publicKey === p.publicKey), p.connectedAtMs, now);
      return { ...structuredClone(p.conn), status, statusMessage: message };
    });
  }

  async traffic(): Promise<Map<string, CableTraffic>> {
    if (this.peers.size === 0) return new Map();
    const states = new Map((await this.wg.peers(WG_IFACE)).map((s) => [s.publicKey, s]));
    const out = new Map<string, CableTraffic>();
    for (const p of this.peers.values()) {
      const s = states.get(p.publicKey);
      if (s) out.set(p.conn.endpoint.cable_name, { rxBytes: s.rxBytes, txBytes: s.txBytes });
    }
    return out;
  }

  private routes(remote: EndpointSpec): Route[] {
    return endpointSubnets(remote).map((dst) => ({ dst, dev: WG_IFACE, ...(this.ctx.cniIp ? { src: this.ctx.cniIp } : {}) }));
  }

  async connectToEndpoint(info: NatEndpointInfo): Promise<string> {
    const remote = info.endpoint;
    if (remote.cluster_id === this.ctx.localEndpoint.cluster_id) return '';
    const useIP = checkIpv4(info.useIP, `address of endpoint ${remote.cable_name}`);
    const publicKey = remote.backend_config?.[backendConfig.publicKey] ?? '';
    if (!isWgKey(publicKey)) {
      throw new Error(`endpoint ${remote.cable_name} has no valid WireGuard ${backendConfig.publicKey} in its backend_config`);
    }
    const allowedIps = endpointSubnets(remote);
    const port = udpPort(remote, this.ctx.settings.nattPort);
    const old = this.peers.get(remote.cluster_id);
    if (old && old.publicKey !== publicKey) await this.removePeer(old);
    await this.wg.setPeer(WG_IFACE, {
      publicKey,
      endpoint: `${useIP}:${port}`,
      allowedIps,
      keepaliveSeconds: WG_KEEPALIVE_SECONDS,
      presharedKey: wgPresharedKey(this.ctx.settings.psk),
    });
    if (old) for (const r of this.routes(old.conn.endpoint)) if (!allowedIps.includes(r.dst)) await this.ctx.ip.routeDelIfPresent(r);
    await this.ctx.ip.routesAddOrReplace(this.routes(remote));
    const connectedAtMs = old?.publicKey === publicKey ? old.connectedAtMs : this.now();
    this.peers.set(remote.cluster_id, { conn: connection(info, 'connecting', 'no initial handshake yet'), publicKey, connectedAtMs });
    return useIP;
  }

  private async removePeer(peer: Peer): Promise<void> {
    try {
      await this.wg.removePeer(WG_IFACE, peer.publicKey);
    } catch (err) {
      this.ctx.log.warn('could not remove a WireGuard peer', { cable: peer.conn.endpoint.cable_name, error: errorText(err) });
    }
  }

  async disconnectFromEndpoint(remote: EndpointSpec): Promise<void> {
    const peer = this.peers.get(remote.cluster_id);
    if (!peer || peer.conn.endpoint.cable_name !== remote.cable_name) return;
    await this.removePeer(peer);
    for (const r of this.routes(peer.conn.endpoint)) await this.ctx.ip.routeDelIfPresent(r);
    this.peers.delete(remote.cluster_id);
  }

  async cleanup(): Promise<void> {
    this.peers.clear();
    // Deleting the device removes its routes; wireguard-go exits when its device goes away.
    await this.ctx.ip.linkDelIfPresent(WG_IFACE);
    const daemon = this.daemon;
    this.daemon = undefined;
    await daemon?.stop();
  }

  backendConfig(): Record<string, string> {
    if (this.publicKey === undefined) return {};
    return { [backendConfig.publicKey]: this.publicKey, [backendConfig.interfaceName]: WG_IFACE };
  }
}
