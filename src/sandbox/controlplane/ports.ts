import { createServer } from 'node:net';

/** Ports this process handed out (the latest thousand): processes started at the same time never get the same one. */
const handedOut = new Set<number>();
const remembered = 1000;

/**
 * A free TCP port on the host, found by binding port 0, and not one handed out before by this process (the kernel
 * may offer a port again once it is closed, before the process it was meant for has bound it).
 */
export async function freePort(host = '0.0.0.0'): Promise<number> {
  for (;;) {
    const port = await boundPort(host);
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    for (const old of handedOut) {
      if (handedOut.size <= remembered) break;
      handedOut.delete(old);
    }
    return port;
  }
}

function boundPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}
