import type { Connection, EndpointSpec } from '../api/generated.js';
import { errorText, type Logger } from '../base/log.js';
import type { CableDriver, CableTraffic } from '../../plugins/driver.js';
import type { EndpointHealth } from './health/health-checker.js';
import type { NatResult } from './natdiscovery/nat-discovery.js';

/** The part of NAT discovery the engine uses. */
export interface NatLookup {
  addEndpoint(name: string, spec: EndpointSpec): void;
  removeEndpoint(name: string): void;
  result(name: string): NatResult | undefined;
}

export type InstallOutcome = 'installed' | 'unchanged' | 'pending-nat' | 'refused-older' | 'own-cluster';

interface Cable {
  name: string;
  spec: EndpointSpec;
  createdAt: number;
  nat: NatResult;
}

/** What makes a cable need reinstalling. */
const cableKey = (s: EndpointSpec): string =>
  JSON.stringify([s.private_ip, s.public_ip ?? '', s.nat_enabled, s.subnets, Object.entries(s.backend_config ?? {}).sort(), s.healthCheckIP ?? '']);

/**
 * One cable per remote cluster on top of the driver: a newer Endpoint of a cluster replaces the older
 * one (an older one is refused), a change of addresses, NAT, subnets or backend_config reinstalls it,
 * and NAT discovery decides the address first. Endpoints that cannot be connected are kept as errors
 * for the Gateway status.
 */
export class CableEngine {
  private readonly cables = new Map<string, Cable>();
  private readonly errors = new Map<string, { spec: EndpointSpec; message: string }>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly driver: CableDriver,
    private readonly nat: NatLookup,
    private readonly localClusterId: string,
    private readonly log: Logger,
  ) {}

  /** One change to the driver at a time. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }

  installCable(name: string, spec: EndpointSpec, createdAt: number): Promise<InstallOutcome> {
    return this.serial(async () => {
      if (spec.cluster_id === this.localClusterId) return 'own-cluster';
      const existing = this.cables.get(spec.cluster_id);
      if (existing && existing.name !== name && createdAt < existing.createdAt) {
        this.log.info('refusing an older Endpoint of a connected cluster', { cluster: spec.cluster_id, endpoint: name, connected: existing.name });
        return 'refused-older';
      }
      this.nat.addEndpoint(name, spec);
      const nat = this.nat.result(name);
      if (!nat) return 'pending-nat';
      if (existing && existing.name === name && cableKey(existing.spec) === cableKey(spec) && existing.nat.useIP === nat.useIP && existing.nat.useNAT === nat.useNAT) {
        existing.spec = spec;
        return 'unchanged';
      }
      if (existing) await this.disconnect(existing);
      try {
        await this.driver.connectToEndpoint({ endpoint: spec, useIP: nat.useIP, useNAT: nat.useNAT });
      } catch (err) {
        this.errors.set(name, { spec, message: `cannot connect: ${errorText(err)}` });
        throw err;
      }
      this.cables.set(spec.cluster_id, { name, spec, createdAt, nat });
      this.errors.delete(name);
      this.log.info('cable installed', { endpoint: name, cluster: spec.cluster_id, useIP: nat.useIP, useNAT: nat.useNAT });
      return 'installed';
    });
  }

  private async disconnect(cable: Cable): Promise<void> {
    await this.driver.disconnectFromEndpoint(cable.spec);
    this.cables.delete(cable.spec.cluster_id);
    this.nat.removeEndpoint(cable.name);
    this.log.info('cable removed', { endpoint: cable.name, cluster: cable.spec.cluster_id });
  }

  removeCable(name: string): Promise<void> {
    return this.serial(async () => {
      this.errors.delete(name);
      this.nat.removeEndpoint(name);
      const cable = [...this.cables.values()].find((c) => c.name === name);
      if (cable) await this.disconnect(cable);
    });
  }

  /** Records why a remote Endpoint is not connected (and drops its cable if it had one). */
  async reportError(name: string, spec: EndpointSpec, message: string): Promise<void> {
    await this.removeCable(name);
    this.errors.set(name, { spec, message });
  }

  /** The remote Endpoints with a cable. */
  remoteEndpoints(): EndpointSpec[] {
    return [...this.cables.values()].map((c) => c.spec);
  }

  /** The driver's connections with health-check results applied, plus one error entry per unusable Endpoint. */
  async connections(health?: (cableName: string) => EndpointHealth | undefined): Promise<Connection[]> {
    let conns: Connection[];
    try {
      conns = await this.driver.getConnections();
    } catch (err) {
      this.log.warn('cannot read the connection status from the cable driver', { error: errorText(err) });
      conns = await this.driver.getActiveConnections();
    }
    const out = conns.map((c): Connection => {
      const h = health?.(c.endpoint.cable_name);
      if (!h) return c;
      const next: Connection = { ...c, ...(h.latency ? { latencyRTT: h.latency } : {}) };
      if (!h.healthy && c.status === 'connected') return { ...next, status: 'error', statusMessage: h.message };
      return next;
    });
    for (const { spec, message } of this.errors.values()) {
      if (!out.some((c) => c.endpoint.cable_name === spec.cable_name)) out.push({ status: 'error', statusMessage: message, endpoint: spec });
    }
    return out;
  }

  /** Bytes through each cable, by cable name; empty when the driver cannot tell. */
  async traffic(): Promise<Map<string, CableTraffic>> {
    try {
      return await this.driver.traffic();
    } catch (err) {
      this.log.warn('cannot read the traffic counters from the cable driver', { error: errorText(err) });
      return new Map();
    }
  }

  /** Disconnects everything and removes the driver's devices, routes and daemons. */
  stop(): Promise<void> {
    return this.serial(async () => {
      for (const cable of [...this.cables.values()]) this.nat.removeEndpoint(cable.name);
      this.cables.clear();
      this.errors.clear();
      await this.driver.cleanup();
    });
  }
}
