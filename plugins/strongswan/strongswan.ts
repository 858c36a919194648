import type { Connection, EndpointSpec } from '../../src/api/generated.js';
import { backendConfig } from '../../src/api/names.js';
import { errorText } from '../../src/base/log.js';
import { cidrContains, cidrSize, nthIp, parseCidr, parseIp } from '../../src/net/cidr.js';
import type { Route } from '../../src/net/iproute2/model.js';
import { cloneConnections, connection, planInput, endpointSubnets, udpPort } from '../common.js';
import type { CableDriver, CableTraffic, DriverContext, NatEndpointInfo } from '../driver.js';
import { Charon, charonPaths, detectEsp, realSleep } from './charon.js';
import { planConnection, renderStrongswanConf, renderSwanctlConf, type EspBackend, type SwanConnection } from './config.js';
import { findStrongswan, type StrongswanInstall } from './install.js';
import type { IkeError } from './ike-log.js';
import type { ChildSa, IkeSa } from './list-sas.js';

export const STRONGSWAN_DRIVER = 'strongswan';
/** The TUN device kernel-libipsec creates; its name is compiled in. */
export const LIBIPSEC_DEVICE = 'ipsec0';
/** charon's routing table and the priority of its rule (kernel-netlink defaults). */
export const CHARON_TABLE = 220;
/** The kill switch: main-table routes to the remote subnets that lose to charon's table while it runs. */
export const KILL_SWITCH_METRIC = 4000;
/** How often a connection without SAs is initiated again. */
export const REINITIATE_MS = 5000;
const RESTART_DELAYS_MS = [1000, 2000, 5000, 10_000, 30_000];

interface Cable {
  conn: Connection;
  swan: SwanConnection;
  lastInitiateMs: number;
}

export interface StrongswanOptions {
  install?: StrongswanInstall;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const ESP_LABEL: Record<EspBackend, string> = {
  'kernel-libipsec': 'userspace ESP (kernel-libipsec)',
  'kernel-netlink': 'kernel ESP (xfrm)',
};

/**
 * IPsec tunnels through strongSwan: this gateway's own charon (its config, pid file and vici socket under
 * the driver's state directory), one IKEv2 connection per remote cluster loaded with swanctl, IKE on the
 * NAT-T port. ESP runs in the kernel when it has ESP, else in charon (kernel-libipsec, ESP in UDP through
 * the `ipsec0` TUN device). charon is restarted when it dies; main-table `unreachable` routes to the
 * remote subnets keep pod traffic from leaving in plaintext meanwhile.
 */
export class StrongswanDriver implements CableDriver {
  private readonly charon: Charon;
  private readonly cables = new Map<string, Cable>();
  private readonly nattPort: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private esp: EspBackend | undefined;
  private stopped = true;
  private restarts = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private pendingRestart: Promise<void> | undefined;

  constructor(
    private readonly ctx: DriverContext,
    o: StrongswanOptions = {},
  ) {
    this.nattPort = udpPort(ctx.localEndpoint, ctx.settings.nattPort);
    this.now = o.now ?? Date.now;
    this.sleep = o.sleep ?? realSleep;
    this.charon = new Charon({
      runner: ctx.runner,
      processes: ctx.processes,
      log: ctx.log,
      paths: charonPaths(ctx.stateDir),
      install: o.install ?? findStrongswan(),
      onExit: () => this.restartLater(),
      sleep: this.sleep,
    });
  }

  getName(): string {
    return STRONGSWAN_DRIVER;
  }

  /** Where ESP runs, once init has decided. */
  get espBackend(): EspBackend | undefined {
    return this.esp;
  }

  /** Resolves once the operations queued so far (connects, a pending restart) are done. */
  async settled(): Promise<void> {
    await this.pendingRestart;
    await this.queue;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  init(): Promise<void> {
    return this.serial(async () => {
      const { esp, reason } = await detectEsp(this.ctx.runner);
      this.esp = esp;
      await this.charon.prepare(renderStrongswanConf({ esp, nattPort: this.nattPort, viciSocket: this.charon.paths.vici, debug: this.ctx.settings.debug }));
      await this.charon.writeSwanctlConf(this.swanctlConf());
      this.stopped = false;
      await this.charon.start(esp);
      await this.charon.loadAll();
      this.ctx.log.info('strongswan cable ready', { esp, reason, nattPort: this.nattPort, dir: this.ctx.stateDir });
    });
  }

  private swanctlConf(): string {
    return renderSwanctlConf(
      [...this.cables.values()].map((c) => c.swan),
      this.ctx.settings.psk,
    );
  }

  /** charon died: start it again after a growing delay and load the connections (they initiate on load). */
  private restartLater(): void {
    if (this.stopped || this.pendingRestart) return;
    const delay = RESTART_DELAYS_MS[Math.min(this.restarts, RESTART_DELAYS_MS.length - 1)] ?? 1000;
    this.restarts++;
    this.pendingRestart = this.sleep(delay)
      .then(() => this.serial(() => this.restartNow()))
      .finally(() => {
        this.pendingRestart = undefined;
        if (!this.stopped && !this.charon.running) this.restartLater();
      });
  }

  private async restartNow(): Promise<void> {
    if (this.stopped || this.charon.running || !this.esp) return;
    try {
      await this.charon.start(this.esp);
      await this.charon.loadAll();
      this.ctx.log.info('charon restarted', { restarts: this.restarts, connections: this.cables.size });
    } catch (err) {
      this.ctx.log.error('could not restart charon', { error: errorText(err) });
      await this.charon.stop().catch(() => undefined);
    }
  }

  async getActiveConnections(): Promise<Connection[]> {
    return cloneConnections([...this.cables.values()].map((c) => c.conn));
  }

  getConnections(): Promise<Connection[]> {
    return this.serial(async () => {
      if (this.cables.size === 0) return [];
      const label = this.esp ? ESP_LABEL[this.esp] : 'strongSwan';
      if (!this.charon.running) {
        return [...this.cables.values()].map((c) => ({ ...structuredClone(c.conn), status: 'error' as const, statusMessage: `${label}: charon is not running; restarting it` }));
      }
      const sas = await this.charon.listSas();
      const out: Connection[] = [];
      for (const cable of this.cables.values()) {
        const { status, message, initiate } = cableStatus(cable, sas, this.charon.ikeError(cable.swan.name));
        if (status === 'connected') {
          this.restarts = 0;
          this.charon.forgetIkeError(cable.swan.name);
        }
        if (initiate && cable.swan.mode !== 'server' && this.now() - cable.lastInitiateMs >= REINITIATE_MS) {
          // The peer may have answered before it had loaded its side (NO_PROPOSAL_CHOSEN): charon does not retry that.
          cable.lastInitiateMs = this.now();
          await this.charon.initiate(cable.swan.name);
        }
        out.push({ ...structuredClone(cable.conn), status, statusMessage: `${label}: ${message}` });
      }
      return out;
    });
  }

  /** The summed bytes of each cable's installed CHILD_SAs. */
  traffic(): Promise<Map<string, CableTraffic>> {
    return this.serial(async () => {
      const out = new Map<string, CableTraffic>();
      if (this.cables.size === 0 || !this.charon.running) return out;
      const sas = await this.charon.listSas();
      for (const [cableName, cable] of this.cables) {
        const installed = installedChildren(cable, sas);
        if (installed.length > 0) out.set(cableName, childBytes(installed));
      }
      return out;
    });
  }

  connectToEndpoint(info: NatEndpointInfo): Promise<string> {
    return this.serial(async () => {
      const remote = info.endpoint;
      if (remote.cluster_id === this.ctx.localEndpoint.cluster_id) return '';
      const swan = planConnection(planInput(this.ctx, info, this.nattPort));
      await this.ensureLocalTsAddresses(swan.localTs);
      const old = this.cables.get(remote.cable_name);
      if (old) await this.removeKillSwitch(old.swan.remoteTs.filter((s) => !swan.remoteTs.includes(s)));
      await this.ctx.ip.routesAddOrReplace(this.killSwitch(swan.remoteTs));
      this.cables.set(remote.cable_name, { conn: connection(info, 'connecting', 'no IKE SA yet'), swan, lastInitiateMs: this.now() });
      await this.charon.writeSwanctlConf(this.swanctlConf());
      if (this.charon.running) await this.charon.loadAll();
      return info.useIP;
    });
  }

  disconnectFromEndpoint(remote: EndpointSpec): Promise<void> {
    return this.serial(async () => {
      const cable = this.cables.get(remote.cable_name);
      if (!cable) return;
      this.cables.delete(remote.cable_name);
      this.charon.forgetIkeError(cable.swan.name);
      await this.charon.writeSwanctlConf(this.swanctlConf());
      if (this.charon.running) {
        await this.charon.loadAll();
        await this.charon.terminate(cable.swan.name);
      }
      await this.removeKillSwitch(cable.swan.remoteTs);
    });
  }

  private killSwitch(subnets: readonly string[]): Route[] {
    return subnets.map((dst) => ({ dst, type: 'unreachable', metric: KILL_SWITCH_METRIC }));
  }

  private async removeKillSwitch(subnets: readonly string[]): Promise<void> {
    for (const r of this.killSwitch(subnets)) await this.ctx.ip.routeDelIfPresent(r);
  }

  /**
   * charon (before 5.9.12) installs no policy for a local traffic selector without a local address
   * inside it: put the subnet's last host address on lo where the gateway has none.
   */
  private async ensureLocalTsAddresses(subnets: readonly string[]): Promise<void> {
    const have = (await this.ctx.ip.addrList({ family: 4 })).map((a) => parseIp(a.cidr.split('/')[0] ?? ''));
    for (const subnet of subnets) {
      const c = parseCidr(subnet, false);
      if (have.some((ip) => cidrContains(c, ip))) continue;
      const addr = tsAddress(subnet);
      this.ctx.log.info('adding an address inside a local traffic selector to lo', { subnet, address: addr });
      await this.ctx.ip.addrAddIfNotPresent({ dev: 'lo', cidr: `${addr}/32` });
    }
  }

  cleanup(): Promise<void> {
    return this.serial(async () => {
      this.stopped = true;
      const remoteTs = [...this.cables.values()].flatMap((c) => c.swan.remoteTs);
      this.cables.clear();
      await this.charon.stop();
      // What a charon that could not shut down cleanly (or an earlier run's) left behind.
      const { ip, runner } = this.ctx;
      await ip.linkDelIfPresent(LIBIPSEC_DEVICE);
      await ip.routeFlush(CHARON_TABLE);
      await ip.ruleDelIfPresent({ priority: CHARON_TABLE, table: CHARON_TABLE });
      for (const what of ['policy', 'state']) await runner.run('ip', ['xfrm', what, 'flush'], { allowFailure: true });
      await this.removeKillSwitch([...new Set([...remoteTs, ...(await this.killSwitchLeftovers())])]);
      const lo = (await ip.addrList({ dev: 'lo', family: 4 })).map((a) => a.cidr);
      for (const subnet of localSubnets(this.ctx.localEndpoint)) {
        const cidr = `${tsAddress(subnet)}/32`;
        if (lo.includes(cidr)) await ip.addrDel({ dev: 'lo', cidr });
      }
    });
  }

  private async killSwitchLeftovers(): Promise<string[]> {
    const routes = await this.ctx.ip.routeList({ family: 4 });
    return routes.filter((r) => r.type === 'unreachable' && r.metric === KILL_SWITCH_METRIC).map((r) => r.dst);
  }

  backendConfig(): Record<string, string> {
    // Host-network routes to remote subnets go through the TUN device kernel-libipsec reads.
    return this.esp === 'kernel-libipsec' ? { [backendConfig.interfaceName]: LIBIPSEC_DEVICE } : {};
  }
}

/** The address the gateway puts on lo for a local traffic selector: the subnet's last host address. */
export function tsAddress(subnet: string): string {
  const c = parseCidr(subnet, false);
  const size = cidrSize(c);
  return nthIp(c, size > 2 ? size - 2 : 0);
}

function localSubnets(local: EndpointSpec): string[] {
  try {
    return endpointSubnets(local);
  } catch {
    return [];
  }
}

function installedChildren(cable: Cable, sas: readonly IkeSa[]): ChildSa[] {
  const name = cable.swan.name;
  const children = sas.filter((s) => s.name === name).flatMap((s) => s.children).filter((c) => c.name === name);
  return children.filter((c) => c.state === 'INSTALLED' || c.state === 'REKEYING' || c.state === 'REKEYED');
}

function childBytes(children: readonly ChildSa[]): CableTraffic {
  return { rxBytes: children.reduce((n, c) => n + c.inBytes, 0), txBytes: children.reduce((n, c) => n + c.outBytes, 0) };
}

/**
 * The cable's state from its SAs: connected with an installed CHILD_SA; else an error when the peers' keys
 * differ, or connecting, with the last IKE failure charon logged for it.
 */
function cableStatus(cable: Cable, sas: readonly IkeSa[], failure: IkeError | undefined): { status: Connection['status']; message: string; initiate: boolean } {
  const ikes = sas.filter((s) => s.name === cable.swan.name);
  const installed = installedChildren(cable, sas);
  if (installed.length > 0) {
    const { rxBytes: rx, txBytes: tx } = childBytes(installed);
    const modes = [...new Set(installed.map((c) => c.mode))].join(', ');
    return { status: 'connected', message: `CHILD_SA INSTALLED, ${modes}, Rx=${rx} Bytes, Tx=${tx} Bytes`, initiate: false };
  }
  const { message, initiate } = ikes.some((s) => s.state === 'ESTABLISHED')
    ? { message: 'IKE SA established, no CHILD_SA installed yet', initiate: true }
    : ikes.some((s) => s.state === 'CONNECTING')
      ? { message: 'IKE SA connecting', initiate: false }
      : { message: 'no IKE SA yet', initiate: true };
  if (failure?.authentication) return { status: 'error', message: `IKE authentication failed (${failure.message}): the peers' pre-shared keys differ`, initiate };
  return { status: 'connecting', message: failure ? `${message}; last IKE error: ${failure.message}` : message, initiate };
}
