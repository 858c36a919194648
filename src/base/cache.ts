import { homedir } from 'node:os';
import { join } from 'node:path';

/** The per-machine cache of built and unpacked binaries, shared by every clone of the repository. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.KSUB_CACHE ?? join(env.HOME ?? homedir(), '.cache', 'kubectl-submariner');
}
