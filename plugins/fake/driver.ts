import type { Connection, EndpointSpec } from '../../src/api/generated.js';
import { connection } from '../common.js';
import type { CableDriver, CableTraffic, NatEndpointInfo } from '../driver.js';

/** A cable driver that keeps its connections in memory; `failConnect` makes connecting fail. */
export class FakeCableDriver implements CableDriver {
  initialized = false;
  cleanedUp = false;
  readonly connections = new Map<string, Connection>();
  /** Connections to these cluster IDs fail with the given message. */
  readonly failConnect = new Map<string, string>();
  /** Every connect and disconnect, in order: `connect <cable> <ip>` / `disconnect <cable>`. */
  readonly history: string[] = [];
  /** What traffic() reports, by cable name. */
  readonly counters = new Map<string, CableTraffic>();
  /** How long connecting takes (a real driver runs commands). */
  connectDelayMs = 0;

  constructor(private readonly name = 'vxlan', private readonly config: Record<string, string> = {}) {}

  getName(): string {
    return this.name;
  }

  async init(): Promise<void> {
    this.initialized = true;
    this.cleanedUp = false;
  }

  async getActiveConnections(): Promise<Connection[]> {
    return [...this.connections.values()].map((c) => structuredClone(c));
  }

  async getConnections(): Promise<Connection[]> {
    return this.getActiveConnections();
  }

  async connectToEndpoint(info: NatEndpointInfo): Promise<string> {
    const failure = this.failConnect.get(info.endpoint.cluster_id);
    if (failure) throw new Error(failure);
    if (this.connectDelayMs > 0) await new Promise((r) => setTimeout(r, this.connectDelayMs));
    this.history.push(`connect ${info.endpoint.cable_name} ${info.useIP}`);
    this.connections.set(info.endpoint.cable_name, connection(info, 'connected'));
    return info.useIP;
  }

  async disconnectFromEndpoint(remote: EndpointSpec): Promise<void> {
    this.history.push(`disconnect ${remote.cable_name}`);
    this.connections.delete(remote.cable_name);
  }

  async traffic(): Promise<Map<string, CableTraffic>> {
    return new Map([...this.counters].filter(([cable]) => this.connections.has(cable)).map(([cable, t]) => [cable, { ...t }]));
  }

  async cleanup(): Promise<void> {
    this.cleanedUp = true;
    this.initialized = false;
    this.connections.clear();
  }

  backendConfig(): Record<string, string> {
    return { ...this.config };
  }
}
