import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';

export interface VolumeFile {
  data: Buffer;
  mode: number;
}

const dataLink = '..data';

/** Checks a volume item path: relative, no `..` element, not starting with `..`. */
export function checkItemPath(path: string): string {
  const norm = posix.normalize(path);
  if (path === '' || posix.isAbsolute(path) || norm.split('/').includes('..') || path.startsWith('..')) {
    throw new Error(`invalid volume item path "${path}": use a relative path without ".." elements`);
  }
  return norm;
}

export function contentHash(files: ReadonlyMap<string, VolumeFile>): string {
  const h = createHash('sha256');
  for (const [path, f] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    h.update(`${path}\0${f.mode}\0${f.data.length}\0`).update(f.data);
  }
  return h.digest('hex');
}

/**
 * Writes files the way the kubelet's atomic writer does: into a fresh `..<time>` directory, then swaps
 * the `..data` symlink to it, with each top-level entry a symlink through `..data`. Readers see the old
 * or the new set, never a mix. Returns false when the content is unchanged (nothing written).
 */
export function writeAtomicDir(dir: string, files: ReadonlyMap<string, VolumeFile>): boolean {
  mkdirSync(dir, { recursive: true });
  const hash = contentHash(files).slice(0, 16);
  const current = existsSync(join(dir, dataLink)) ? readlinkSync(join(dir, dataLink)) : undefined;
  if (current?.endsWith(`.${hash}`)) return false;

  const stamp = `..${new Date().toISOString().replace(/[:.]/g, '_')}.${hash}`;
  const version = join(dir, stamp);
  rmSync(version, { recursive: true, force: true });
  mkdirSync(version);
  for (const [path, f] of files) {
    const file = join(version, checkItemPath(path));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, f.data, { mode: f.mode });
  }
  rmSync(join(dir, `${dataLink}_tmp`), { force: true });
  symlinkSync(stamp, join(dir, `${dataLink}_tmp`));
  renameSync(join(dir, `${dataLink}_tmp`), join(dir, dataLink));

  const tops = new Set([...files.keys()].map((p) => checkItemPath(p).split('/')[0] ?? ''));
  for (const top of tops) {
    const link = join(dir, top);
    if (!isSymlink(link)) symlinkSync(posix.join(dataLink, top), link);
  }
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('..') || tops.has(entry)) continue;
    rmSync(join(dir, entry), { force: true, recursive: true });
  }
  if (current !== undefined && current !== stamp) rmSync(join(dir, current), { recursive: true, force: true });
  return true;
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
