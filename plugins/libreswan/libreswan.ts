import { writeFile } from 'node:fs/promises';
import type { Connection, EndpointSpec } from '../../src/api/generated.js';
import { cloneConnections, connection, planInput, udpPort } from '../common.js';
import type { CableDriver, CableTraffic, DriverContext, NatEndpointInfo } from '../driver.js';
import { planConnections, renderIpsecConf, renderSecrets, whackCommands, type IpsecConnection } from './connections.js';
import { Pluto, plutoDirs } from './pluto.js';

export const LIBRESWAN_DRIVER = 'libreswan';

interface Cable {
  conn: Connection;
  ipsec: IpsecConnection[];
}

/**
 * IPsec tunnels through Libreswan: this gateway's own pluto (started on the first connection), one
 * IPsec connection per (local subnet, remote subnet) pair added with `ipsec whack`, IKE on the NAT-T port.
 */
export class LibreswanDriver implements CableDriver {
  private readonly pluto: Pluto;
  private readonly cables = new Map<string, Cable>();
  private readonly nattPort: number;

  constructor(private readonly ctx: DriverContext, pluto?: Pluto) {
    this.nattPort = udpPort(ctx.localEndpoint, ctx.settings.nattPort);
    this.pluto = pluto ?? new Pluto({ runner: ctx.runner, processes: ctx.processes, log: ctx.log, dirs: plutoDirs(ctx.stateDir), debug: ctx.settings.debug });
  }

  getName(): string {
    return LIBRESWAN_DRIVER;
  }

  async init(): Promise<void> {
    await this.pluto.prepare(renderSecrets(this.ctx.settings.psk));
    this.ctx.log.info('libreswan cable ready', { nattPort: this.nattPort, secrets: this.pluto.secretsFile });
  }

  async getActiveConnections(): Promise<Connection[]> {
    return cloneConnections([...this.cables.values()].map((c) => c.conn));
  }

  async getConnections(): Promise<Connection[]> {
    if (!this.pluto.running || this.cables.size === 0) return this.getActiveConnections();
    const traffic = await this.pluto.trafficStatus();
    const ike = await this.pluto.establishedIke();
    return [...this.cables.values()].map(({ conn, ipsec }) => {
      const up = ipsec.map((c) => traffic.get(c.name)).filter((t) => t !== undefined);
      const out = structuredClone(conn);
      if (up.length > 0) {
        const rx = up.reduce((n, t) => n + t.inBytes, 0);
        const tx = up.reduce((n, t) => n + t.outBytes, 0);
        return { ...out, status: 'connected', statusMessage: `${up.length} of ${ipsec.length} IPsec SAs up, Rx=${rx} Bytes, Tx=${tx} Bytes` };
      }
      const ikeUp = ipsec.some((c) => ike.has(c.name));
      return { ...out, status: 'connecting', statusMessage: ikeUp ? 'IKE SA established, no IPsec SA yet' : 'no IKE SA yet' };
    });
  }

  /** The summed bytes of each cable's established IPsec SAs. */
  async traffic(): Promise<Map<string, CableTraffic>> {
    const out = new Map<string, CableTraffic>();
    if (!this.pluto.running || this.cables.size === 0) return out;
    const traffic = await this.pluto.trafficStatus();
    for (const [cable, { ipsec }] of this.cables) {
      const up = ipsec.map((c) => traffic.get(c.name)).filter((t) => t !== undefined);
      if (up.length > 0) out.set(cable, { rxBytes: up.reduce((n, t) => n + t.inBytes, 0), txBytes: up.reduce((n, t) => n + t.outBytes, 0) });
    }
    return out;
  }

  async connectToEndpoint(info: NatEndpointInfo): Promise<string> {
    const remote = info.endpoint;
    if (remote.cluster_id === this.ctx.localEndpoint.cluster_id) return '';
    const ipsec = planConnections(planInput(this.ctx, info, this.nattPort));
    await this.pluto.start();
    const old = this.cables.get(remote.cable_name);
    if (old) for (const c of old.ipsec) await this.pluto.deleteConnection(c.name);
    for (const c of ipsec) for (const args of whackCommands(c)) await this.pluto.whack(...args);
    this.cables.set(remote.cable_name, { conn: connection(info, 'connecting', 'no IKE SA yet'), ipsec });
    await this.writeConf();
    return info.useIP;
  }

  async disconnectFromEndpoint(remote: EndpointSpec): Promise<void> {
    const cable = this.cables.get(remote.cable_name);
    if (!cable) return;
    if (this.pluto.running) for (const c of cable.ipsec) await this.pluto.deleteConnection(c.name);
    this.cables.delete(remote.cable_name);
    await this.writeConf();
  }

  /** The connections pluto holds, as an ipsec.conf beside the secrets (for people and diagnostics). */
  private async writeConf(): Promise<void> {
    const all = [...this.cables.values()].flatMap((c) => c.ipsec);
    await writeFile(this.pluto.confFile, renderIpsecConf(all), { mode: 0o600 }).catch((err: unknown) => {
      this.ctx.log.warn('could not write the rendered ipsec.conf', { file: this.pluto.confFile, error: String(err) });
    });
  }

  async cleanup(): Promise<void> {
    if (this.pluto.running) for (const cable of this.cables.values()) for (const c of cable.ipsec) await this.pluto.deleteConnection(c.name);
    this.cables.clear();
    await this.pluto.stop();
    // What pluto (this run's or an earlier one's) left in the kernel.
    for (const what of ['policy', 'state']) await this.ctx.runner.run('ip', ['xfrm', what, 'flush'], { allowFailure: true });
  }

  backendConfig(): Record<string, string> {
    return {};
  }
}
