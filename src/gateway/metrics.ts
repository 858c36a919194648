import { Counter, Gauge, Registry } from 'prom-client';
import type { Connection, EndpointSpec } from '../api/generated.js';
import { parseGoDuration } from '../base/duration.js';
import type { CableTraffic } from '../../plugins/driver.js';

const cableLabels = ['cable_driver', 'local_cluster', 'local_hostname', 'local_endpoint_ip', 'remote_cluster', 'remote_hostname', 'remote_endpoint_ip'] as const;
type CableLabel = (typeof cableLabels)[number];
const requestedLabels = ['local_cluster', 'local_hostname', 'remote_cluster', 'remote_hostname', 'status'] as const;

/** What the gateway knows at one status sync: the connections as written into its Gateway status, and the driver's byte counters. */
export interface GatewaySnapshot {
  driver: string;
  local: EndpointSpec;
  connections: readonly Connection[];
  /** By cable name. */
  traffic: ReadonlyMap<string, CableTraffic>;
}

/** Submariner's gateway metrics (pkg/cable/metrics.go and the gateway syncer's), with its names and labels. */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly registers = [this.registry];
  private readonly gateways = new Gauge({ name: 'submariner_gateways', help: 'The number of gateways in the cluster', registers: this.registers });
  private readonly creation = new Gauge({
    name: 'submariner_gateway_creation_timestamp',
    help: 'Timestamp of gateway creation time',
    labelNames: ['local_cluster', 'local_hostname'] as const,
    registers: this.registers,
  });
  private readonly iterations = new Counter({ name: 'submariner_gateway_sync_iterations', help: 'Gateway synchronization iterations', registers: this.registers });
  private readonly rx = new Gauge({ name: 'submariner_gateway_rx_bytes', help: 'Count of bytes received (by cable driver and cable)', labelNames: cableLabels, registers: this.registers });
  private readonly tx = new Gauge({ name: 'submariner_gateway_tx_bytes', help: 'Count of bytes transmitted (by cable driver and cable)', labelNames: cableLabels, registers: this.registers });
  private readonly connections = new Gauge({
    name: 'submariner_connections',
    help: 'Number of connections and corresponding status (by cable driver and cable)',
    labelNames: [...cableLabels, 'status'] as const,
    registers: this.registers,
  });
  private readonly requested = new Gauge({
    name: 'submariner_requested_connections',
    help: 'Number of requested connections by endpoint and status',
    labelNames: requestedLabels,
    registers: this.registers,
  });
  private readonly established = new Gauge({
    name: 'submariner_connection_established_timestamp',
    help: 'Timestamp of last successful connection established (by cable driver and cable)',
    labelNames: cableLabels,
    registers: this.registers,
  });
  private readonly latency = new Gauge({
    name: 'submariner_connection_latency_seconds',
    help: 'Connection latency in seconds (last RTT, by cable driver and cable)',
    labelNames: cableLabels,
    registers: this.registers,
  });
  /** Unix seconds at which each cable last became connected, by cable name. */
  private readonly connectedSince = new Map<string, number>();

  /** The gateway pod started (Unix milliseconds). */
  recordCreation(local: EndpointSpec, nowMs = Date.now()): void {
    this.creation.set({ local_cluster: local.cluster_id, local_hostname: local.hostname }, Math.floor(nowMs / 1000));
  }

  /** The Gateway objects of the cluster, as the active gateway lists them. */
  recordGateways(count: number): void {
    this.gateways.set(count);
  }

  /** Sets the per-connection gauges from one status sync; connections no longer there disappear. */
  recordSync(s: GatewaySnapshot, nowMs = Date.now()): void {
    this.iterations.inc();
    for (const g of [this.rx, this.tx, this.connections, this.requested, this.established, this.latency]) g.reset();
    const requested = new Map<string, number>();
    const seen = new Set<string>();
    for (const c of s.connections) {
      const cable = c.endpoint.cable_name;
      seen.add(cable);
      const labels = cableLabelValues(s.driver, s.local, c.endpoint);
      this.connections.set({ ...labels, status: c.status }, 1);
      const key = JSON.stringify([c.endpoint.cluster_id, c.endpoint.hostname, c.status]);
      requested.set(key, (requested.get(key) ?? 0) + 1);
      if (c.status === 'connected') {
        if (!this.connectedSince.has(cable)) this.connectedSince.set(cable, Math.floor(nowMs / 1000));
      } else this.connectedSince.delete(cable);
      const since = this.connectedSince.get(cable);
      if (since !== undefined) this.established.set(labels, since);
      const rtt = c.latencyRTT?.last === undefined ? undefined : parseGoDuration(c.latencyRTT.last);
      if (rtt !== undefined) this.latency.set(labels, rtt / 1e9);
      const t = s.traffic.get(cable);
      if (t) {
        this.rx.set(labels, t.rxBytes);
        this.tx.set(labels, t.txBytes);
      }
    }
    for (const cable of this.connectedSince.keys()) if (!seen.has(cable)) this.connectedSince.delete(cable);
    for (const [key, n] of requested) {
      const [remote_cluster, remote_hostname, status] = JSON.parse(key) as [string, string, string];
      this.requested.set({ local_cluster: s.local.cluster_id, local_hostname: s.local.hostname, remote_cluster, remote_hostname, status }, n);
    }
  }
}

/** Submariner labels a cable by the public IPs of its two ends. */
function cableLabelValues(driver: string, local: EndpointSpec, remote: EndpointSpec): Record<CableLabel, string> {
  return {
    cable_driver: driver,
    local_cluster: local.cluster_id,
    local_hostname: local.hostname,
    local_endpoint_ip: local.public_ip ?? '',
    remote_cluster: remote.cluster_id,
    remote_hostname: remote.hostname,
    remote_endpoint_ip: remote.public_ip ?? '',
  };
}
