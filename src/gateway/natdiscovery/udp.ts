import { createSocket, type Socket } from 'node:dgram';
import type { Logger } from '../../base/log.js';
import { NatDiscovery, type NatDiscoveryDeps } from './nat-discovery.js';

export interface RunningNatDiscovery {
  discovery: NatDiscovery;
  stop(): Promise<void>;
}

/** Binds the UDP port and runs NAT discovery on it (resends every 250 ms tick). Port 0 runs without a socket. */
export async function startNatDiscovery(deps: Omit<NatDiscoveryDeps, 'send'>, log: Logger): Promise<RunningNatDiscovery> {
  let socket: Socket | undefined;
  const discovery = new NatDiscovery({ ...deps, send: (msg, ip, port) => socket?.send(msg, port, ip) });
  if (deps.localPort !== 0) {
    const s = createSocket({ type: 'udp4', reuseAddr: true });
    s.on('message', (msg, rinfo) => discovery.handleMessage(msg, rinfo));
    s.on('error', (err) => log.warn('NAT discovery socket error', { error: err.message }));
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(deps.localPort, () => {
        s.off('error', reject);
        resolve();
      });
    });
    socket = s;
  }
  const timer = setInterval(() => discovery.tick(), 250);
  timer.unref();
  return {
    discovery,
    stop: async () => {
      clearInterval(timer);
      if (socket) await new Promise<void>((r) => socket?.close(() => r()));
    },
  };
}
