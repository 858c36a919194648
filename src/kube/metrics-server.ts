import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EnvReader } from '../base/env.js';
import { errorText, type Logger } from '../base/log.js';

/** What the server exposes: a prom-client Registry, or anything rendering the text exposition format the same way. */
export interface MetricsSource {
  metrics(): Promise<string> | string;
  readonly contentType: string;
}

export interface MetricsServerOptions {
  registry: MetricsSource;
  /** Whether the agent has its data (GET /readyz); always ready when omitted. */
  ready?: () => boolean;
}

/** Serves GET /metrics (Prometheus text format), /healthz and /readyz. */
export class MetricsServer {
  private readonly server: Server;

  constructor(private readonly options: MetricsServerOptions) {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      if (path === '/metrics') {
        const { registry } = this.options;
        Promise.resolve(registry.metrics()).then(
          (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
          (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err instanceof Error ? err.message : String(err)}\n`),
        );
      } else if (path === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      } else if (path === '/readyz') {
        const ready = this.options.ready?.() ?? true;
        res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ok\n' : 'waiting for the initial sync\n');
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      }
    });
  }

  async listen(port: number, host?: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Starts serving `registry` on `port` of every address (0 picks a free port); close() stops it. */
export async function serveMetrics(registry: MetricsSource, port: number, options: { host?: string; ready?: () => boolean } = {}): Promise<MetricsServer> {
  const server = new MetricsServer({ registry, ...(options.ready ? { ready: options.ready } : {}) });
  await server.listen(port, options.host);
  return server;
}

/** The port an agent serves its metrics on: `variable` of the environment, else `fallback`; 0 turns serving off. */
export function metricsPortFromEnv(env: NodeJS.ProcessEnv, variable: string, fallback: number): number {
  return new EnvReader(env).integer(variable, fallback, 0, 65535);
}

/** Serves `registry` when `port` is not 0; a port that cannot be bound is logged, never fatal. */
export async function serveAgentMetrics(
  registry: MetricsSource,
  port: number,
  log: Logger,
): Promise<MetricsServer | undefined> {
  if (port === 0) return undefined;
  try {
    const server = await serveMetrics(registry, port);
    log.info('serving metrics', { port });
    return server;
  } catch (err) {
    log.warn('cannot serve metrics', { port, error: errorText(err) });
    return undefined;
  }
}
