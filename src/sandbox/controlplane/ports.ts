import { createServer } from 'node:net';

/** A free TCP port on the host, found by binding port 0 (callers retry on a lost race). */
export async function freePort(host = '0.0.0.0'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}
