import { AppsV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { Broker, Endpoint, Gateway, Submariner } from '../api/generated.js';
import { BrokerResource, EndpointResource, GatewayResource, SubmarinerResource } from '../api/generated.js';
import { names } from '../render/contract.js';
import { apiStatus, retryBusy } from '../kube/apply.js';
import type { Column } from '../cli/output.js';

/** One cluster to show, labelled with its kube context. */
export interface Target {
  context: string;
  kc: KubeConfig;
  namespace: string;
}

export interface ConnectionRow {
  context: string;
  gateway: string;
  cluster: string;
  remoteIp: string;
  nat: string;
  cableDriver: string;
  subnets: string;
  status: string;
  rtt: string;
}

export interface EndpointRow {
  context: string;
  cluster: string;
  endpointIp: string;
  publicIp: string;
  cableDriver: string;
  type: 'local' | 'remote';
}

export interface GatewayRow {
  context: string;
  node: string;
  haStatus: string;
  summary: string;
}

export interface NetworkRow {
  context: string;
  cluster: string;
  networkPlugin: string;
  serviceCidrs: string;
  clusterCidrs: string;
  globalCidr: string;
}

export interface VersionRow {
  context: string;
  component: string;
  repository: string;
  configured: string;
  running: string;
}

export interface BrokerRow {
  context: string;
  namespace: string;
  name: string;
  components: string;
  globalnet: string;
  globalnetCidr: string;
  defaultGlobalnetSize: string;
  defaultDomains: string;
}

async function list<T>(t: Target, r: { group: string; version: string; plural: string }, namespace?: string): Promise<T[]> {
  const api = t.kc.makeApiClient(CustomObjectsApi);
  try {
    const res = (await retryBusy(() =>
      namespace === undefined
        ? api.listClusterCustomObject({ group: r.group, version: r.version, plural: r.plural })
        : api.listNamespacedCustomObject({ group: r.group, version: r.version, namespace, plural: r.plural }),
    )) as { items: T[] };
    return res.items;
  } catch (err) {
    if (apiStatus(err) === 404) return [];
    throw err;
  }
}

const active = (gws: Gateway[]): Gateway[] => gws.filter((g) => g.status?.haStatus === 'active');

export async function connections(t: Target): Promise<ConnectionRow[]> {
  const gws = await list<Gateway>(t, GatewayResource, t.namespace);
  return active(gws).flatMap((g) =>
    (g.status?.connections ?? []).map((c) => ({
      context: t.context,
      gateway: c.endpoint.hostname,
      cluster: c.endpoint.cluster_id,
      remoteIp: c.usingIP ?? c.endpoint.private_ip,
      nat: c.usingNAT ? 'yes' : 'no',
      cableDriver: c.endpoint.backend,
      subnets: c.endpoint.subnets.join(', '),
      status: c.status,
      rtt: c.latencyRTT?.average ?? '',
    })),
  );
}

export async function endpoints(t: Target): Promise<EndpointRow[]> {
  const [eps, subm] = await Promise.all([list<Endpoint>(t, EndpointResource, t.namespace), submariner(t)]);
  const local = subm?.spec.clusterID;
  return eps.map((e) => ({
    context: t.context,
    cluster: e.spec.cluster_id,
    endpointIp: e.spec.private_ip,
    publicIp: e.spec.public_ip ?? '',
    cableDriver: e.spec.backend,
    type: e.spec.cluster_id === local ? 'local' : 'remote',
  }));
}

export async function gateways(t: Target): Promise<GatewayRow[]> {
  const gws = await list<Gateway>(t, GatewayResource, t.namespace);
  return gws.map((g) => ({ context: t.context, node: g.metadata.name ?? '', haStatus: g.status?.haStatus ?? '', summary: summary(g) }));
}

/** subctl's gateway summary line. */
export function summary(g: Gateway): string {
  if (g.status?.statusFailure) return g.status.statusFailure;
  const conns = g.status?.connections ?? [];
  if (conns.length === 0) return 'There are no connections';
  const up = conns.filter((c) => c.status === 'connected').length;
  return up === conns.length ? `All connections (${conns.length}) are established` : `${up} connections out of ${conns.length} are established`;
}

async function submariner(t: Target): Promise<Submariner | undefined> {
  const items = await list<Submariner>(t, SubmarinerResource, t.namespace);
  return items.find((s) => s.metadata.name === names.submarinerCR);
}

export async function networks(t: Target): Promise<NetworkRow[]> {
  const s = await submariner(t);
  if (!s) return [];
  return [
    {
      context: t.context,
      cluster: s.spec.clusterID ?? '',
      networkPlugin: s.status?.networkPlugin ?? 'generic',
      serviceCidrs: s.status?.serviceCIDR ?? s.spec.serviceCIDR ?? '',
      clusterCidrs: s.status?.clusterCIDR ?? s.spec.clusterCIDR ?? '',
      globalCidr: s.status?.globalCIDR ?? s.spec.globalCIDR ?? '',
    },
  ];
}

export async function versions(t: Target): Promise<VersionRow[]> {
  const apps = t.kc.makeApiClient(AppsV1Api);
  const [ds, deploy] = await Promise.all([
    apps.listNamespacedDaemonSet({ namespace: t.namespace }).catch(() => ({ items: [] })),
    apps.listNamespacedDeployment({ namespace: t.namespace }).catch(() => ({ items: [] })),
  ]);
  const workloads = [...ds.items, ...deploy.items].filter((w) => w.metadata?.labels?.['app.kubernetes.io/managed-by'] === 'kubectl-submariner');
  return workloads.map((w) => {
    const image = w.spec?.template.spec?.containers[0]?.image ?? '';
    const at = image.lastIndexOf(':');
    const repo = at > image.lastIndexOf('/') ? image.slice(0, at) : image;
    const tag = at > image.lastIndexOf('/') ? image.slice(at + 1) : 'latest';
    const ready = 'numberReady' in (w.status ?? {}) ? (w.status as { numberReady?: number }).numberReady : (w.status as { readyReplicas?: number } | undefined)?.readyReplicas;
    return { context: t.context, component: w.metadata?.name ?? '', repository: repo.slice(0, repo.lastIndexOf('/')), configured: tag, running: ready ? tag : '' };
  });
}

export async function brokers(t: Target): Promise<BrokerRow[]> {
  const items = await list<Broker>(t, BrokerResource);
  return items.map((b) => {
    const spec = b.spec ?? {};
    return {
      context: t.context,
      namespace: b.metadata.namespace ?? '',
      name: b.metadata.name ?? '',
      components: (spec.components ?? []).join(', '),
      globalnet: spec.globalnetEnabled ? 'yes' : 'no',
      globalnetCidr: spec.globalnetEnabled ? (spec.globalnetCIDRRange ?? '') : '',
      defaultGlobalnetSize: spec.globalnetEnabled ? String(spec.defaultGlobalnetClusterSize ?? '') : '',
      defaultDomains: (spec.defaultCustomDomains ?? []).join(', '),
    };
  });
}

const ctx = <R extends { context: string }>(): Column<R> => ({ header: 'context', get: (r) => r.context });

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
  ],
  networks: [
    { header: 'cluster', get: (r: NetworkRow) => r.cluster },
    { header: 'network plugin', get: (r: NetworkRow) => r.networkPlugin },
    { header: 'service cidrs', get: (r: NetworkRow) => r.serviceCidrs },
    { header: 'cluster cidrs', get: (r: NetworkRow) => r.clusterCidrs },
    { header: 'global cidr', get: (r: NetworkRow) => r.globalCidr },
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

export const views = { connections, endpoints, gateways, networks, versions, brokers };
export type ViewName = keyof typeof views;
export const viewNames = Object.keys(views) as ViewName[];

export function columns(view: ViewName, multi: boolean): Column<{ context: string }>[] {
  const cols = tables[view] as unknown as Column<{ context: string }>[];
  return multi ? [ctx(), ...cols] : cols;
}
