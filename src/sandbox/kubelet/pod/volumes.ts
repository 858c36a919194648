import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { V1DownwardAPIVolumeFile, V1KeyToPath, V1Pod, V1Volume } from '@kubernetes/client-node';
import { writeAtomicDir, type VolumeFile } from './atomic-dir.js';
import type { ConfigSource, TokenSource } from './config-source.js';
import { fieldValue, resourceValue, type PodFacts } from './env.js';
import { realFs, type HostFs } from './sandbox-plan.js';

/** A volume that cannot be set up (yet): the pod waits in ContainerCreating and retries. */
export class VolumeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VolumeError';
  }
}

export interface VolumeContext {
  pod: V1Pod;
  /** The pod's directory; rendered and emptyDir volumes live in `<podDir>/volumes`. */
  podDir: string;
  /** The node's directory; hostPath paths missing on the host are created under `<nodeDir>/host`. */
  nodeDir: string;
  facts: PodFacts;
  config: ConfigSource;
  tokens: TokenSource;
  /** The cluster CA, for kube-root-ca.crt before the root-CA publisher has written it. */
  caData: string;
  fs?: HostFs;
}

export interface PreparedVolume {
  path: string;
  kind: 'dir' | 'file';
}

type Files = Map<string, VolumeFile>;

const rootCaConfigMap = 'kube-root-ca.crt';

function keyed(
  kind: 'secret' | 'configmap',
  name: string,
  data: Record<string, Buffer> | undefined,
  optional: boolean,
  items: V1KeyToPath[] | undefined,
  defaultMode: number,
  into: Files,
): void {
  if (data === undefined) {
    if (optional) return;
    throw new VolumeError(`${kind} "${name}" not found`);
  }
  const entries: V1KeyToPath[] = items ?? Object.keys(data).map((key) => ({ key, path: key }));
  for (const item of entries) {
    const value = data[item.key];
    if (value === undefined) {
      if (optional) continue;
      throw new VolumeError(`${kind} ${name} references non-existent key ${item.key}`);
    }
    into.set(item.path, { data: value, mode: item.mode ?? defaultMode });
  }
}

function downward(items: V1DownwardAPIVolumeFile[] | undefined, defaultMode: number, ctx: VolumeContext, into: Files): void {
  for (const item of items ?? []) {
    let value: string;
    if (item.fieldRef) value = fieldValue(ctx.pod, item.fieldRef.fieldPath, ctx.facts);
    else if (item.resourceFieldRef) {
      const c = ctx.pod.spec?.containers.find((x) => x.name === item.resourceFieldRef?.containerName) ?? ctx.pod.spec?.containers[0];
      value = c ? resourceValue(c, item.resourceFieldRef, ctx.facts.allocatable) : '0';
    } else continue;
    into.set(item.path, { data: Buffer.from(value), mode: item.mode ?? defaultMode });
  }
}

async function configMapData(ctx: VolumeContext, name: string): Promise<Record<string, Buffer> | undefined> {
  const ns = ctx.pod.metadata?.namespace ?? 'default';
  const data = await ctx.config.configMap(ns, name);
  if (data === undefined && name === rootCaConfigMap) return { 'ca.crt': Buffer.from(ctx.caData) };
  return data;
}

/** The files of a Secret, ConfigMap, downwardAPI or projected volume; undefined for other kinds. */
export async function renderVolumeFiles(volume: V1Volume, ctx: VolumeContext): Promise<Files | undefined> {
  const ns = ctx.pod.metadata?.namespace ?? 'default';
  const files: Files = new Map();
  if (volume.secret) {
    const s = volume.secret;
    const name = s.secretName ?? '';
    keyed('secret', name, await ctx.config.secret(ns, name), s.optional === true, s.items, s.defaultMode ?? 0o644, files);
  } else if (volume.configMap) {
    const c = volume.configMap;
    const name = c.name ?? '';
    keyed('configmap', name, await configMapData(ctx, name), c.optional === true, c.items, c.defaultMode ?? 0o644, files);
  } else if (volume.downwardAPI) {
    downward(volume.downwardAPI.items, volume.downwardAPI.defaultMode ?? 0o644, ctx, files);
  } else if (volume.projected) {
    const mode = volume.projected.defaultMode ?? 0o644;
    for (const src of volume.projected.sources ?? []) {
      if (src.secret) {
        const name = src.secret.name ?? '';
        keyed('secret', name, await ctx.config.secret(ns, name), src.secret.optional === true, src.secret.items, mode, files);
      } else if (src.configMap) {
        const name = src.configMap.name ?? '';
        keyed('configmap', name, await configMapData(ctx, name), src.configMap.optional === true, src.configMap.items, mode, files);
      } else if (src.downwardAPI) {
        downward(src.downwardAPI.items, mode, ctx, files);
      } else if (src.serviceAccountToken) {
        const t = src.serviceAccountToken;
        const token = await ctx.tokens.token(ctx.pod, t.audience, t.expirationSeconds ?? 3600);
        files.set(t.path, { data: Buffer.from(token), mode });
      } else {
        throw new VolumeError(`projected volume ${volume.name} has a source the sandbox does not support: use secret, configMap, downwardAPI or serviceAccountToken`);
      }
    }
  } else {
    return undefined;
  }
  return files;
}

const hostPathKinds: Record<string, 'dir' | 'file' | undefined> = { Directory: 'dir', DirectoryOrCreate: 'dir', File: 'file', FileOrCreate: 'file' };

function hostPathVolume(volume: V1Volume, ctx: VolumeContext): PreparedVolume {
  const fs = ctx.fs ?? realFs;
  const hp = volume.hostPath;
  if (!hp) throw new VolumeError(`volume ${volume.name} is not a hostPath`);
  const type = hp.type ?? '';
  const wanted = hostPathKinds[type];
  const nodeLocal = join(ctx.nodeDir, 'host', hp.path);
  for (const candidate of [nodeLocal, hp.path]) {
    const kind = fs.kind(candidate);
    if (kind === undefined) continue;
    if (wanted !== undefined && kind !== wanted) throw new VolumeError(`hostPath ${hp.path} is not a ${wanted === 'dir' ? 'directory' : 'file'} (type ${type})`);
    return { path: candidate, kind };
  }
  if (type === 'FileOrCreate') {
    mkdirSync(dirname(nodeLocal), { recursive: true });
    closeSync(openSync(nodeLocal, 'a'));
    return { path: nodeLocal, kind: 'file' };
  }
  if (type === '' || type === 'DirectoryOrCreate') {
    mkdirSync(nodeLocal, { recursive: true });
    return { path: nodeLocal, kind: 'dir' };
  }
  throw new VolumeError(`hostPath ${hp.path} does not exist (type ${type})`);
}

/** A pod's volumes on disk; Secret, ConfigMap and projected volumes are rewritten when their sources change. */
export class PodVolumes {
  constructor(private readonly ctx: VolumeContext) {}

  private dirOf(name: string): string {
    return join(this.ctx.podDir, 'volumes', name);
  }

  async prepare(): Promise<Map<string, PreparedVolume>> {
    const out = new Map<string, PreparedVolume>();
    for (const v of this.ctx.pod.spec?.volumes ?? []) {
      if (v.emptyDir) {
        mkdirSync(this.dirOf(v.name), { recursive: true });
        out.set(v.name, { path: this.dirOf(v.name), kind: 'dir' });
      } else if (v.hostPath) {
        out.set(v.name, hostPathVolume(v, this.ctx));
      } else {
        const files = await renderVolumeFiles(v, this.ctx);
        if (!files) throw new VolumeError(`volume ${v.name} is of a kind the sandbox does not support: use emptyDir, hostPath, secret, configMap, downwardAPI or projected`);
        writeAtomicDir(this.dirOf(v.name), files);
        out.set(v.name, { path: this.dirOf(v.name), kind: 'dir' });
      }
    }
    return out;
  }

  /** Rewrites rendered volumes whose content changed; returns their names. */
  async refresh(): Promise<string[]> {
    const changed: string[] = [];
    for (const v of this.ctx.pod.spec?.volumes ?? []) {
      if (v.emptyDir || v.hostPath) continue;
      const files = await renderVolumeFiles(v, this.ctx);
      if (files && writeAtomicDir(this.dirOf(v.name), files)) changed.push(v.name);
    }
    return changed;
  }
}
