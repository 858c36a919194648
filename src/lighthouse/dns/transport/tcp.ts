import { createServer, type Server, type Socket } from 'node:net';
import type { MessageHandler } from '../handler.js';

export interface TcpOptions {
  /** A connection that sends nothing for this long is closed. */
  idleTimeoutMs?: number;
  maxConnections?: number;
}

/** Stop reading from a client that does not read its responses once this much waits to be sent. */
const MAX_UNSENT = 1 << 20;

/** DNS over TCP: messages framed by a two-byte length, several per connection (RFC 7766). */
export class TcpTransport {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly handler: MessageHandler,
    private readonly options: TcpOptions = {},
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** Listens and returns the bound port (useful with port 0). */
  async listen(port: number, host: string): Promise<number> {
    const server = createServer((socket) => this.serve(socket));
    server.maxConnections = this.options.maxConnections ?? 1000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.onError(err));
    this.server = server;
    const address = server.address();
    return typeof address === 'object' && address !== null ? address.port : port;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    let pending: Buffer = Buffer.alloc(0);
    let dropped = false;
    const drop = () => {
      if (!dropped) this.handler.malformed('tcp');
      dropped = true;
      socket.destroy();
    };
    socket.setTimeout(this.options.idleTimeoutMs ?? 10_000, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.sockets.delete(socket);
      if (pending.length > 0 && !dropped) this.handler.malformed('tcp');
    });
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && !socket.destroyed) {
        const length = pending.readUInt16BE(0);
        if (length === 0) return drop();
        if (pending.length < 2 + length) return;
        const message = pending.subarray(2, 2 + length);
        pending = pending.subarray(2 + length);
        let response: Buffer | undefined;
        try {
          response = this.handler.handle(message, 'tcp');
        } catch (err) {
          this.onError(err);
        }
        if (response === undefined) {
          // The handler has counted it; a stream that carried garbage is not worth reading on.
          dropped = true;
          socket.destroy();
          return;
        }
        const frame = Buffer.alloc(2 + response.length);
        frame.writeUInt16BE(response.length, 0);
        response.copy(frame, 2);
        socket.write(frame);
        if (socket.writableLength > MAX_UNSENT) socket.destroy();
      }
    });
  }
}
