import dnsPacket, { type Answer, type DecodedPacket, type OptAnswer, type RecordType } from 'dns-packet';
import type { ClusterStatus } from '../../../../src/lighthouse/dns/cluster-status.js';
import { DnsHandler } from '../../../../src/lighthouse/dns/handler.js';
import type { Protocol } from '../../../../src/lighthouse/dns/message.js';
import { DnsMetrics } from '../../../../src/lighthouse/dns/metrics.js';
import { Resolver } from '../../../../src/lighthouse/dns/resolver.js';
import type { EndpointSlice, ServiceImport, ServicePort } from '../../../../src/lighthouse/dns/types.js';

/** ClusterStatus whose connected clusters a test sets. */
export class FakeClusterStatus implements ClusterStatus {
  private readonly connected: Set<string>;
  version = 0;

  constructor(
    readonly localClusterId: string,
    connected: string[],
  ) {
    this.connected = new Set([localClusterId, ...connected]);
  }

  isConnected(clusterId: string): boolean {
    return this.connected.has(clusterId);
  }

  connect(clusterId: string): void {
    this.connected.add(clusterId);
    this.version++;
  }

  disconnect(clusterId: string): void {
    this.connected.delete(clusterId);
    this.version++;
  }
}

export function serviceImport(namespace: string, name: string, type: 'ClusterSetIP' | 'Headless', ports: ServicePort[], ips?: string[]): ServiceImport {
  return {
    apiVersion: 'multicluster.x-k8s.io/v1beta1',
    kind: 'ServiceImport',
    metadata: { name, namespace },
    spec: { type, ports, ...(ips === undefined ? {} : { ips }) },
  };
}

export interface SliceSpec {
  namespace: string;
  service: string;
  cluster: string;
  name?: string;
  addressType?: 'IPv4' | 'IPv6';
  endpoints: { addresses: string[]; hostname?: string; ready?: boolean }[];
  ports?: { name: string; protocol: string; port: number }[];
  annotations?: Record<string, string>;
}

export function endpointSlice(s: SliceSpec): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: s.name ?? `${s.service}-${s.cluster}`,
      namespace: s.namespace,
      labels: {
        'endpointslice.kubernetes.io/managed-by': 'lighthouse-agent.submariner.io',
        'multicluster.kubernetes.io/service-name': s.service,
        'multicluster.kubernetes.io/source-cluster': s.cluster,
      },
      ...(s.annotations === undefined ? {} : { annotations: s.annotations }),
    },
    addressType: s.addressType ?? 'IPv4',
    endpoints: s.endpoints.map((e) => ({
      addresses: e.addresses,
      ...(e.hostname === undefined ? {} : { hostname: e.hostname }),
      conditions: { ready: e.ready ?? true },
    })),
    ports: s.ports ?? [],
  };
}

export interface World {
  status: FakeClusterStatus;
  resolver: Resolver;
  metrics: DnsMetrics;
  handler: DnsHandler;
}

export const ZONES = ['clusterset.local', 'example.org'];

/**
 * The local cluster is east; west and north are connected, south is not.
 * - nginx.default: ClusterSetIP in east and west (named ports http/TCP 80, dns/UDP 53)
 * - api.prod: ClusterSetIP in west, north and south (not local)
 * - db.prod: headless in east (db-0 ready, db-1 not ready), west (db-0, target port 5433) and south
 * - vip.default: ClusterSetIP with a clusterset IP in spec.ips
 * - gone.default: ClusterSetIP only in the disconnected south
 * - v6.default: ClusterSetIP with an IPv6 address in east
 * - unready.default: ClusterSetIP whose local endpoint is not ready, ready in west
 */
export function world(opts: { ttl?: number } = {}): World {
  const status = new FakeClusterStatus('east', ['west', 'north']);
  const resolver = new Resolver(status);
  const metrics = new DnsMetrics();
  const handler = new DnsHandler({ zones: ZONES, ttl: opts.ttl ?? 5, resolver, metrics });
  const web: ServicePort[] = [
    { name: 'http', protocol: 'TCP', port: 80 },
    { name: 'dns', protocol: 'UDP', port: 53 },
  ];
  resolver.upsertServiceImport(serviceImport('default', 'nginx', 'ClusterSetIP', web));
  resolver.upsertEndpointSlice(endpointSlice({ namespace: 'default', service: 'nginx', cluster: 'east', endpoints: [{ addresses: ['10.0.0.10'] }] }));
  resolver.upsertEndpointSlice(endpointSlice({ namespace: 'default', service: 'nginx', cluster: 'west', endpoints: [{ addresses: ['10.1.0.10'] }] }));

  resolver.upsertServiceImport(serviceImport('prod', 'api', 'ClusterSetIP', [{ name: 'https', protocol: 'TCP', port: 443 }]));
  for (const [cluster, ip] of [
    ['west', '10.1.0.20'],
    ['north', '10.2.0.20'],
    ['south', '10.3.0.20'],
  ] as const) {
    resolver.upsertEndpointSlice(endpointSlice({ namespace: 'prod', service: 'api', cluster, endpoints: [{ addresses: [ip] }] }));
  }

  resolver.upsertServiceImport(serviceImport('prod', 'db', 'Headless', [{ name: 'pg', protocol: 'TCP', port: 5432 }]));
  resolver.upsertEndpointSlice(
    endpointSlice({
      namespace: 'prod',
      service: 'db',
      cluster: 'east',
      endpoints: [
        { addresses: ['10.0.1.1'], hostname: 'db-0' },
        { addresses: ['10.0.1.2'], hostname: 'db-1', ready: false },
      ],
      ports: [{ name: 'pg', protocol: 'TCP', port: 5432 }],
    }),
  );
  resolver.upsertEndpointSlice(
    endpointSlice({
      namespace: 'prod',
      service: 'db',
      cluster: 'west',
      endpoints: [{ addresses: ['10.1.1.1'], hostname: 'db-0' }],
      ports: [{ name: 'pg', protocol: 'TCP', port: 5433 }],
    }),
  );
  resolver.upsertEndpointSlice(
    endpointSlice({ namespace: 'prod', service: 'db', cluster: 'south', endpoints: [{ addresses: ['10.3.1.1'], hostname: 'db-0' }] }),
  );

  resolver.upsertServiceImport(serviceImport('default', 'vip', 'ClusterSetIP', web, ['242.0.0.1']));
  resolver.upsertEndpointSlice(endpointSlice({ namespace: 'default', service: 'vip', cluster: 'west', endpoints: [{ addresses: ['10.1.0.30'] }] }));

  resolver.upsertServiceImport(serviceImport('default', 'gone', 'ClusterSetIP', web));
  resolver.upsertEndpointSlice(endpointSlice({ namespace: 'default', service: 'gone', cluster: 'south', endpoints: [{ addresses: ['10.3.0.40'] }] }));

  resolver.upsertServiceImport(serviceImport('default', 'v6', 'ClusterSetIP', web));
  resolver.upsertEndpointSlice(
    endpointSlice({ namespace: 'default', service: 'v6', cluster: 'east', addressType: 'IPv6', endpoints: [{ addresses: ['fd00::10'] }] }),
  );

  resolver.upsertServiceImport(serviceImport('default', 'unready', 'ClusterSetIP', web));
  resolver.upsertEndpointSlice(
    endpointSlice({ namespace: 'default', service: 'unready', cluster: 'east', endpoints: [{ addresses: ['10.0.0.50'], ready: false }] }),
  );
  resolver.upsertEndpointSlice(endpointSlice({ namespace: 'default', service: 'unready', cluster: 'west', endpoints: [{ addresses: ['10.1.0.50'] }] }));
  return { status, resolver, metrics, handler };
}

export interface Response extends DecodedPacket {
  rcode: string;
}

export function queryPacket(name: string, type: RecordType | 'ANY', opts: { id?: number; edns?: number; ednsVersion?: number } = {}): Buffer {
  const additionals: Answer[] =
    opts.edns === undefined
      ? []
      : [
          {
            type: 'OPT',
            name: '.',
            udpPayloadSize: opts.edns,
            extendedRcode: 0,
            ednsVersion: opts.ednsVersion ?? 0,
            flags: 0,
            flag_do: false,
            options: [],
          } satisfies OptAnswer,
        ];
  return dnsPacket.encode({
    type: 'query',
    id: opts.id ?? 4242,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: type as RecordType, name, class: 'IN' }],
    additionals,
  });
}

/** Asks the handler directly, as a transport would, and decodes its response. */
export function ask(
  handler: DnsHandler,
  name: string,
  type: RecordType | 'ANY',
  opts: { protocol?: Protocol; edns?: number; ednsVersion?: number } = {},
): Response {
  const wire = handler.handle(queryPacket(name, type, opts), opts.protocol ?? 'udp');
  if (wire === undefined) throw new Error(`the handler dropped the query for ${name} ${type}`);
  return dnsPacket.decode(wire) as Response;
}

/** The answers' data as a test compares them: addresses, `priority weight port target` for SRV, text for TXT. */
export function answerData(response: DecodedPacket): string[] {
  return (response.answers ?? []).map((a) => {
    switch (a.type) {
      case 'SRV':
        return `${a.data.priority} ${a.data.weight} ${a.data.port} ${a.data.target}`;
      case 'TXT':
        return (Array.isArray(a.data) ? a.data : [a.data]).map(String).join('');
      case 'A':
      case 'AAAA':
        return a.data;
      default:
        return a.type;
    }
  });
}
