import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { MessageHandler } from '../handler.js';

/**
 * The receive buffer asked of the kernel (which caps it at net.core.rmem_max): room for a few thousand
 * queries, so that a burst arriving during a pause of the event loop (garbage collection, the CPU busy
 * elsewhere) waits instead of being dropped.
 */
const RECEIVE_BUFFER_BYTES = 4 << 20;

/** DNS over UDP: one datagram in, at most one datagram back. */
export class UdpTransport {
  private socket: Socket | undefined;

  constructor(
    private readonly handler: MessageHandler,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** Binds and returns the bound port (useful with port 0). */
  async listen(port: number, host: string): Promise<number> {
    const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', recvBufferSize: RECEIVE_BUFFER_BYTES });
    socket.on('message', (message, peer) => {
      let response: Buffer | undefined;
      try {
        response = this.handler.handle(message, 'udp');
        // Without a callback a send error reaches the socket's 'error' listener: no closure per answer.
        if (response !== undefined) socket.send(response, peer.port, peer.address);
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
