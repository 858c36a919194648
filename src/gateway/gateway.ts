import { isIPv4 } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster, Endpoint, EndpointSpec, Gateway, GatewayStatus } from '../api/generated.js';
import { ClusterResource, EndpointResource, apiVersionOf } from '../api/index.js';
import { annotations, labels } from '../api/names.js';
import type { Election } from '../kube/lease/elector.js';
import { errorText, type Logger } from '../base/log.js';
import type { Ping } from '../net/ping/echo.js';
import type { DriverRegistry } from '../../plugins/index.js';
import type { CableDriver, DriverContext } from '../../plugins/driver.js';
import { CableEngine } from './cable-engine.js';
import type { GatewayConfig } from './config.js';
import { DatastoreSyncer, type SyncedKind } from './datastore-syncer.js';
import { HealthChecker } from './health/health-checker.js';
import type { GatewayMetrics } from './metrics.js';
import { endpointName, localSubnets } from './local-endpoint.js';
import type { NatDiscoveryDeps } from './natdiscovery/nat-discovery.js';
import type { RunningNatDiscovery } from './natdiscovery/udp.js';
import type { ObjectClient } from './custom-objects.js';
import { StandbyProbe } from './standby.js';
import { gatewayUpdatedAt, GatewayStatusSyncer, STALE_GATEWAY_MS } from './status-syncer.js';
import { TunnelController } from './tunnel-controller.js';

export interface GatewayDeps {
  config: GatewayConfig;
  log: Logger;
  version: string;
  /** The Endpoint this gateway publishes, before the driver adds its backend_config. */
  localEndpoint: EndpointSpec;
  /** The node's address in the cluster CIDR, the source of health-check pings (default: the Endpoint's healthCheckIP). */
  cniIp?: string | undefined;
  drivers: DriverRegistry;
  driverContext: (local: EndpointSpec) => DriverContext;
  endpoints: SyncedKind<Endpoint>;
  clusters: SyncedKind<Cluster>;
  gateways: ObjectClient<Gateway>;
  setPodLabels: (labels: Record<string, string>) => Promise<void>;
  newElection: (callbacks: { onStartedLeading: () => Promise<void>; onStoppedLeading: () => Promise<void> }) => Election;
  startNatDiscovery: (deps: Omit<NatDiscoveryDeps, 'send'>) => Promise<RunningNatDiscovery>;
  ping: Ping;
  /** A failure the gateway cannot recover from by itself (the process should exit and be restarted). */
  onFatal: (err: unknown) => void;
  statusIntervalMs?: number;
  /** Fed at every status sync with what goes into the Gateway status. */
  metrics?: GatewayMetrics;
}

/** How long start-up waits for the first lists of the watched objects. */
const CACHE_WAIT_MS = 5000;
/** How long a gateway shutting down keeps carrying traffic after its successor published its Endpoint (the route agents move meanwhile). */
export const HANDOVER_GRACE_MS = 1000;
/** The longest a gateway shutting down waits for a successor before it tears its cables down. */
export const HANDOVER_MAX_MS = 4000;
/** The longest a new active gateway waits for its cables to the known gateways before it publishes its Endpoint. */
const CABLES_FIRST_MS = 1000;
/** How long a gateway shutting down asks the API server whether a standby is alive. */
const STANDBY_LOOKUP_MS = 1000;

interface ActiveParts {
  driver: CableDriver;
  engine: CableEngine;
  syncer: DatastoreSyncer;
  tunnels: TunnelController;
  health: HealthChecker | undefined;
}

/**
 * One gateway pod. Every pod runs NAT discovery and writes its Gateway status; the one holding the
 * lease also runs the cable driver, the broker sync, the tunnel controller and the health checker,
 * and labels itself active.
 */
export class GatewayAgent {
  private local: EndpointSpec;
  private active: ActiveParts | undefined;
  private failure = '';
  private nat: RunningNatDiscovery | undefined;
  private election: Election | undefined;
  private status: GatewayStatusSyncer | undefined;
  private standby: StandbyProbe | undefined;
  private podLabel: 'active' | 'passive' | undefined;
  private transitions: Promise<void> = Promise.resolve();
  /** Set by stop(): whether stepping down waits for a successor first. */
  private stopping: { handOver: boolean } | undefined;

  private readonly pingSource: string | undefined;

  constructor(private readonly d: GatewayDeps) {
    this.local = structuredClone(d.localEndpoint);
    this.pingSource = d.cniIp ?? (d.localEndpoint.healthCheckIP || undefined);
  }

  get isActive(): boolean {
    return this.active !== undefined;
  }

  /** Active, and still holding the lease by this process's clock: the fence on every write made as the active gateway. */
  private get leads(): boolean {
    return this.active !== undefined && this.election?.holdsLease === true;
  }

  get localEndpoint(): EndpointSpec {
    return this.local;
  }

  private get endpointName(): string {
    return endpointName(this.d.config.clusterId, this.local.cable_name);
  }

  private endpointObject(): Endpoint {
    return { apiVersion: apiVersionOf(EndpointResource), kind: EndpointResource.kind, metadata: { name: this.endpointName }, spec: this.local };
  }

  private clusterObject(): Cluster {
    const c = this.d.config;
    return {
      apiVersion: apiVersionOf(ClusterResource),
      kind: ClusterResource.kind,
      metadata: { name: c.clusterId },
      spec: { cluster_id: c.clusterId, color_codes: ['blue'], service_cidr: c.serviceCidrs, cluster_cidr: c.clusterCidrs, global_cidr: c.globalCidrs },
    };
  }

  async start(): Promise<void> {
    const { d } = this;
    this.nat = await d.startNatDiscovery({
      local: () => this.local,
      localPort: d.config.nattDiscoveryPort,
      log: d.log,
      onReady: (name) => this.active?.tunnels.requeue(name),
    });
    // The watches fill in the background: a broker that is slow to answer must not hold up the election.
    const caches = [d.endpoints.localCache, d.endpoints.brokerCache, d.clusters.localCache, d.clusters.brokerCache];
    const listed = Promise.all(caches.map((k) => k.start())).catch((err: unknown) => d.log.warn('a watch failed to start', { error: errorText(err) }));
    await Promise.race([listed, new Promise((r) => setTimeout(r, CACHE_WAIT_MS).unref())]);
    await this.labelPod('passive');
    this.standby = new StandbyProbe({
      endpoints: d.endpoints.localCache,
      nat: this.nat.discovery,
      localClusterId: d.config.clusterId,
      localDriver: d.config.cableDriver,
      knownDrivers: d.drivers.names(),
    });
    this.standby.start();
    d.metrics?.recordCreation(this.local);
    this.status = new GatewayStatusSyncer({
      gateways: d.gateways,
      name: d.config.nodeName,
      status: () => this.currentStatus(),
      isActive: () => this.leads,
      log: d.log,
      ...(d.statusIntervalMs ? { intervalMs: d.statusIntervalMs } : {}),
      ...(d.metrics ? { countGateways: (n: number) => d.metrics?.recordGateways(n) } : {}),
      observe: (gw) => this.globalIpObserved(gw.metadata.annotations?.[annotations.globalIp]),
    });
    this.status.start();
    this.election = d.newElection({
      onStartedLeading: () => this.transition(() => this.becomeActive()),
      onStoppedLeading: () => this.transition(() => this.stepDown()),
    });
    void this.election.start();
    d.log.info('gateway started', { node: d.config.nodeName, endpoint: this.endpointName, privateIp: this.local.private_ip, publicIp: this.local.public_ip });
  }

  private transition(fn: () => Promise<void>): Promise<void> {
    this.transitions = this.transitions.then(fn, fn);
    return this.transitions;
  }

  /** Labels the pod with its state; a state it already carries is not written again (stepping down labels early). */
  private async labelPod(state: 'active' | 'passive'): Promise<void> {
    if (this.podLabel === state) return;
    try {
      await this.d.setPodLabels({ [labels.gatewayStatus]: state, [labels.gatewayNode]: this.d.config.nodeName });
      this.podLabel = state;
    } catch (err) {
      this.d.log.warn('cannot label the gateway pod', { state, error: errorText(err) });
    }
  }

  private async becomeActive(): Promise<void> {
    const { d } = this;
    const nat = this.nat;
    if (!nat) return;
    // What the standby probe discovered stays with NAT discovery: the cables to known gateways go in at once.
    this.standby?.stop();
    let driver: CableDriver | undefined;
    try {
      driver = d.drivers.create(d.config.cableDriver, d.driverContext(this.local));
      await driver.init();
    } catch (err) {
      this.failure = `the ${d.config.cableDriver} cable driver failed to start: ${errorText(err)}`;
      d.log.error('cannot become the active gateway', { error: this.failure });
      await driver?.cleanup().catch(() => undefined);
      await this.status?.syncSafely();
      d.onFatal(err);
      return;
    }
    this.failure = '';
    this.local = { ...this.local, backend_config: { ...this.local.backend_config, ...driver.backendConfig() } };
    const engine = new CableEngine(driver, nat.discovery, d.config.clusterId, d.log);
    const health = d.config.healthCheck.enabled
      ? new HealthChecker({
          localIp: () => this.pingSource,
          ping: d.ping,
          intervalMs: d.config.healthCheck.intervalMs,
          maxPacketLoss: d.config.healthCheck.maxPacketLoss,
          log: d.log,
          onChange: () => void this.status?.syncSafely(),
        })
      : undefined;
    const syncer = new DatastoreSyncer({
      clusterId: d.config.clusterId,
      localNamespace: d.config.namespace,
      endpoints: d.endpoints,
      clusters: d.clusters,
      localEndpoint: () => this.endpointObject(),
      localCluster: () => this.clusterObject(),
      localSubnets: localSubnets(d.config),
      mayWrite: () => this.leads,
      log: d.log,
    });
    const tunnels = new TunnelController({
      endpoints: d.endpoints.localCache,
      engine,
      localClusterId: d.config.clusterId,
      localDriver: d.config.cableDriver,
      knownDrivers: d.drivers.names(),
      log: d.log,
    });
    this.active = { driver, engine, syncer, tunnels, health };
    tunnels.start();
    health?.start();
    // The cables to the gateways already known go in before this gateway announces itself, so a remote gateway
    // that sees the new Endpoint finds this side ready. Both sides starting their handshakes at the same moment
    // is what costs most: WireGuard's crossed initiations both fail and wait 5 s to try again.
    await Promise.race([tunnels.idle(), sleep(CABLES_FIRST_MS, undefined, { ref: false })]);
    syncer.start();
    await this.labelPod('active');
    await this.status?.syncSafely();
    d.log.info('this gateway is active', { node: d.config.nodeName, driver: d.config.cableDriver });
  }

  /**
   * With Globalnet, the health-check IP remote gateways ping is this gateway's global IP, which GlobalNet
   * annotates on its Gateway object: the Endpoint is published again when it changes.
   */
  private globalIpObserved(ip: string | undefined): void {
    if (this.d.config.globalCidrs.length === 0 || ip === undefined || ip === this.local.healthCheckIP) return;
    if (!isIPv4(ip)) {
      this.d.log.warn('ignoring the global IP annotated on the Gateway: it is not an IPv4 address', { [annotations.globalIp]: ip });
      return;
    }
    this.d.log.info('the health-check IP is now the gateway\'s global IP', { globalIp: ip });
    this.local = { ...this.local, healthCheckIP: ip };
    this.active?.syncer.publish();
  }

  /**
   * Steps down. When shutting down with a successor, the cables stay up until the successor's Endpoint is
   * published and a grace period has passed: until the remote clusters and the route agents have moved to
   * it, packets still come this way, and this gateway still carries them (make before break).
   */
  private async stepDown(): Promise<void> {
    if (this.stopping?.handOver && this.active && (await this.standbyExists())) {
      // No longer the active gateway for anyone who asks (a load balancer selects on this label), while the cables carry on.
      await this.labelPod('passive');
      await this.awaitSuccessor();
    }
    await this.becomePassive();
  }

  /**
   * Whether a passive gateway on another node is alive (its Gateway written lately) to take over: else there is
   * no one to wait for. An API server that does not answer within a second counts as no.
   */
  private async standbyExists(): Promise<boolean> {
    try {
      const now = Date.now();
      const gateways = await Promise.race([this.d.gateways.list(), sleep(STANDBY_LOOKUP_MS).then(() => [])]);
      return gateways.some((gw) => gw.metadata?.name !== this.d.config.nodeName && gw.status?.haStatus === 'passive' && now - gatewayUpdatedAt(gw) < STALE_GATEWAY_MS);
    } catch (err) {
      this.d.log.warn('cannot tell whether another gateway can take over; not waiting for one', { error: errorText(err) });
      return false;
    }
  }

  private async awaitSuccessor(): Promise<void> {
    const { d } = this;
    const cache = d.endpoints.localCache;
    const successor = () => cache.list().some((ep) => ep.spec?.cluster_id === d.config.clusterId && ep.metadata?.name !== this.endpointName);
    const started = Date.now();
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (!successor()) return;
        clearInterval(poll);
        clearTimeout(deadline);
        setTimeout(resolve, HANDOVER_GRACE_MS);
      }, 20);
      const deadline = setTimeout(() => {
        clearInterval(poll);
        resolve();
      }, HANDOVER_MAX_MS);
    });
    d.log.info('handed over', { successor: successor(), waitedMs: Date.now() - started });
  }

  private async becomePassive(): Promise<void> {
    const parts = this.active;
    this.active = undefined;
    if (!parts) return;
    await this.labelPod('passive');
    parts.tunnels.stop();
    parts.syncer.stop();
    parts.health?.stop();
    try {
      await parts.engine.stop();
    } catch (err) {
      this.d.log.warn('cleaning up the cable driver failed', { error: errorText(err) });
    }
    if (!this.stopping) this.standby?.start();
    await this.status?.syncSafely();
    this.d.log.info('this gateway is passive', { node: this.d.config.nodeName });
  }

  /** The Gateway status as it is now. */
  async currentStatus(): Promise<GatewayStatus> {
    const parts = this.leads ? this.active : undefined;
    let connections: GatewayStatus['connections'] = [];
    if (parts) {
      parts.health?.setEndpoints(parts.engine.remoteEndpoints());
      connections = await parts.engine.connections(parts.health ? (name) => parts.health?.health(name) : undefined);
    }
    if (this.d.metrics) {
      const traffic = parts ? await parts.engine.traffic() : new Map();
      this.d.metrics.recordSync({ driver: this.d.config.cableDriver, local: this.local, connections, traffic });
    }
    return {
      version: this.d.version,
      haStatus: parts ? 'active' : 'passive',
      localEndpoint: this.local,
      ...(this.failure ? { statusFailure: this.failure } : {}),
      connections,
    };
  }

  /**
   * Releases the lease, steps down (cleaning up the driver) and stops writing status. With `handOver` (the
   * default), an active gateway keeps carrying traffic until a successor took over, for at most
   * HANDOVER_MAX_MS; an uninstall does not wait.
   */
  async stop(opts: { handOver?: boolean } = {}): Promise<void> {
    this.stopping = { handOver: opts.handOver ?? true };
    await this.election?.stop();
    await this.transition(() => this.becomePassive());
    this.standby?.stop();
    await this.status?.stop();
    await this.nat?.stop();
    const { d } = this;
    for (const k of [d.endpoints.localCache, d.endpoints.brokerCache, d.clusters.localCache, d.clusters.brokerCache]) await k.stop();
  }
}
