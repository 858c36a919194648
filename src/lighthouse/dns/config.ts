import { clustersetDomain, defaultDnsTtlSeconds, lighthouseDnsEnv as ENV, ports } from '../../render/contract.js';

/** The DNS server's settings, parsed once from the environment at start-up. */
export interface DnsConfig {
  dnsPort: number;
  metricsPort: number;
  clusterId: string;
  /** Lowercase, without the trailing dot. */
  zones: string[];
  ttl: number;
  debug: boolean;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function parseDnsConfig(env: NodeJS.ProcessEnv): DnsConfig {
  return {
    dnsPort: integer(env, ENV.dnsPort, ports.dns, 1, 65535),
    metricsPort: integer(env, ENV.metricsPort, ports.dnsMetrics, 1, 65535),
    clusterId: clusterId(env),
    zones: zones(env),
    ttl: integer(env, ENV.ttl, defaultDnsTtlSeconds, 0, 3600),
    debug: boolean(env, ENV.debug),
  };
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name}=${JSON.stringify(env[name])} is invalid: set it to a whole number from ${min} to ${max}`);
  }
  return Number(raw);
}

function boolean(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name]?.trim() ?? '';
  if (raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new ConfigError(`${name}=${JSON.stringify(env[name])} is invalid: set it to true or false`);
}

function clusterId(env: NodeJS.ProcessEnv): string {
  const raw = env[ENV.clusterId]?.trim() ?? '';
  if (raw === '') throw new ConfigError(`${ENV.clusterId} is not set: set it to the ID this cluster joined with`);
  if (!LABEL.test(raw)) {
    throw new ConfigError(
      `${ENV.clusterId}=${JSON.stringify(raw)} is invalid: use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit`,
    );
  }
  return raw;
}

function zones(env: NodeJS.ProcessEnv): string[] {
  const raw = env[ENV.zones] ?? '';
  const list = raw.trim() === '' ? [clustersetDomain] : raw.split(',').map((z) => z.trim().toLowerCase().replace(/\.$/, ''));
  for (const zone of list) {
    const labels = zone.split('.');
    if (zone === '' || zone.length > 253 || !labels.every((l) => LABEL.test(l))) {
      throw new ConfigError(
        `${ENV.zones}=${JSON.stringify(raw)} holds the invalid domain ${JSON.stringify(zone)}: give a comma-separated list of domain names such as clusterset.local,example.org`,
      );
    }
  }
  return [...new Set(list)];
}
