import { isIP } from 'node:net';
import type { ClusterStatus } from './cluster-status.js';
import { selectCluster } from './policy.js';
import type { ServiceRef } from './query-name.js';
import { annotations, labels } from '../../api/names.js';
import type { EndpointSlice, ServiceImport, ServicePort } from './types.js';

export type Family = 4 | 6;

/** An SRV answer: the port and the labels put before `<svc>.<ns>.svc.<zone>` to name the target. */
export interface SrvTarget {
  port: number;
  labels: string[];
}

interface Port {
  name: string;
  protocol: string;
  port: number;
}

interface StoredEndpoint {
  addresses: string[];
  hostname: string | undefined;
  ready: boolean;
}

interface StoredSlice {
  family: Family;
  endpoints: StoredEndpoint[];
  ports: Port[];
}

/** Cluster ID → its ready addresses, without repeats, in slice and endpoint order. */
type ReadyAddresses = Map<string, string[]>;

interface ServiceEntry {
  spec?: { headless: boolean; ips: string[]; ports: Port[] };
  /** cluster ID → EndpointSlice name → slice */
  clusters: Map<string, Map<string, StoredSlice>>;
  /** The clusters with ready addresses, by family ('any' for either); computed when first asked after a change. */
  ready?: Partial<Record<Family | 'any', ReadyAddresses>>;
}

interface Located {
  cluster: string;
  slice: StoredSlice;
  endpoint: StoredEndpoint;
}

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The in-memory view of the imported services, fed by ServiceImport and EndpointSlice events, and the
 * answers to the Lighthouse name forms. No I/O.
 */
export class Resolver {
  private readonly services = new Map<string, ServiceEntry>();
  private readonly sliceOwners = new Map<string, { service: string; cluster: string; name: string }>();
  private readonly turns = new Map<string, number>();
  /** Namespace → how many of its services have a ServiceImport. */
  private readonly namespaces = new Map<string, number>();
  private changes = 0;
  private turnsAmongSeveral = 0;

  constructor(private readonly clusters: ClusterStatus) {}

  /** Goes up by one on every change of the data. */
  get generation(): number {
    return this.changes;
  }

  /** Goes up whenever an answer may change: the data or the clusters reachable from here. */
  get answersVersion(): number {
    return this.changes + this.clusters.version;
  }

  /** Goes up on every round-robin pick among several clusters: the next answer to the same name may differ. */
  get rotations(): number {
    return this.turnsAmongSeveral;
  }

  upsertServiceImport(si: ServiceImport): void {
    const key = objectKey(si.metadata?.namespace, si.metadata?.name);
    if (key === undefined) return;
    const entry = this.entry(key);
    if (entry.spec === undefined) this.countNamespace(key, 1);
    entry.spec = {
      headless: si.spec?.type === 'Headless',
      ips: (si.spec?.ips ?? []).filter((ip) => isIP(ip) !== 0),
      ports: normalizePorts(si.spec?.ports ?? []),
    };
    this.changes++;
  }

  deleteServiceImport(si: ServiceImport): void {
    const key = objectKey(si.metadata?.namespace, si.metadata?.name);
    const entry = key === undefined ? undefined : this.services.get(key);
    if (key === undefined || entry === undefined) return;
    if (entry.spec !== undefined) this.countNamespace(key, -1);
    delete entry.spec;
    this.prune(key);
    this.changes++;
  }

  upsertEndpointSlice(eps: EndpointSlice): void {
    this.deleteEndpointSlice(eps);
    const sliceLabels = eps.metadata?.labels ?? {};
    const service = objectKey(eps.metadata?.namespace, sliceLabels[labels.serviceName]);
    const sliceKey = objectKey(eps.metadata?.namespace, eps.metadata?.name);
    const cluster = sliceLabels[labels.sourceCluster]?.toLowerCase();
    const family = eps.addressType === 'IPv4' ? 4 : eps.addressType === 'IPv6' ? 6 : undefined;
    if (service === undefined || sliceKey === undefined || !cluster || family === undefined) return;
    // The pods behind a clusterset IP are for the route agent: names answer the IP, or the cluster's own service IP.
    if (sliceLabels[labels.podEndpoints] === 'true') return;
    const name = eps.metadata?.name as string;
    const publishNotReady = eps.metadata?.annotations?.[annotations.publishNotReadyAddresses] === 'true';
    const slice: StoredSlice = {
      family,
      endpoints: (eps.endpoints ?? []).map((ep) => ({
        addresses: (ep.addresses ?? []).filter((a) => isIP(a) === family),
        hostname: hostnameLabel(ep.hostname),
        ready: publishNotReady || ep.conditions?.ready !== false,
      })),
      ports: normalizePorts((eps.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port ?? 0 }))),
    };
    const entry = this.entry(service);
    delete entry.ready;
    const slices = entry.clusters.get(cluster) ?? new Map<string, StoredSlice>();
    slices.set(name, slice);
    entry.clusters.set(cluster, slices);
    this.sliceOwners.set(sliceKey, { service, cluster, name });
    this.changes++;
  }

  deleteEndpointSlice(eps: EndpointSlice): void {
    const sliceKey = objectKey(eps.metadata?.namespace, eps.metadata?.name);
    const owner = sliceKey === undefined ? undefined : this.sliceOwners.get(sliceKey);
    if (sliceKey === undefined || owner === undefined) return;
    this.sliceOwners.delete(sliceKey);
    const entry = this.services.get(owner.service);
    if (entry !== undefined) delete entry.ready;
    const slices = entry?.clusters.get(owner.cluster);
    slices?.delete(owner.name);
    if (slices?.size === 0) this.services.get(owner.service)?.clusters.delete(owner.cluster);
    this.prune(owner.service);
    this.changes++;
  }

  hasServices(): boolean {
    return this.namespaces.size > 0;
  }

  hasNamespace(namespace: string): boolean {
    return this.namespaces.has(namespace);
  }

  /** Whether the name `ref` stands for exists, whatever the record type. */
  exists(ref: ServiceRef): boolean {
    const spec = this.services.get(serviceKey(ref))?.spec;
    if (spec === undefined) return false;
    if (ref.port !== undefined && !spec.ports.some((p) => portMatches(p, ref.port))) return false;
    if (ref.cluster === undefined) return true;
    const slices = this.clusterSlices(ref);
    if (slices.length === 0) return false;
    if (ref.host === undefined) return true;
    const host = ref.host;
    return spec.headless && slices.some((s) => s.endpoints.some((ep) => hostMatches(ep, host)));
  }

  /** The addresses of family `family` the name `ref` resolves to now. Round-robin picks advance. */
  addresses(ref: ServiceRef, family: Family): string[] {
    const key = serviceKey(ref);
    const entry = this.services.get(key);
    const spec = entry?.spec;
    if (entry === undefined || spec === undefined || ref.port !== undefined) return [];
    if (spec.headless) {
      return unique(this.headless(entry, ref).filter((l) => l.slice.family === family).flatMap((l) => l.endpoint.addresses));
    }
    if (ref.host !== undefined) return [];
    if (ref.cluster !== undefined) {
      return unique(
        this.clusterSlices(ref)
          .filter((s) => s.family === family)
          .flatMap((s) => s.endpoints.flatMap((ep) => ep.addresses)),
      );
    }
    if (spec.ips.length > 0) return spec.ips.filter((ip) => isIP(ip) === family);
    const ready = this.ready(entry, family);
    const cluster = this.choose(key, ready, true);
    return cluster === undefined ? [] : [...(ready.get(cluster) ?? [])];
  }

  /** The SRV answers for `ref`: every port of the service, or the one it names. */
  srv(ref: ServiceRef): SrvTarget[] {
    const key = serviceKey(ref);
    const entry = this.services.get(key);
    const spec = entry?.spec;
    if (entry === undefined || spec === undefined || ref.host !== undefined) return [];
    const ports = spec.ports.filter((p) => ref.port === undefined || portMatches(p, ref.port));
    if (!spec.headless) {
      if (ref.cluster === undefined && spec.ips.length === 0 && this.choose(key, this.ready(entry, 'any'), false) === undefined) return [];
      return ports.map((p) => ({ port: p.port, labels: ref.cluster === undefined ? [] : [ref.cluster] }));
    }
    const targets = new Map<string, SrvTarget>();
    for (const { cluster, slice, endpoint } of this.headless(entry, ref)) {
      const host = hostLabel(endpoint);
      if (host === undefined) continue;
      for (const p of ports) {
        const port = slice.ports.find((sp) => sp.name === p.name && sp.protocol === p.protocol)?.port ?? p.port;
        targets.set(`${host}.${cluster}:${port}`, { port, labels: [host, cluster] });
      }
    }
    return [...targets.values()];
  }

  private entry(key: string): ServiceEntry {
    let entry = this.services.get(key);
    if (entry === undefined) {
      entry = { clusters: new Map() };
      this.services.set(key, entry);
    }
    return entry;
  }

  private countNamespace(key: string, by: 1 | -1): void {
    const namespace = key.slice(0, key.indexOf('/'));
    const count = (this.namespaces.get(namespace) ?? 0) + by;
    if (count > 0) this.namespaces.set(namespace, count);
    else this.namespaces.delete(namespace);
  }

  /** The clusters of `entry` with ready addresses of `family`, and those addresses. */
  private ready(entry: ServiceEntry, family: Family | 'any'): ReadyAddresses {
    entry.ready ??= {};
    let ready = entry.ready[family];
    if (ready === undefined) {
      ready = new Map();
      for (const [cluster, slices] of entry.clusters) {
        const addresses = unique(readyAddresses(slices, family === 'any' ? undefined : family));
        if (addresses.length > 0) ready.set(cluster, addresses);
      }
      entry.ready[family] = ready;
    }
    return ready;
  }

  private prune(key: string): void {
    const entry = this.services.get(key);
    if (entry !== undefined && entry.spec === undefined && entry.clusters.size === 0) {
      this.services.delete(key);
      this.turns.delete(key);
    }
  }

  private clusterSlices(ref: ServiceRef): StoredSlice[] {
    const slices = ref.cluster === undefined ? undefined : this.services.get(serviceKey(ref))?.clusters.get(ref.cluster);
    return [...(slices?.values() ?? [])];
  }

  /** Ready endpoints of a headless service: of the named cluster, else of every connected cluster. */
  private headless(entry: ServiceEntry, ref: ServiceRef): Located[] {
    const clusters = [...entry.clusters.keys()]
      .filter((c) => (ref.cluster === undefined ? this.clusters.isConnected(c) || c === this.clusters.localClusterId : c === ref.cluster))
      .sort();
    const found: Located[] = [];
    for (const cluster of clusters) {
      for (const slice of entry.clusters.get(cluster)?.values() ?? []) {
        for (const endpoint of slice.endpoints) {
          if (!endpoint.ready || endpoint.addresses.length === 0) continue;
          if (ref.host !== undefined && !hostMatches(endpoint, ref.host)) continue;
          found.push({ cluster, slice, endpoint });
        }
      }
    }
    return found;
  }

  /** The cluster that answers for a ClusterSetIP service, of those with ready addresses; `advance` moves its round-robin on. */
  private choose(key: string, ready: ReadyAddresses, advance: boolean): string | undefined {
    const local = this.clusters.localClusterId;
    if (ready.has(local)) return local;
    const turn = this.turns.get(key) ?? 0;
    const selection = selectCluster({
      candidates: [...ready.keys()],
      localClusterId: this.clusters.localClusterId,
      isConnected: (c) => this.clusters.isConnected(c),
      turn,
    });
    if (selection.roundRobin && advance) {
      this.turns.set(key, turn + 1);
      if (ready.size > 1) this.turnsAmongSeveral++;
    }
    return selection.cluster;
  }
}

function objectKey(namespace: string | undefined, name: string | undefined): string | undefined {
  return namespace && name ? `${namespace.toLowerCase()}/${name.toLowerCase()}` : undefined;
}

function serviceKey(ref: ServiceRef): string {
  return `${ref.namespace}/${ref.service}`;
}

function normalizePorts(ports: readonly ServicePort[]): Port[] {
  return ports
    .filter((p) => Number.isInteger(p.port) && p.port > 0 && p.port < 65536)
    .map((p) => ({ name: (p.name ?? '').toLowerCase(), protocol: (p.protocol ?? 'TCP').toLowerCase(), port: p.port }));
}

function portMatches(p: Port, wanted: ServiceRef['port']): boolean {
  return wanted !== undefined && p.name !== '' && p.name === wanted.name && p.protocol === wanted.protocol;
}

function hostnameLabel(hostname: string | null | undefined): string | undefined {
  const label = hostname?.toLowerCase();
  return label !== undefined && DNS_LABEL.test(label) ? label : undefined;
}

/** The label that names a headless endpoint: its hostname, else its first address with dashes. */
function hostLabel(endpoint: StoredEndpoint): string | undefined {
  const first = endpoint.addresses[0];
  return endpoint.hostname ?? (first === undefined ? undefined : dashed(first));
}

function hostMatches(endpoint: StoredEndpoint, host: string): boolean {
  return endpoint.hostname === host || endpoint.addresses.some((a) => dashed(a) === host);
}

function dashed(address: string): string {
  return address.toLowerCase().replace(/[.:]/g, '-');
}

function readyAddresses(slices: Map<string, StoredSlice> | undefined, family: Family | undefined): string[] {
  return [...(slices?.values() ?? [])]
    .filter((s) => family === undefined || s.family === family)
    .flatMap((s) => s.endpoints.filter((ep) => ep.ready).flatMap((ep) => ep.addresses));
}

function unique(addresses: string[]): string[] {
  return [...new Set(addresses)];
}
