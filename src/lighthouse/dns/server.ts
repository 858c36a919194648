import type { MessageHandler } from './handler.js';
import { MetricsServer, type MetricsSource } from '../../kube/metrics-server.js';
import { TcpTransport, type TcpOptions } from './transport/tcp.js';
import { UdpTransport } from './transport/udp.js';

export interface DnsServerOptions {
  handler: MessageHandler;
  /** Address to bind, 0.0.0.0 when omitted. */
  host?: string;
  /** The DNS port for both UDP and TCP; 0 picks a free one. */
  port: number;
  /** Serve GET /metrics, /healthz and /readyz on this port (0 picks a free one). */
  metrics?: { registry: MetricsSource; port: number; ready?: () => boolean };
  tcp?: TcpOptions;
  onError?: (err: unknown) => void;
}

export interface BoundPorts {
  udp: number;
  tcp: number;
  metrics?: number;
}

const PORT_ATTEMPTS = 10;

/** The DNS server: UDP and TCP on one port, plus the metrics endpoint. */
export class DnsServer {
  private udp: UdpTransport | undefined;
  private tcp: TcpTransport | undefined;
  private metrics: MetricsServer | undefined;

  constructor(private readonly options: DnsServerOptions) {}

  async start(): Promise<BoundPorts> {
    const host = this.options.host ?? '0.0.0.0';
    try {
      const port = await this.listenDns(host);
      const bound: BoundPorts = { udp: port, tcp: port };
      if (this.options.metrics !== undefined) {
        const { registry, port: metricsPort, ready } = this.options.metrics;
        this.metrics = new MetricsServer(ready === undefined ? { registry } : { registry, ready });
        bound.metrics = await this.metrics.listen(metricsPort, host);
      }
      return bound;
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    const parts = [this.udp, this.tcp, this.metrics];
    this.udp = this.tcp = this.metrics = undefined;
    await Promise.all(parts.map(async (p) => p?.close()));
  }

  /** Binds UDP, then TCP on the same port; with port 0, tries again when TCP finds that port taken. */
  private async listenDns(host: string): Promise<number> {
    const { handler, onError, port } = this.options;
    for (let attempt = 1; ; attempt++) {
      const udp = new UdpTransport(handler, onError);
      const bound = await udp.listen(port, host).catch((err: Error) => {
        throw new Error(`cannot listen on UDP ${host}:${port}: ${err.message}`, { cause: err });
      });
      const tcp = new TcpTransport(handler, this.options.tcp, onError);
      try {
        await tcp.listen(bound, host);
      } catch (err) {
        await udp.close();
        if (port === 0 && attempt < PORT_ATTEMPTS && (err as NodeJS.ErrnoException).code === 'EADDRINUSE') continue;
        throw new Error(`cannot listen on TCP ${host}:${bound}: ${(err as Error).message}`, { cause: err });
      }
      this.udp = udp;
      this.tcp = tcp;
      return bound;
    }
  }
}
