import { isIPv4, isIPv6 } from 'node:net';
import type { EndpointSpec } from '../api/generated.js';
import { cidrsOverlap, formatCidr, parseCidr } from '../net/cidr.js';
import type { EndpointInfo, Skipped } from './model.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** An Endpoint object read from the API, checked field by field (the API server does not stop every bad value). */
export type ParsedEndpoint =
  | { ok: true; endpoint: EndpointInfo; createdAt: string; version: string }
  | { ok: false; skipped: Skipped };

export function parseEndpoint(obj: unknown): ParsedEndpoint {
  const meta = isObject(obj) && isObject(obj.metadata) ? obj.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '?';
  const version = typeof meta.resourceVersion === 'string' ? meta.resourceVersion : '';
  const skip = (reason: string): ParsedEndpoint => ({ ok: false, skipped: { kind: 'Endpoint', name, version, reason } });
  const spec = isObject(obj) ? obj.spec : undefined;
  if (!isObject(spec)) return skip('it has no spec');
  const clusterId = spec.cluster_id;
  if (typeof clusterId !== 'string' || clusterId === '') return skip('spec.cluster_id is missing');
  if (!Array.isArray(spec.subnets)) return skip('spec.subnets is not a list');
  const subnets: string[] = [];
  for (const s of spec.subnets as unknown[]) {
    if (typeof s !== 'string') return skip(`spec.subnets holds ${JSON.stringify(s)}, which is not a CIDR`);
    const [addr = ''] = s.split('/');
    if (isIPv6(addr)) continue;
    try {
      const cidr = formatCidr(parseCidr(s, false));
      if (!subnets.includes(cidr)) subnets.push(cidr);
    } catch {
      return skip(`spec.subnets holds "${s}", which is not an IPv4 CIDR such as 10.1.0.0/16`);
    }
  }
  const privateIp = optionalIp(spec.private_ip);
  if (privateIp === false) return skip(`spec.private_ip "${String(spec.private_ip)}" is not an IPv4 address`);
  const healthCheckIp = optionalIp(spec.healthCheckIP);
  const backendConfig: Record<string, string> = {};
  if (isObject(spec.backend_config)) {
    for (const [k, v] of Object.entries(spec.backend_config)) if (typeof v === 'string') backendConfig[k] = v;
  }
  return {
    ok: true,
    version,
    createdAt: isoTime(meta.creationTimestamp),
    endpoint: {
      name,
      clusterId,
      hostname: typeof spec.hostname === 'string' ? spec.hostname : '',
      privateIp: privateIp || undefined,
      healthCheckIp: healthCheckIp || undefined,
      subnets,
      backendConfig,
      spec: spec as unknown as EndpointSpec,
    },
  };
}

/** A creation timestamp (a Date once client-node has deserialised it, else RFC 3339 text) as ISO text, '' when unknown. */
function isoTime(v: unknown): string {
  const d = v instanceof Date ? v : typeof v === 'string' ? new Date(v) : undefined;
  return d && !Number.isNaN(d.getTime()) ? d.toISOString() : '';
}

/** An optional IPv4 field: undefined when absent or empty, false when it holds something else. */
function optionalIp(v: unknown): string | undefined | false {
  if (v === undefined || v === null || v === '') return undefined;
  return typeof v === 'string' && isIPv4(v) ? v : false;
}

export interface SelectedEndpoints {
  local: EndpointInfo | undefined;
  remote: EndpointInfo[];
  skipped: Skipped[];
}

/**
 * Splits the Endpoints into this cluster's and one per remote cluster (the newest when a cluster has
 * several, as during a gateway failover), leaving out malformed ones and remote ones whose subnets
 * overlap the local CIDRs.
 */
export function selectEndpoints(objects: readonly unknown[], clusterId: string, localCidrs: readonly string[]): SelectedEndpoints {
  const skipped: Skipped[] = [];
  const newest = new Map<string, { endpoint: EndpointInfo; createdAt: string }>();
  for (const obj of objects) {
    const parsed = parseEndpoint(obj);
    if (!parsed.ok) {
      skipped.push(parsed.skipped);
      continue;
    }
    const { endpoint, createdAt, version } = parsed;
    if (endpoint.clusterId === clusterId && endpoint.hostname === '') {
      skipped.push({ kind: 'Endpoint', name: endpoint.name, version, reason: 'the local Endpoint has no spec.hostname' });
      continue;
    }
    if (endpoint.clusterId !== clusterId) {
      const clash = endpoint.subnets.find((s) => localCidrs.some((l) => cidrsOverlap(s, l)));
      if (clash !== undefined) {
        skipped.push({ kind: 'Endpoint', name: endpoint.name, version, reason: `its subnet ${clash} overlaps the local CIDRs ${localCidrs.join(',')}` });
        continue;
      }
    }
    const have = newest.get(endpoint.clusterId);
    if (!have || createdAt > have.createdAt || (createdAt === have.createdAt && endpoint.name > have.endpoint.name)) {
      newest.set(endpoint.clusterId, { endpoint, createdAt });
    }
  }
  const remote = [...newest.values()]
    .map((e) => e.endpoint)
    .filter((e) => e.clusterId !== clusterId)
    .sort((a, b) => a.clusterId.localeCompare(b.clusterId));
  return { local: newest.get(clusterId)?.endpoint, remote, skipped };
}
