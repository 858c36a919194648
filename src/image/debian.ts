import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandRunner } from '../net/command.js';

/** A Debian root filesystem: the suite, its apt sources and the packages on top of minbase. */
export interface RootfsSpec {
  suite: string;
  /** One-line apt sources (`deb URI SUITE COMPONENTS`). */
  sources: string[];
  packages: string[];
  /** Shell commands run as mmdebstrap customize hooks, `$1` being the root directory. */
  hooks: string[];
  /** Paths dpkg does not unpack (documentation, manuals, translations). */
  excludes: string[];
  /** Seconds since the epoch: every timestamp in the tree. */
  epoch: number;
}

/** Debian 12, from its main mirror with updates and security fixes. */
export const bookwormSources = [
  'deb http://deb.debian.org/debian bookworm main',
  'deb http://deb.debian.org/debian bookworm-updates main',
  'deb http://deb.debian.org/debian-security bookworm-security main',
];

/** What a container does not need from a package. */
export const slimExcludes = ['/usr/share/doc/*', '/usr/share/man/*', '/usr/share/info/*', '/usr/share/locale/*', '/usr/share/lintian/*'];

/** Debian package names: lower-case letters, digits and `+-.`, starting with a letter or digit. */
const packageName = /^[a-z0-9][a-z0-9+.-]+$/;

export function checkPackages(packages: readonly string[]): string[] {
  for (const p of packages) {
    if (!packageName.test(p)) throw new RangeError(`"${p}" is not a Debian package name: use names such as curl or iproute2`);
  }
  return [...new Set(packages)].sort();
}

/** The mmdebstrap argv that writes the root filesystem as a tar to `out` (SOURCE_DATE_EPOCH comes from the environment). */
export function mmdebstrapArgv(spec: RootfsSpec, out: string): string[] {
  return [
    '--variant=minbase',
    '--mode=root',
    '--format=tar',
    `--include=${checkPackages(spec.packages).join(',')}`,
    ...spec.excludes.map((e) => `--dpkgopt=path-exclude=${e}`),
    ...spec.hooks.map((h) => `--customize-hook=${h}`),
    spec.suite,
    out,
    ...spec.sources,
  ];
}

/** The key of a root filesystem in the cache: everything that goes into it. */
export function rootfsKey(spec: RootfsSpec): string {
  const input = JSON.stringify({ ...spec, packages: checkPackages(spec.packages) });
  return createHash('sha256').update(input).digest('hex').slice(0, 16);
}

/**
 * The root filesystem tar for `spec`, built by mmdebstrap into `cacheDir` once and reused while the spec
 * is unchanged (`fresh` builds it again). The same spec and the same Debian archive give the same tar.
 */
export async function debianRootfs(runner: CommandRunner, spec: RootfsSpec, cacheDir: string, fresh = false): Promise<string> {
  mkdirSync(cacheDir, { recursive: true });
  const out = join(cacheDir, `rootfs-${spec.suite}-${rootfsKey(spec)}.tar`);
  if (existsSync(out) && !fresh) return out;
  const tmp = `${out}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  // mmdebstrap reads the sources from stdin when it is not a terminal: the runner gives it an empty one.
  await runner.run('env', [`SOURCE_DATE_EPOCH=${spec.epoch}`, 'mmdebstrap', '--quiet', ...mmdebstrapArgv(spec, tmp)], { timeoutMs: 900_000 });
  renameSync(tmp, out);
  return out;
}
