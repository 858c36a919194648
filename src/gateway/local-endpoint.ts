import { isIPv4 } from 'node:net';
import type { EndpointSpec } from '../api/generated.js';
import { backendConfig, gatewayConfigPrefix, nodeGatewayConfigKeys } from '../api/names.js';
import type { Logger } from '../base/log.js';
import type { GatewayConfig } from './config.js';

/** What the gateway reads from its Node. */
export interface NodeInfo {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export function cableName(clusterId: string, privateIp: string): string {
  return `submariner-cable-${clusterId}-${privateIp.replaceAll('.', '-')}`;
}

/** The DNS-safe Endpoint object name `<clusterID>-<cableName>`. */
export function endpointName(clusterId: string, cable: string): string {
  return `${clusterId}-${cable}`.toLowerCase().replace(/[^a-z0-9.-]/g, '-');
}

/** The subnets the gateway routes: the GlobalCIDR with Globalnet, else the service and pod CIDRs. */
export function localSubnets(config: Pick<GatewayConfig, 'globalCidrs' | 'serviceCidrs' | 'clusterCidrs'>): string[] {
  return config.globalCidrs.length > 0 ? [...config.globalCidrs] : [...config.serviceCidrs, ...config.clusterCidrs];
}

/** `gateway.submariner.io/<key>` node labels and annotations (annotations win); other keys are ignored with a warning. */
export function nodeGatewayConfig(node: NodeInfo, log?: Logger): Record<string, string> {
  const out: Record<string, string> = {};
  for (const source of [node.labels, node.annotations]) {
    for (const [k, v] of Object.entries(source)) {
      if (!k.startsWith(gatewayConfigPrefix)) continue;
      const key = k.slice(gatewayConfigPrefix.length);
      if ((nodeGatewayConfigKeys as readonly string[]).includes(key)) out[key] = v;
      else log?.warn('ignoring an unknown gateway setting on the node', { node: node.name, key: k, known: nodeGatewayConfigKeys.map((n) => gatewayConfigPrefix + n) });
    }
  }
  return out;
}

export interface PublicIpLookups {
  /** Resolves a host name to its IPv4 addresses. */
  resolve4(host: string): Promise<string[]>;
  /** HTTPS GET returning the body text. */
  httpGet(url: string, timeoutMs: number): Promise<string>;
}

/**
 * Resolves a comma-separated list of `method:value` public-IP sources, in order: `ipv4:<address>`,
 * `dns:<host>` (its lowest address) and `api:<host or URL>` (an HTTPS lookup service, only when listed,
 * never in air-gapped mode). Returns the first that works.
 */
export async function resolvePublicIp(sources: string, lookups: PublicIpLookups, airGapped: boolean): Promise<string> {
  const failures: string[] = [];
  for (const source of sources.split(',').map((s) => s.trim()).filter(Boolean)) {
    const i = source.indexOf(':');
    const method = i < 0 ? '' : source.slice(0, i);
    const value = source.slice(i + 1);
    try {
      if (airGapped && method !== 'ipv4') throw new Error('only ipv4: sources are allowed in an air-gapped deployment');
      if (method === 'ipv4') {
        if (!isIPv4(value)) throw new Error(`"${value}" is not an IPv4 address`);
        return value;
      }
      if (method === 'dns') {
        const ips = (await lookups.resolve4(value)).filter((ip) => isIPv4(ip));
        const lowest = ips.sort((a, b) => toNumber(a) - toNumber(b))[0];
        if (lowest === undefined) throw new Error(`${value} has no IPv4 address`);
        return lowest;
      }
      if (method === 'api') {
        const url = /^https?:\/\//.test(value) ? value : `https://${value}`;
        const found = /\b(\d{1,3}(?:\.\d{1,3}){3})\b/.exec(await lookups.httpGet(url, 30_000))?.[1];
        if (found === undefined || !isIPv4(found)) throw new Error(`${url} returned no IPv4 address`);
        return found;
      }
      throw new Error(`unknown method "${method}" (use ipv4:, dns: or api:)`);
    } catch (err) {
      failures.push(`${source}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  throw new Error(`could not resolve the public IP from "${sources}": ${failures.join('; ')}`);
}

function toNumber(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

export interface LocalEndpointInput {
  config: GatewayConfig;
  node: NodeInfo;
  privateIp: string;
  /** The node's address in the cluster CIDR (empty when it has none). */
  cniIp: string | undefined;
  publicIp: string;
}

/** The Endpoint this gateway publishes. Pure. */
export function buildLocalEndpoint(input: LocalEndpointInput): EndpointSpec {
  const { config, node } = input;
  const overrides = nodeGatewayConfig(node);
  const cable = cableName(config.clusterId, input.privateIp);
  const bc: Record<string, string> = {
    [backendConfig.udpPort]: overrides[backendConfig.udpPort] ?? String(config.driver.nattPort),
    [backendConfig.nattDiscoveryPort]: overrides[backendConfig.nattDiscoveryPort] ?? String(config.nattDiscoveryPort),
  };
  if (config.preferredServer || overrides[backendConfig.preferredServer] === 'true') bc[backendConfig.preferredServer] = 'true';
  return {
    cluster_id: config.clusterId,
    cable_name: cable,
    // With Globalnet the health-check IP is the gateway's global IP, which GlobalNet allocates later.
    healthCheckIP: config.globalCidrs.length > 0 ? '' : (input.cniIp ?? ''),
    hostname: node.name,
    subnets: localSubnets(config),
    private_ip: input.privateIp,
    public_ip: input.publicIp,
    nat_enabled: config.natEnabled,
    backend: config.cableDriver as EndpointSpec['backend'],
    backend_config: bc,
  };
}

/** Where the public IP comes from: the node's gateway.submariner.io/public-ip, else SUBMARINER_PUBLICIP. */
export function publicIpSources(config: GatewayConfig, node: NodeInfo): string | undefined {
  return nodeGatewayConfig(node)[backendConfig.publicIp] ?? config.publicIp;
}
