import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { MessageHandler } from '../handler.js';

/** DNS over UDP: one datagram in, at most one datagram back. */
export class UdpTransport {
  private socket: Socket | undefined;

  constructor(
    private readonly handler: MessageHandler,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** Binds and returns the bound port (useful with port 0). */
  async listen(port: number, host: string): Promise<number> {
    const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
    socket.on('message', (message, peer) => {
      let response: Buffer | undefined;
      try {
        response = this.handler.handle(message, 'udp');
        if (response !== undefined) socket.send(response, peer.port, peer.address, (err) => err && this.onError(err));
      } catch (err) {
        this.onError(err);
      }
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', (err) => this.onError(err));
    this.socket = socket;
    return socket.address().port;
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket !== undefined) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
