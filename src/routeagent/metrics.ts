import { Counter, Gauge, Registry } from 'prom-client';
import type { RouteAgentStatus } from '../api/generated.js';
import { parseGoDuration } from '../base/duration.js';
import type { RouteAgentStatusWriter } from './handlers/healthchecker/status-writer.js';

const remoteLabels = ['local_cluster', 'local_hostname', 'remote_cluster', 'remote_hostname', 'remote_endpoint_ip'] as const;

/**
 * The route agent's health checks as metrics: one series per remote gateway this node pings, with
 * the status and last RTT it writes into its RouteAgent object.
 */
export class RouteAgentMetrics {
  readonly registry = new Registry();
  private readonly registers = [this.registry];
  private readonly connections = new Gauge({
    name: 'submariner_routeagent_connections',
    help: 'Remote gateways health-checked from this node, by status',
    labelNames: [...remoteLabels, 'status'] as const,
    registers: this.registers,
  });
  private readonly latency = new Gauge({
    name: 'submariner_routeagent_connection_latency_seconds',
    help: 'Last health-check RTT from this node to a remote gateway, in seconds',
    labelNames: remoteLabels,
    registers: this.registers,
  });
  private readonly writes = new Counter({ name: 'submariner_routeagent_sync_iterations', help: 'RouteAgent status updates written', registers: this.registers });

  constructor(
    private readonly clusterId: string,
    private readonly nodeName: string,
  ) {}

  record(status: RouteAgentStatus): void {
    this.writes.inc();
    this.connections.reset();
    this.latency.reset();
    for (const r of status.remoteEndpoints) {
      const labels = {
        local_cluster: this.clusterId,
        local_hostname: this.nodeName,
        remote_cluster: r.spec.cluster_id,
        remote_hostname: r.spec.hostname,
        remote_endpoint_ip: r.spec.public_ip ?? '',
      };
      this.connections.set({ ...labels, status: r.status }, 1);
      const rtt = r.latencyRTT?.last === undefined ? undefined : parseGoDuration(r.latencyRTT.last);
      if (rtt !== undefined) this.latency.set(labels, rtt / 1e9);
    }
  }

  /** A writer that records every status it passes on to `inner`. */
  recording(inner: RouteAgentStatusWriter): RouteAgentStatusWriter {
    return {
      write: async (status) => {
        this.record(status);
        await inner.write(status);
      },
      remove: () => inner.remove(),
    };
  }
}
