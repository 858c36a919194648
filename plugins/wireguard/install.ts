import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../../src/base/cache.js';

/**
 * The wireguard-go the driver starts when the kernel has no WireGuard: the one built from the Go module proxy
 * into the machine's cache (setup.sh; its TUN offloads make it several times faster than older releases), else
 * the one on PATH.
 */
export function findWireguardGo(env: NodeJS.ProcessEnv = process.env, exists: (path: string) => boolean = existsSync): string {
  const cached = join(cacheDir(env), 'wireguard-go', 'wireguard-go');
  return exists(cached) ? cached : 'wireguard-go';
}
