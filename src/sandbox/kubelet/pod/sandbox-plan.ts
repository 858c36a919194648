import { existsSync, lstatSync, readlinkSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, posix, relative } from 'node:path';

/** One bind mount in the pod's mount namespace. */
export interface PodMount {
  /** Host path (file or directory). */
  source: string;
  /** Path inside the pod. */
  target: string;
  readOnly: boolean;
}

/** The host filesystem as the planner sees it (injected for tests). */
export interface HostFs {
  /** `dir`, `file` or undefined when the path does not exist (symlinks followed). */
  kind(path: string): 'dir' | 'file' | undefined;
  /** The symlink's target, or undefined when `path` is not a symlink. */
  readlink(path: string): string | undefined;
}

export const realFs: HostFs = {
  kind: (p) => (existsSync(p) ? (statSync(p).isDirectory() ? 'dir' : 'file') : undefined),
  readlink: (p) => {
    try {
      return lstatSync(p).isSymbolicLink() ? readlinkSync(p) : undefined;
    } catch {
      return undefined;
    }
  },
};

export interface SandboxPlanInput {
  podDir: string;
  /** Bound over /run in the pod. */
  runDir: string;
  /** Where the host's /run stays visible in the pod, for sources under /run. */
  hostRunDir: string;
  mounts: PodMount[];
  /** The pod's hostname (its own UTS namespace). */
  hostname: string;
  /** The pause program. */
  pause: string[];
}

export interface SandboxPlan {
  /** Host-side directories to create first (all inside the pod directory). */
  hostDirs: string[];
  /** Host-side empty files to create first (mount points under the pod's /run). */
  hostFiles: string[];
  /** The setup script run by `unshare --mount` inside the pod's network namespace. */
  script: string;
}

/** Resolves symlinks along `path` as far as it exists; the rest is appended unchanged. */
export function resolvePath(path: string, fs: HostFs): { real: string; existing: string; missing: string[] } {
  const parts = posix.normalize(path).split('/').filter((p) => p !== '');
  let current = '/';
  for (let i = 0; i < parts.length; i++) {
    let next = posix.join(current, parts[i] ?? '');
    for (let hops = 0; hops < 40; hops++) {
      const link = fs.readlink(next);
      if (link === undefined) break;
      next = posix.normalize(isAbsolute(link) ? link : posix.join(posix.dirname(next), link));
    }
    if (fs.kind(next) === undefined) {
      const missing = parts.slice(i);
      return { real: posix.join(current, ...missing), existing: current, missing };
    }
    current = next;
  }
  return { real: current, existing: current, missing: [] };
}

const under = (path: string, dir: string): boolean => path === dir || path.startsWith(dir === '/' ? '/' : `${dir}/`);
const depth = (p: string): number => p.split('/').filter(Boolean).length;

/** Single-quotes a word for /bin/sh. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export class SandboxPlanError extends Error {}

/**
 * Plans a pod's private mounts: the pod's own /run, every mount at its target, and for a target that
 * does not exist on the host an overlay on its deepest existing directory, so that the mount point is
 * created inside the pod only. Nothing is created on the host outside the pod directory.
 */
export function planSandbox(input: SandboxPlanInput, fs: HostFs = realFs): SandboxPlan {
  const hostDirs = new Set<string>([input.runDir, input.hostRunDir]);
  const hostFiles = new Set<string>();
  const overlays = new Set<string>();
  const inPodDirs: string[] = [];
  const inPodFiles: string[] = [];
  const binds: { source: string; target: string; readOnly: boolean }[] = [];

  const sorted = [...input.mounts].sort((a, b) => depth(a.target) - depth(b.target));
  const placed: string[] = [];
  for (const m of sorted) {
    if (!isAbsolute(m.target)) throw new SandboxPlanError(`mountPath "${m.target}" is not absolute: use a path starting with /`);
    const src = resolvePath(m.source, fs);
    const srcKind = fs.kind(src.real);
    if (srcKind === undefined) throw new SandboxPlanError(`mount source ${m.source} does not exist`);
    const source = under(src.real, '/run') ? join(input.hostRunDir, relative('/run', src.real)) : src.real;
    const t = resolvePath(m.target, fs);
    const target = t.real;
    if (placed.includes(target)) continue;
    const parent = placed.filter((p) => under(target, p) && p !== target).sort((a, b) => depth(b) - depth(a))[0];
    if (parent !== undefined) {
      (srcKind === 'dir' ? inPodDirs : inPodFiles).push(target);
    } else if (under(target, '/run')) {
      const hostSide = join(input.runDir, relative('/run', target));
      if (srcKind === 'dir') hostDirs.add(hostSide);
      else {
        hostDirs.add(dirname(hostSide));
        hostFiles.add(hostSide);
      }
    } else if (t.missing.length === 0) {
      const kind = fs.kind(target);
      if (kind !== srcKind) throw new SandboxPlanError(`cannot mount ${srcKind === 'dir' ? 'a directory' : 'a file'} at ${m.target}: it is a ${kind === 'dir' ? 'directory' : 'file'} on this host`);
    } else {
      if (t.existing === '/') {
        throw new SandboxPlanError(`mountPath ${m.target} needs a new top-level directory /${t.missing[0] ?? ''}, which the sandbox cannot create: mount it under an existing directory such as /etc, /opt or /var`);
      }
      if (/[,:\s]/.test(t.existing)) throw new SandboxPlanError(`cannot overlay ${t.existing}: the path holds a comma, colon or space`);
      overlays.add(t.existing);
      (srcKind === 'dir' ? inPodDirs : inPodFiles).push(target);
    }
    placed.push(target);
    binds.push({ source, target, readOnly: m.readOnly });
  }

  const overlayDirs = [...overlays].filter((o) => ![...overlays].some((p) => p !== o && under(o, p))).sort((a, b) => depth(a) - depth(b));
  const q = shellQuote;
  const lines = ['#!/bin/sh', 'set -e', `mount --bind /run ${q(input.hostRunDir)}`];
  overlayDirs.forEach((dir, i) => {
    const upper = join(input.podDir, 'overlays', String(i), 'upper');
    const work = join(input.podDir, 'overlays', String(i), 'work');
    hostDirs.add(upper);
    hostDirs.add(work);
    lines.push(`mount -t overlay overlay -o ${q(`lowerdir=${dir},upperdir=${upper},workdir=${work}`)} ${q(dir)}`);
  });
  lines.push(`mount --bind ${q(input.runDir)} /run`);
  for (const b of binds) {
    if (inPodDirs.includes(b.target)) lines.push(`mkdir -p ${q(b.target)}`);
    if (inPodFiles.includes(b.target)) lines.push(`mkdir -p ${q(posix.dirname(b.target))}`, `[ -e ${q(b.target)} ] || : > ${q(b.target)}`);
    lines.push(`mount --bind ${q(b.source)} ${q(b.target)}`);
    if (b.readOnly) lines.push(`mount -o remount,bind,ro ${q(b.target)}`);
  }
  lines.push(`echo ${q(input.hostname.slice(0, 63))} > /proc/sys/kernel/hostname`, 'echo ready', `exec ${input.pause.map(q).join(' ')}`, '');
  return { hostDirs: [...hostDirs], hostFiles: [...hostFiles], script: lines.join('\n') };
}
