import type { Column } from '../cli/output.js';
import type { BrokerRow } from './data/brokers.js';
import type { ConnectionRow } from './data/connections.js';
import type { EndpointRow } from './data/endpoints.js';
import type { ViewName } from './data/gather.js';
import type { GatewayRow } from './data/gateways.js';
import type { NetworkRow } from './data/networks.js';
import type { VersionRow } from './data/versions.js';

const ctx = <R extends { context: string }>(): Column<R> => ({ header: 'context', get: (r) => r.context });

/** A column shown only when some row has a value in it (the Globalnet ones). */
type ShowColumn<R> = Column<R> & { whenSet?: boolean };

/** subctl's columns, with a CONTEXT column first when several clusters are shown. */
export const tables = {
  connections: [
    { header: 'gateway', get: (r: ConnectionRow) => r.gateway },
    { header: 'cluster', get: (r: ConnectionRow) => r.cluster },
    { header: 'remote ip', get: (r: ConnectionRow) => r.remoteIp },
    { header: 'nat', get: (r: ConnectionRow) => r.nat },
    { header: 'cable driver', get: (r: ConnectionRow) => r.cableDriver },
    { header: 'subnets', get: (r: ConnectionRow) => r.subnets },
    { header: 'status', get: (r: ConnectionRow) => r.status },
    { header: 'rtt avg.', get: (r: ConnectionRow) => r.rtt },
    { header: 'message', get: (r: ConnectionRow) => r.message, wide: true },
  ],
  endpoints: [
    { header: 'cluster', get: (r: EndpointRow) => r.cluster },
    { header: 'endpoint ip', get: (r: EndpointRow) => r.endpointIp },
    { header: 'public ip', get: (r: EndpointRow) => r.publicIp },
    { header: 'cable driver', get: (r: EndpointRow) => r.cableDriver },
    { header: 'type', get: (r: EndpointRow) => r.type },
  ],
  gateways: [
    { header: 'node', get: (r: GatewayRow) => r.node },
    { header: 'ha status', get: (r: GatewayRow) => r.haStatus },
    { header: 'summary', get: (r: GatewayRow) => r.summary },
    { header: 'global ip', get: (r: GatewayRow) => r.globalIp, whenSet: true },
  ],
  networks: [
    { header: 'cluster', get: (r: NetworkRow) => r.cluster },
    { header: 'network plugin', get: (r: NetworkRow) => r.networkPlugin },
    { header: 'service cidrs', get: (r: NetworkRow) => r.serviceCidrs },
    { header: 'cluster cidrs', get: (r: NetworkRow) => r.clusterCidrs },
    { header: 'global cidr', get: (r: NetworkRow) => r.globalCidr },
    { header: 'global egress ips', get: (r: NetworkRow) => r.globalEgressIps, whenSet: true },
  ],
  versions: [
    { header: 'component', get: (r: VersionRow) => r.component },
    { header: 'repository', get: (r: VersionRow) => r.repository },
    { header: 'configured', get: (r: VersionRow) => r.configured },
    { header: 'running', get: (r: VersionRow) => r.running },
  ],
  brokers: [
    { header: 'namespace', get: (r: BrokerRow) => r.namespace },
    { header: 'name', get: (r: BrokerRow) => r.name },
    { header: 'components', get: (r: BrokerRow) => r.components },
    { header: 'globalnet', get: (r: BrokerRow) => r.globalnet },
    { header: 'globalnet cidr', get: (r: BrokerRow) => r.globalnetCidr },
    { header: 'default globalnet size', get: (r: BrokerRow) => r.defaultGlobalnetSize },
    { header: 'default domains', get: (r: BrokerRow) => r.defaultDomains },
  ],
};

/** The columns of a view; those shown only when set are left out unless one of `rows` has a value in them. */
export function columns(view: ViewName, multi: boolean, rows: readonly { context: string }[] = []): Column<{ context: string }>[] {
  const all = tables[view] as unknown as ShowColumn<{ context: string }>[];
  const cols = all.filter((c) => !c.whenSet || rows.some((r) => (c.get(r) ?? '') !== '')).map(({ whenSet: _, ...c }) => c);
  return multi ? [ctx(), ...cols] : cols;
}

/** What -o json/yaml prints: one view's rows as a list, several views' as an object keyed by view. */
export function dataOf(results: readonly { view: ViewName; rows: unknown[] }[]): unknown {
  return results.length === 1 ? (results[0]?.rows ?? []) : Object.fromEntries(results.map((r) => [r.view, r.rows]));
}
