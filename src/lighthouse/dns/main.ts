import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { GatewayClusterStatus } from './cluster-status.js';
import { ConfigError, parseDnsConfig } from './config.js';
import { DnsHandler } from './handler.js';
import { errorText, jsonLogger } from '../../base/log.js';
import { DnsMetrics } from './metrics.js';
import { Resolver } from './resolver.js';
import { DnsServer } from './server.js';
import { watchLighthouseObjects } from './watches.js';

/** The Lighthouse DNS server process: serves the clusterset zones until SIGTERM or SIGINT. */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = parseDnsConfig(env);
  const log = jsonLogger('lighthouse-dns', config.debug);
  const kc = new KubeConfig();
  kc.loadFromDefault();

  const clusterStatus = new GatewayClusterStatus(config.clusterId);
  const resolver = new Resolver(clusterStatus);
  const metrics = new DnsMetrics();
  const onError = (err: unknown) => log.error('DNS server error', { error: errorText(err) });
  const handler = new DnsHandler({ zones: config.zones, ttl: config.ttl, resolver, metrics, onError });
  const watches = watchLighthouseObjects(kc, resolver, clusterStatus, log);
  const server = new DnsServer({
    handler,
    port: config.dnsPort,
    metrics: { registry: metrics.registry, port: config.metricsPort, ready: () => watches.synced() },
    onError,
  });

  const ports = await server.start();
  log.info('serving DNS', { zones: config.zones, clusterId: config.clusterId, port: ports.udp, metricsPort: ports.metrics, ttl: config.ttl });
  await watches.start();

  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info('stopping', { signal });
  await watches.stop();
  await server.stop();
}

function isEntryScript(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isEntryScript()) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`lighthouse-dns: ${err instanceof ConfigError ? err.message : errorText(err)}\n`);
      process.exit(1);
    },
  );
}
