import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import dnsPacket from 'dns-packet';
import { DnsServer, type BoundPorts } from '../../../../src/lighthouse/dns/server.js';
import type { Response, World } from './fixtures.js';

export interface Running {
  ports: BoundPorts;
  server: DnsServer;
}

export async function serve(w: World, opts: { idleTimeoutMs?: number } = {}): Promise<Running> {
  const server = new DnsServer({
    handler: w.handler,
    host: '127.0.0.1',
    port: 0,
    metrics: { registry: w.metrics.registry, port: 0 },
    tcp: { idleTimeoutMs: opts.idleTimeoutMs ?? 2000 },
  });
  return { ports: await server.start(), server };
}

/** Sends one datagram and waits for the reply (or undefined after `timeoutMs`). */
export async function udpExchange(port: number, message: Buffer, timeoutMs = 1000): Promise<Buffer | undefined> {
  const socket = createSocket('udp4');
  try {
    return await new Promise<Buffer | undefined>((resolve, reject) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      socket.once('message', (msg) => {
        clearTimeout(timer);
        resolve(msg);
      });
      socket.send(message, port, '127.0.0.1', (err) => err && reject(err));
    });
  } finally {
    socket.close();
  }
}

export function frame(message: Buffer): Buffer {
  const out = Buffer.alloc(2 + message.length);
  out.writeUInt16BE(message.length, 0);
  message.copy(out, 2);
  return out;
}

/** A TCP connection that collects framed responses until the server closes it. */
export class TcpClient {
  readonly socket: Socket;
  private buffered = Buffer.alloc(0);
  readonly closed: Promise<void>;

  constructor(port: number) {
    this.socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    this.socket.on('data', (d: Buffer) => (this.buffered = Buffer.concat([this.buffered, d])));
    this.socket.on('error', () => {});
    this.socket.on('end', () => this.socket.end());
    this.closed = new Promise((resolve) => this.socket.on('close', () => resolve()));
  }

  async connected(): Promise<this> {
    if (!this.socket.connecting) return this;
    await new Promise((resolve) => this.socket.once('connect', resolve));
    return this;
  }

  /** The responses received so far, decoded. */
  responses(): Response[] {
    const out: Response[] = [];
    let rest = this.buffered;
    while (rest.length >= 2 && rest.length >= 2 + rest.readUInt16BE(0)) {
      out.push(dnsPacket.decode(rest.subarray(2, 2 + rest.readUInt16BE(0))) as Response);
      rest = rest.subarray(2 + rest.readUInt16BE(0));
    }
    return out;
  }

  async waitFor(count: number, timeoutMs = 2000): Promise<Response[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.responses().length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return this.responses();
  }
}

export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 2000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return check();
}
