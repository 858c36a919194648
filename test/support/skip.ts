import { existsSync } from 'node:fs';

export const isRoot = process.getuid?.() === 0;

/**
 * The `skip` of a suite that needs root (for `why`: network namespaces, runc...) and these files (binaries that
 * `npm run setup` installs): the reason when one is missing, false when the suite can run.
 */
export function skipUnlessRoot(why: string, files: readonly string[] = []): string | false {
  if (!isRoot) return `needs root (${why})`;
  const missing = files.filter((f) => !existsSync(f));
  return missing.length > 0 ? `needs ${missing.join(', ')} (npm run setup)` : false;
}
