import { isIP } from 'node:net';
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import type { IPFamily, ServiceExport, ServiceImportType, ServicePort } from '../../api/generated.js';
import { annotations, serviceExportReasons } from '../../api/names.js';
import type { Contribution, ExportedSpec, ServiceKey, SliceContent, SliceEndpoint, SlicePort } from './model.js';

export type Validation =
  | { valid: true; type: ServiceImportType }
  | { valid: false; reason: typeof serviceExportReasons.noService | typeof serviceExportReasons.invalidServiceType; message: string };

/** Whether the Service behind a ServiceExport can be exported, and as which ServiceImport type. */
export function validateService(key: ServiceKey, service: V1Service | undefined): Validation {
  const ref = `${key.namespace}/${key.name}`;
  if (service === undefined) {
    return { valid: false, reason: serviceExportReasons.noService, message: `Service ${ref} does not exist: create it, or delete the ServiceExport` };
  }
  const type = service.spec?.type ?? 'ClusterIP';
  if (type !== 'ClusterIP') {
    return {
      valid: false,
      reason: serviceExportReasons.invalidServiceType,
      message: `Service ${ref} is of type ${type}: only ClusterIP Services, headless or not, can be exported`,
    };
  }
  return { valid: true, type: service.spec?.clusterIP === 'None' ? 'Headless' : 'ClusterSetIP' };
}

/** Global IPs from the GlobalIngressIPs of exported Services (Globalnet only). */
export interface GlobalIps {
  /** The global IP of a ClusterIP Service, undefined until one is allocated. */
  service(key: ServiceKey): string | undefined;
  /** The global IP of one backend address of a headless Service. */
  endpoint(key: ServiceKey, address: string): string | undefined;
}

export interface ExportInput {
  clusterId: string;
  key: ServiceKey;
  serviceExport: ServiceExport;
  service: V1Service | undefined;
  /** The Service's own EndpointSlices (labelled kubernetes.io/service-name). */
  endpointSlices: readonly V1EndpointSlice[];
  /** Set when Globalnet is on: exported addresses are global IPs. */
  globalIps?: GlobalIps | undefined;
  /** Whether exports without the use-clusterset-ip annotation ask for a clusterset IP (the broker's setting). */
  clustersetIpDefault: boolean;
}

export type ExportOutcome =
  | { state: 'invalid'; validation: Extract<Validation, { valid: false }> }
  | { state: 'pending' | 'failed'; message: string }
  | { state: 'ready'; contribution: Contribution; slices: SliceContent[] };

/** What this cluster publishes for one ServiceExport: its contribution and EndpointSlices, or why it cannot yet. Pure. */
export function buildExport(input: ExportInput): ExportOutcome {
  const { key, service } = input;
  const validation = validateService(key, service);
  if (!validation.valid) return { state: 'invalid', validation };
  const svc = service as V1Service;
  const ref = `${key.namespace}/${key.name}`;
  const spec = exportedSpec(svc, validation.type);
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const globalnet = input.globalIps !== undefined;
  const useClustersetIp = clustersetIpWanted(input);
  if (typeof useClustersetIp === 'string') return { state: 'failed', message: useClustersetIp };
  let slices: SliceContent[];
  if (validation.type === 'ClusterSetIP') {
    let address: string | undefined;
    if (input.globalIps !== undefined) {
      address = input.globalIps.service(key);
      if (address === undefined) return { state: 'pending', message: `waiting for Globalnet to allocate a global IP to Service ${ref}` };
      spec.ips = [address];
      spec.ipFamilies = ['IPv4'];
    } else {
      address = spec.ips.find((ip) => isIP(ip) === 4);
      if (address === undefined) {
        return spec.ips.length === 0
          ? { state: 'pending', message: `waiting for Service ${ref} to get a cluster IP` }
          : { state: 'failed', message: `Service ${ref} has no IPv4 cluster IP (it has ${spec.ips.join(', ')}): the clusterset carries IPv4 only` };
      }
    }
    const ready = input.endpointSlices.some((s) => (s.endpoints ?? []).some((ep) => publishNotReady || ep.conditions?.ready !== false));
    slices = [
      {
        addressType: 'IPv4',
        endpoints: [{ addresses: [address], ready }],
        ports: spec.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), protocol: p.protocol ?? 'TCP', port: p.port, ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) })),
        publishNotReadyAddresses: publishNotReady,
        globalnet,
      },
    ];
    // The pods behind the clusterset IP, which every node balances over; with Globalnet remote clusters are reached by the global IP above.
    if (useClustersetIp && !globalnet) {
      const pods = headlessSlices(input, publishNotReady);
      if (typeof pods === 'string') return { state: 'pending', message: pods };
      slices.push(...pods.map((p) => ({ ...p, podEndpoints: true })));
    }
  } else {
    const built = headlessSlices(input, publishNotReady);
    if (typeof built === 'string') return { state: 'pending', message: built };
    slices = built;
  }
  const exportedLabels = stringMap(input.serviceExport.spec?.exportedLabels);
  const exportedAnnotations = stringMap(input.serviceExport.spec?.exportedAnnotations);
  const problem = metadataProblem(exportedLabels, exportedAnnotations);
  if (problem !== undefined) return { state: 'failed', message: problem };
  return {
    state: 'ready',
    contribution: {
      cluster: input.clusterId,
      exportedAt: exportTime(input.serviceExport),
      spec,
      labels: exportedLabels,
      annotations: exportedAnnotations,
      clustersetIp: { enabled: useClustersetIp && validation.type === 'ClusterSetIP' },
    },
    slices,
  };
}

/** The ServiceExport's `lighthouse.submariner.io/use-clusterset-ip` (true or false), else the default; a message for another value. */
function clustersetIpWanted(input: ExportInput): boolean | string {
  const raw = input.serviceExport.metadata?.annotations?.[annotations.useClustersetIP];
  if (raw === undefined) return input.clustersetIpDefault;
  const value = raw.trim().toLowerCase();
  if (value === 'true') return true;
  if (value === 'false') return false;
  return `the annotation ${annotations.useClustersetIP}=${JSON.stringify(raw)} is neither "true" nor "false": set it to one of them, or remove it to follow the clusterset's default`;
}

const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

function validKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  if (slash < 0) return QUALIFIED_NAME.test(key);
  return DNS_SUBDOMAIN.test(key.slice(0, slash)) && QUALIFIED_NAME.test(key.slice(slash + 1));
}

/** Why the exported labels or annotations cannot be put on a ServiceImport, if they cannot. */
export function metadataProblem(labels: Record<string, string>, annotations: Record<string, string>): string | undefined {
  for (const [k, v] of Object.entries(labels)) {
    if (!validKey(k)) return `spec.exportedLabels holds the invalid label key ${JSON.stringify(k)}: use [prefix/]name, the name at most 63 letters, digits, '-', '_' or '.'`;
    if (v !== '' && !QUALIFIED_NAME.test(v)) {
      return `spec.exportedLabels.${k} has the invalid value ${JSON.stringify(v)}: use at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
    }
  }
  for (const k of Object.keys(annotations)) {
    if (!validKey(k)) return `spec.exportedAnnotations holds the invalid key ${JSON.stringify(k)}: use [prefix/]name, the name at most 63 letters, digits, '-', '_' or '.'`;
  }
  return undefined;
}

function exportedSpec(svc: V1Service, type: ServiceImportType): ExportedSpec {
  const s = svc.spec ?? {};
  const affinity = s.sessionAffinity === 'ClientIP' ? 'ClientIP' : 'None';
  const ips = type === 'Headless' ? [] : (s.clusterIPs ?? (s.clusterIP ? [s.clusterIP] : [])).filter((ip) => isIP(ip) !== 0);
  const families = (s.ipFamilies ?? []).filter((f): f is IPFamily => f === 'IPv4' || f === 'IPv6');
  return {
    type,
    ports: (s.ports ?? []).filter((p) => Number.isInteger(p.port) && p.port > 0 && p.port < 65536).map(servicePort),
    sessionAffinity: affinity,
    ...(affinity === 'ClientIP' ? { sessionAffinityConfig: { clientIP: { timeoutSeconds: s.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800 } } } : {}),
    ipFamilies: families.length > 0 ? families : ips.length > 0 ? ips.map((ip): IPFamily => (isIP(ip) === 6 ? 'IPv6' : 'IPv4')) : ['IPv4'],
    ips,
    internalTrafficPolicy: s.internalTrafficPolicy === 'Local' ? 'Local' : 'Cluster',
    ...(s.trafficDistribution ? { trafficDistribution: s.trafficDistribution } : {}),
  };
}

function servicePort(p: { name?: string; protocol?: string; port: number; appProtocol?: string }): ServicePort {
  return {
    ...(p.name ? { name: p.name } : {}),
    protocol: p.protocol === 'UDP' || p.protocol === 'SCTP' ? p.protocol : 'TCP',
    port: p.port,
    ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
  };
}

/** One published slice per local EndpointSlice, with the endpoints importing clusters may use; a message while global IPs are missing. */
function headlessSlices(input: ExportInput, publishNotReady: boolean): SliceContent[] | string {
  const sorted = [...input.endpointSlices].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  const slices: SliceContent[] = [];
  let missing = 0;
  for (const s of sorted) {
    if (s.addressType !== 'IPv4' && (s.addressType !== 'IPv6' || input.globalIps !== undefined)) continue;
    const endpoints: SliceEndpoint[] = [];
    for (const ep of s.endpoints ?? []) {
      const ready = ep.conditions?.ready !== false;
      if (!ready && !publishNotReady) continue;
      let addresses = (ep.addresses ?? []).filter((a) => isIP(a) !== 0);
      if (input.globalIps !== undefined) {
        const globals = addresses.map((a) => input.globalIps?.endpoint(input.key, a));
        missing += globals.filter((g) => g === undefined).length;
        addresses = globals.filter((g): g is string => g !== undefined);
      }
      if (addresses.length === 0) continue;
      endpoints.push({ addresses, ready, ...(ep.hostname ? { hostname: ep.hostname } : {}), ...(ep.nodeName ? { nodeName: ep.nodeName } : {}) });
    }
    const ports: SlicePort[] = (s.ports ?? [])
      .filter((p) => typeof p.port === 'number')
      .map((p) => ({ ...(p.name ? { name: p.name } : {}), protocol: p.protocol ?? 'TCP', port: p.port as number, ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));
    slices.push({
      sourceName: s.metadata?.name ?? '',
      addressType: s.addressType,
      endpoints,
      ports,
      publishNotReadyAddresses: publishNotReady,
      globalnet: input.globalIps !== undefined,
    });
  }
  if (missing > 0) return `waiting for Globalnet to allocate global IPs to ${missing} backend address${missing > 1 ? 'es' : ''} of Service ${input.key.namespace}/${input.key.name}`;
  return slices.filter((s) => s.sourceName !== '');
}

/** The ServiceExport's creation time in nanoseconds (the API keeps seconds). */
export function exportTime(se: ServiceExport): bigint {
  const raw: unknown = se.metadata?.creationTimestamp;
  const ms = raw instanceof Date ? raw.getTime() : typeof raw === 'string' ? Date.parse(raw) : NaN;
  return BigInt(Number.isFinite(ms) ? ms : 0) * 1_000_000n;
}

function stringMap(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object') return {};
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
