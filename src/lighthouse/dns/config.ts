import { ConfigError, EnvReader, dnsLabel } from '../../base/env.js';
import { defaultDnsTtlSeconds, lighthouseDnsEnv as ENV, ports } from '../../api/agent-env.js';
import { wellKnown } from '../../api/names.js';

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

export { ConfigError };

export function parseDnsConfig(env: NodeJS.ProcessEnv): DnsConfig {
  const e = new EnvReader(env);
  return {
    dnsPort: e.integer(ENV.dnsPort, ports.dns, 1, 65535),
    metricsPort: e.integer(ENV.metricsPort, ports.dnsMetrics, 1, 65535),
    clusterId: e.name(ENV.clusterId, 'the ID this cluster joined with'),
    zones: zones(env),
    ttl: e.integer(ENV.ttl, defaultDnsTtlSeconds, 0, 3600),
    debug: e.boolean(ENV.debug, false),
  };
}

function zones(env: NodeJS.ProcessEnv): string[] {
  const raw = env[ENV.zones] ?? '';
  const list = raw.trim() === '' ? [wellKnown.clustersetDomain] : raw.split(',').map((z) => z.trim().toLowerCase().replace(/\.$/, ''));
  for (const zone of list) {
    const labels = zone.split('.');
    if (zone === '' || zone.length > 253 || !labels.every((l) => dnsLabel.test(l))) {
      throw new ConfigError(
        `${ENV.zones}=${JSON.stringify(raw)} holds the invalid domain ${JSON.stringify(zone)}: give a comma-separated list of domain names such as clusterset.local,example.org`,
      );
    }
  }
  return [...new Set(list)];
}
