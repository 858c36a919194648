import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { KubernetesObject, V1EndpointSlice } from '@kubernetes/client-node';
import {
  IPFamilyValues,
  ProtocolValues,
  ServiceImportResource,
  ServiceImportTypeValues,
  type IPFamily,
  type ServiceImport,
  type ServiceImportStatus,
  type ServicePort,
} from '../../api/generated.js';
import { apiVersionOf } from '../../api/index.js';
import { annotations, exportTimestampAnnotation, groups, labels, lighthouseManagedBy } from '../../api/names.js';
import { importReadyCondition, type WantedCondition } from './conditions.js';
import type { MergedService } from './merge.js';
import type { ClusterSlice, Contribution, ExportedSpec, ServiceKey, SliceContent, SliceEndpoint, SlicePort } from './model.js';

const mcsApiVersion = apiVersionOf(ServiceImportResource);

/** `<svc>-<ns>-<cluster>`: the name of a cluster's ServiceImport on the broker. */
export function brokerImportName(key: ServiceKey, cluster: string): string {
  return `${key.name}-${key.namespace}-${cluster}`;
}

/** `<svc or source slice>-<ns>-<cluster>`: the name of a published EndpointSlice, on the broker and in importing clusters. */
export function sliceName(key: ServiceKey, cluster: string, content: Pick<SliceContent, 'sourceName'>): string {
  return `${content.sourceName ?? key.name}-${key.namespace}-${cluster}`;
}

function ownerLabels(key: ServiceKey, cluster: string): Record<string, string> {
  return { [labels.serviceName]: key.name, [labels.sourceNamespace]: key.namespace, [labels.sourceCluster]: cluster };
}

/** This cluster's export of a service, as published in the broker namespace. */
export function brokerServiceImport(key: ServiceKey, c: Contribution, brokerNamespace: string): ServiceImport {
  const s = c.spec;
  const notes: Record<string, string> = { [exportTimestampAnnotation(c.cluster)]: String(c.exportedAt) };
  if (Object.keys(c.labels).length > 0) notes[annotations.exportedLabels] = JSON.stringify(c.labels);
  if (Object.keys(c.annotations).length > 0) notes[annotations.exportedAnnotations] = JSON.stringify(c.annotations);
  if (s.type === 'ClusterSetIP') {
    notes[annotations.useClustersetIP] = String(c.clustersetIp.enabled);
    if (c.clustersetIp.ip !== undefined) {
      notes[annotations.clustersetIP] = c.clustersetIp.ip;
      notes[annotations.clustersetIPAllocatedBy] = c.clustersetIp.allocatedBy ?? c.cluster;
    }
  }
  return withHash({
    apiVersion: mcsApiVersion,
    kind: 'ServiceImport',
    metadata: { name: brokerImportName(key, c.cluster), namespace: brokerNamespace, labels: ownerLabels(key, c.cluster), annotations: notes },
    spec: {
      type: s.type,
      ...(s.ips.length > 0 ? { ips: s.ips } : {}),
      ports: s.ports,
      sessionAffinity: s.sessionAffinity,
      ...(s.sessionAffinityConfig ? { sessionAffinityConfig: s.sessionAffinityConfig } : {}),
      ipFamilies: s.ipFamilies,
      internalTrafficPolicy: s.internalTrafficPolicy,
      ...(s.trafficDistribution ? { trafficDistribution: s.trafficDistribution } : {}),
    },
  });
}

/** The service and contribution a broker ServiceImport stands for; undefined when it is not a well-formed Lighthouse one. */
export function parseBrokerImport(obj: KubernetesObject & { spec?: unknown }): { key: ServiceKey; contribution: Contribution } | undefined {
  const owner = parseOwner(obj);
  const spec = obj.spec as Record<string, unknown> | undefined;
  if (owner === undefined || spec === undefined || spec === null || typeof spec !== 'object') return undefined;
  const type = spec.type;
  if (!ServiceImportTypeValues.includes(type as never)) return undefined;
  const ports = Array.isArray(spec.ports) ? spec.ports.map(parsePort) : [];
  if (ports.some((p) => p === undefined)) return undefined;
  const families = Array.isArray(spec.ipFamilies) ? spec.ipFamilies.filter((f): f is IPFamily => IPFamilyValues.includes(f as never)) : [];
  const ips = Array.isArray(spec.ips) ? spec.ips.filter((ip): ip is string => typeof ip === 'string' && isIP(ip) !== 0) : [];
  const timeout = (spec.sessionAffinityConfig as { clientIP?: { timeoutSeconds?: unknown } } | undefined)?.clientIP?.timeoutSeconds;
  const affinity = spec.sessionAffinity === 'ClientIP' ? 'ClientIP' : 'None';
  const parsed: ExportedSpec = {
    type: type as ExportedSpec['type'],
    ports: ports as ServicePort[],
    sessionAffinity: affinity,
    ...(affinity === 'ClientIP' ? { sessionAffinityConfig: { clientIP: { timeoutSeconds: typeof timeout === 'number' ? timeout : 10800 } } } : {}),
    ipFamilies: families.length > 0 ? families : ['IPv4'],
    ips,
    internalTrafficPolicy: spec.internalTrafficPolicy === 'Local' ? 'Local' : 'Cluster',
    ...(typeof spec.trafficDistribution === 'string' && spec.trafficDistribution !== '' ? { trafficDistribution: spec.trafficDistribution } : {}),
  };
  const notes = obj.metadata?.annotations ?? {};
  const vip = notes[annotations.clustersetIP];
  // An export without the annotation comes from an agent that predates clusterset IPs: it asks for none.
  const enabled = parsed.type === 'ClusterSetIP' && notes[annotations.useClustersetIP] === 'true';
  return {
    key: owner.key,
    contribution: {
      cluster: owner.cluster,
      exportedAt: parseTimestamp(notes[exportTimestampAnnotation(owner.cluster)], obj.metadata?.creationTimestamp),
      spec: parsed,
      labels: parseJsonMap(notes[annotations.exportedLabels]),
      annotations: parseJsonMap(notes[annotations.exportedAnnotations]),
      clustersetIp:
        enabled && vip !== undefined && isIP(vip) === 4
          ? { enabled, ip: vip, allocatedBy: notes[annotations.clustersetIPAllocatedBy] || owner.cluster }
          : { enabled },
    },
  };
}

/** One published EndpointSlice of this cluster, in the broker namespace. */
export function brokerEndpointSlice(key: ServiceKey, cluster: string, content: SliceContent, brokerNamespace: string): V1EndpointSlice {
  return withHash(endpointSlice(key, { cluster, name: sliceName(key, cluster, content), content }, brokerNamespace));
}

/** A cluster's published EndpointSlice copied into the service's namespace, owned by the local ServiceImport. */
export function localEndpointSlice(key: ServiceKey, slice: ClusterSlice, owner: { name: string; uid: string }): V1EndpointSlice {
  const eps = endpointSlice(key, slice, key.namespace);
  eps.metadata = {
    ...eps.metadata,
    ownerReferences: [{ apiVersion: mcsApiVersion, kind: 'ServiceImport', name: owner.name, uid: owner.uid, controller: false, blockOwnerDeletion: false }],
  };
  return withHash(eps);
}

function endpointSlice(key: ServiceKey, slice: ClusterSlice, namespace: string): V1EndpointSlice {
  const c = slice.content;
  const notes: Record<string, string> = {};
  if (c.publishNotReadyAddresses) notes[annotations.publishNotReadyAddresses] = 'true';
  if (c.globalnet) notes[annotations.globalnetEnabled] = 'true';
  return {
    apiVersion: `${groups.discovery}/v1`,
    kind: 'EndpointSlice',
    metadata: {
      name: slice.name,
      namespace,
      labels: {
        [labels.managedBy]: lighthouseManagedBy,
        ...ownerLabels(key, slice.cluster),
        [labels.isHeadless]: String(c.sourceName !== undefined && c.podEndpoints !== true),
        ...(c.sourceName !== undefined ? { [labels.sourceName]: c.sourceName } : {}),
        ...(c.podEndpoints === true ? { [labels.podEndpoints]: 'true' } : {}),
      },
      annotations: notes,
    },
    addressType: c.addressType,
    endpoints: c.endpoints.map((e) => ({
      addresses: e.addresses,
      conditions: { ready: e.ready },
      ...(e.hostname ? { hostname: e.hostname } : {}),
      ...(e.nodeName ? { nodeName: e.nodeName } : {}),
    })),
    ports: c.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), protocol: p.protocol, port: p.port, ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) })),
  };
}

/** The service and cluster slice a Lighthouse EndpointSlice stands for; undefined when it is not a well-formed one. */
export function parseSlice(obj: V1EndpointSlice): { key: ServiceKey; slice: ClusterSlice } | undefined {
  const owner = parseOwner(obj);
  const name = obj.metadata?.name;
  const l = obj.metadata?.labels ?? {};
  if (owner === undefined || !name || l[labels.managedBy] !== lighthouseManagedBy) return undefined;
  if (obj.addressType !== 'IPv4' && obj.addressType !== 'IPv6') return undefined;
  const endpoints: SliceEndpoint[] = (Array.isArray(obj.endpoints) ? obj.endpoints : []).map((e) => ({
    addresses: (Array.isArray(e.addresses) ? e.addresses : []).filter((a) => typeof a === 'string' && isIP(a) !== 0),
    ready: e.conditions?.ready !== false,
    ...(typeof e.hostname === 'string' && e.hostname ? { hostname: e.hostname } : {}),
    ...(typeof e.nodeName === 'string' && e.nodeName ? { nodeName: e.nodeName } : {}),
  }));
  const ports: SlicePort[] = (Array.isArray(obj.ports) ? obj.ports : [])
    .filter((p) => Number.isInteger(p.port) && (p.port as number) > 0 && (p.port as number) < 65536)
    .map((p) => ({ ...(p.name ? { name: p.name } : {}), protocol: p.protocol ?? 'TCP', port: p.port as number, ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));
  const notes = obj.metadata?.annotations ?? {};
  const headless = l[labels.isHeadless] === 'true';
  const pods = l[labels.podEndpoints] === 'true';
  return {
    key: owner.key,
    slice: {
      cluster: owner.cluster,
      name,
      content: {
        ...(headless || pods ? { sourceName: l[labels.sourceName] ?? name } : {}),
        ...(pods ? { podEndpoints: true } : {}),
        addressType: obj.addressType,
        endpoints,
        ports,
        publishNotReadyAddresses: notes[annotations.publishNotReadyAddresses] === 'true',
        globalnet: notes[annotations.globalnetEnabled] === 'true',
      },
    },
  };
}

/** The ServiceImport in the service's namespace that this cluster's workloads and DNS use. */
export function localServiceImport(key: ServiceKey, merged: MergedService): ServiceImport {
  return withHash({
    apiVersion: mcsApiVersion,
    kind: 'ServiceImport',
    metadata: {
      name: key.name,
      namespace: key.namespace,
      labels: { ...merged.labels, [labels.appManagedBy]: lighthouseManagedBy },
      annotations: { ...merged.annotations },
    },
    spec: merged.spec,
  });
}

export function isManagedImport(obj: KubernetesObject | undefined): boolean {
  return obj?.metadata?.labels?.[labels.appManagedBy] === lighthouseManagedBy;
}

export function localImportStatus(merged: MergedService): { clusters: NonNullable<ServiceImportStatus['clusters']>; ready: WantedCondition } {
  return { clusters: merged.clusters.map((cluster) => ({ cluster })), ready: importReadyCondition(merged) };
}

/** Whether `actual` already holds what `desired` (made by one of the builders above) would write. */
export function upToDate(desired: KubernetesObject, actual: KubernetesObject | undefined): boolean {
  const want = desired.metadata?.annotations?.[annotations.appliedHash];
  return want !== undefined && actual?.metadata?.annotations?.[annotations.appliedHash] === want;
}

function withHash<T extends KubernetesObject>(obj: T): T {
  const digest = createHash('sha256').update(JSON.stringify(obj)).digest('hex').slice(0, 16);
  obj.metadata = { ...obj.metadata, annotations: { ...obj.metadata?.annotations, [annotations.appliedHash]: digest } };
  return obj;
}

function parseOwner(obj: KubernetesObject): { key: ServiceKey; cluster: string } | undefined {
  const l = obj.metadata?.labels ?? {};
  const name = l[labels.serviceName];
  const namespace = l[labels.sourceNamespace];
  const cluster = l[labels.sourceCluster];
  if (!name || !namespace || !cluster) return undefined;
  return { key: { namespace, name }, cluster };
}

function parsePort(raw: unknown): ServicePort | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const p = raw as Record<string, unknown>;
  if (typeof p.port !== 'number' || !Number.isInteger(p.port) || p.port < 1 || p.port > 65535) return undefined;
  const protocol = p.protocol === undefined ? 'TCP' : p.protocol;
  if (!ProtocolValues.includes(protocol as never)) return undefined;
  return {
    ...(typeof p.name === 'string' && p.name !== '' ? { name: p.name } : {}),
    protocol: protocol as ServicePort['protocol'],
    port: p.port,
    ...(typeof p.appProtocol === 'string' && p.appProtocol !== '' ? { appProtocol: p.appProtocol } : {}),
  };
}

/** Nanoseconds from the timestamp annotation; else the object's creation time; else last of all. */
function parseTimestamp(raw: string | undefined, created: unknown): bigint {
  if (raw !== undefined && /^\d{1,20}$/.test(raw)) return BigInt(raw);
  const ms = created instanceof Date ? created.getTime() : typeof created === 'string' ? Date.parse(created) : NaN;
  return Number.isFinite(ms) ? BigInt(ms) * 1_000_000n : 2n ** 64n;
}

function parseJsonMap(raw: string | undefined): Record<string, string> {
  if (raw === undefined) return {};
  try {
    const value = JSON.parse(raw) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
    return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}
