import { homedir } from 'node:os';
import { join } from 'node:path';

/** The per-machine cache of built and unpacked binaries, shared by every clone of the repository. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.KSUB_CACHE ?? join(env.HOME ?? homedir(), '.cache', 'kubectl-submariner');
}

/**
 * The wireguard-go built from the Go module proxy (src/sandbox/binaries/build.sh), where the wireguard cable
 * driver looks for it before the one on PATH; the agent image carries it at the same place under its cache.
 */
export function wireguardGoPath(cache = cacheDir()): string {
  return join(cache, 'wireguard-go', 'wireguard-go');
}
