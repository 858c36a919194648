import type { Connection, EndpointSpec } from '../../src/api/generated.js';
import { errorText } from '../../src/base/log.js';
import { isNotFoundError } from '../../src/net/iproute2/ip.js';
import { macFromIpv4, TABLE_MAIN, ZERO_MAC, type Route, type Rule } from '../../src/net/iproute2/model.js';
import { checkIpv4, cloneConnections, connection, endpointSubnets, udpPort, withoutCable } from '../common.js';
import type { CableDriver, CableTraffic, DriverContext, NatEndpointInfo } from '../driver.js';

export const VXLAN_DRIVER = 'vxlan';
export const VXLAN_IFACE = 'vxlan-tunnel';
export const VXLAN_VNI = 1000;
export const VXLAN_TABLE = 100;
export const VXLAN_RULE: Rule = { table: VXLAN_TABLE, priority: 100 };
/** Outer IPv4 + UDP + VXLAN headers and the inner Ethernet header. */
const VXLAN_OVERHEAD = 50;

/** The VTEP address of a gateway: 241.<b>.<c>.<d> from its private IP a.b.c.d. */
export function vtepIp(privateIp: string): string {
  const [, b, c, d] = checkIpv4(privateIp, 'private IP').split('.');
  return `241.${b}.${c}.${d}`;
}

/**
 * The MAC address of a gateway's vxlan-tunnel device: 02:53 (locally administered) and the four bytes of its
 * VTEP address. The same gateway gets the same address each time it becomes active, so the neighbour entries
 * remote gateways keep for its VTEP stay right across failovers (a new random address would be dropped until
 * their entries expire, seconds later).
 */
export function vtepMac(privateIp: string): string {
  return macFromIpv4(0x53, vtepIp(privateIp));
}

/**
 * Unencrypted gateway-to-gateway VXLAN (for networks without NAT): one `vxlan-tunnel` device, an FDB
 * flood entry per remote gateway and, in table 100, routes to the remote subnets via the remote VTEP.
 */
export class VxlanDriver implements CableDriver {
  private connections: Connection[] = [];

  constructor(private readonly ctx: DriverContext) {}

  getName(): string {
    return VXLAN_DRIVER;
  }

  async init(): Promise<void> {
    const { ip, localEndpoint } = this.ctx;
    const port = udpPort(localEndpoint, this.ctx.settings.nattPort);
    if (localEndpoint.nat_enabled) this.ctx.log.warn('the vxlan cable driver is meant for networks without NAT; traffic through NAT may not pass');
    const mtu = (await this.defaultLinkMtu()) - VXLAN_OVERHEAD;
    await ip.ensureVxlan({ name: VXLAN_IFACE, kind: 'vxlan', vni: VXLAN_VNI, port, mtu, address: vtepMac(localEndpoint.private_ip), up: true });
    // What the device decapsulates is forwarded on every CPU, not only the one that took the outer packet in; a
    // gateway that refuses it (a read-only /sys) still carries the traffic.
    if (this.ctx.cpuMask !== undefined) {
      await ip.ensureRpsCpus(VXLAN_IFACE, this.ctx.cpuMask).catch((err: unknown) => {
        this.ctx.log.warn(`cannot spread what ${VXLAN_IFACE} receives over the gateway's CPUs; traffic still flows`, { error: errorText(err) });
      });
    }
    await ip.addrAddIfNotPresent({ dev: VXLAN_IFACE, cidr: `${vtepIp(localEndpoint.private_ip)}/8` });
    await ip.ruleAddIfNotPresent(VXLAN_RULE);
    await ip.sysctlWrite(`net.ipv4.conf.${VXLAN_IFACE}.rp_filter`, '2');
    await ip.sysctlWrite(`net.ipv4.conf.${VXLAN_IFACE}.forwarding`, '1');
    this.ctx.log.info('vxlan cable ready', { interface: VXLAN_IFACE, vni: VXLAN_VNI, port, mtu, vtep: vtepIp(localEndpoint.private_ip) });
  }

  private async defaultLinkMtu(): Promise<number> {
    const routes = await this.ctx.ip.routeList({ table: TABLE_MAIN });
    const dev = routes.find((r) => r.dst === 'default')?.dev;
    const link = dev === undefined ? undefined : await this.ctx.ip.linkGet(dev);
    return link?.mtu ?? 1500;
  }

  async getActiveConnections(): Promise<Connection[]> {
    return cloneConnections(this.connections);
  }

  async getConnections(): Promise<Connection[]> {
    return cloneConnections(this.connections);
  }

  /**
   * The counters of the vxlan-tunnel device. The device counts every remote together, so they are one
   * cable's only while there is one connection; with more, nothing is reported.
   */
  async traffic(): Promise<Map<string, CableTraffic>> {
    const only = this.connections.length === 1 ? this.connections[0] : undefined;
    if (!only) return new Map();
    const stats = await this.ctx.ip.linkStats(VXLAN_IFACE);
    return stats ? new Map([[only.endpoint.cable_name, { rxBytes: stats.rxBytes, txBytes: stats.txBytes }]]) : new Map();
  }

  private routes(remote: EndpointSpec): Route[] {
    const via = vtepIp(remote.private_ip);
    return endpointSubnets(remote).map((dst) => ({ dst, table: VXLAN_TABLE, gateway: via, dev: VXLAN_IFACE, ...(this.ctx.cniIp ? { src: this.ctx.cniIp } : {}) }));
  }

  async connectToEndpoint(info: NatEndpointInfo): Promise<string> {
    const remote = info.endpoint;
    if (remote.cluster_id === this.ctx.localEndpoint.cluster_id) return '';
    const useIP = checkIpv4(info.useIP, `address of endpoint ${remote.cable_name}`);
    const routes = this.routes(remote);
    const { ip } = this.ctx;
    const fdb = await ip.fdbList(VXLAN_IFACE);
    if (!fdb.some((e) => e.mac === ZERO_MAC && e.dst === useIP)) await ip.fdbAppend({ dev: VXLAN_IFACE, mac: ZERO_MAC, dst: useIP });
    await ip.routesAddOrReplace(routes);
    this.connections = [...withoutCable(this.connections, remote.cable_name), connection(info, 'connected')];
    return useIP;
  }

  async disconnectFromEndpoint(remote: EndpointSpec): Promise<void> {
    const known = this.connections.find((c) => c.endpoint.cable_name === remote.cable_name);
    if (!known) return;
    const { ip } = this.ctx;
    const stillUsed = this.connections.some((c) => c !== known && c.usingIP === known.usingIP);
    if (known.usingIP && !stillUsed) {
      try {
        await ip.fdbDel({ dev: VXLAN_IFACE, mac: ZERO_MAC, dst: known.usingIP });
      } catch (err) {
        if (!isNotFoundError(err)) throw err;
      }
    }
    for (const route of this.routes(known.endpoint)) await ip.routeDelIfPresent(route);
    this.connections = withoutCable(this.connections, remote.cable_name);
  }

  async cleanup(): Promise<void> {
    const { ip } = this.ctx;
    const routes = (await ip.routeList({ table: VXLAN_TABLE })).filter((r) => r.dev === VXLAN_IFACE);
    for (const r of routes) await ip.routeDelIfPresent(r);
    await ip.linkDelIfPresent(VXLAN_IFACE);
    await ip.ruleDelIfPresent(VXLAN_RULE);
    this.connections = [];
  }

  backendConfig(): Record<string, string> {
    return {};
  }
}
