import { existsSync } from 'node:fs';
import { cacheDir, wireguardGoPath } from '../../src/base/cache.js';

/**
 * The wireguard-go the driver starts when the kernel has no WireGuard: the one built from the Go module proxy
 * into the machine's cache (setup.sh; its TUN offloads make it several times faster than older releases), else
 * the one on PATH.
 */
export function findWireguardGo(env: NodeJS.ProcessEnv = process.env, exists: (path: string) => boolean = existsSync): string {
  const cached = wireguardGoPath(cacheDir(env));
  return exists(cached) ? cached : 'wireguard-go';
}
