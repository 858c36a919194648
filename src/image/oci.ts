import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseImageRef } from '../api/names.js';

export { parseImageRef, type ImageRef } from '../api/names.js';

/** Media types of the OCI image spec (v1.1). */
export const mediaTypes = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

/** Annotation keys of the OCI image spec and containerd. */
export const annotationKeys = {
  refName: 'org.opencontainers.image.ref.name',
  created: 'org.opencontainers.image.created',
  version: 'org.opencontainers.image.version',
  title: 'org.opencontainers.image.title',
  description: 'org.opencontainers.image.description',
  source: 'org.opencontainers.image.source',
  revision: 'org.opencontainers.image.revision',
  licenses: 'org.opencontainers.image.licenses',
  /** The full reference `ctr images import` names the image by. */
  containerdName: 'io.containerd.image.name',
} as const;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string };
}

/** One layer as written: the compressed blob and the digest of its uncompressed tar (the config's diff_id). */
export interface Layer {
  descriptor: Descriptor;
  diffId: string;
  /** What the layer holds, for the image history. */
  createdBy: string;
}

export interface ImageRuntimeConfig {
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  labels?: Record<string, string>;
}

export interface ImageConfig {
  created: string;
  architecture: string;
  os: string;
  config: { Entrypoint?: string[]; Cmd?: string[]; Env?: string[]; WorkingDir?: string; Labels?: Record<string, string> };
  rootfs: { type: 'layers'; diff_ids: string[] };
  history: { created: string; created_by: string }[];
}

export interface OciIndex {
  schemaVersion: 2;
  mediaType: string;
  manifests: Descriptor[];
}

export interface OciManifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/** GOARCH names, as image configs spell the architecture. */
export function ociArchitecture(arch: string = process.arch): string {
  const names: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return names[arch] ?? arch;
}

export const sha256 = (data: Buffer | string): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** The sha256 digest of a file, streamed. */
export function fileDigest(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(`sha256:${h.digest('hex')}`));
  });
}

/** JSON as written into blobs: keys in the given order, no whitespace, so the same value gives the same digest. */
export const canonical = (value: unknown): string => JSON.stringify(value);

/** The image config: every timestamp is `created`, so that the same layers give the same config digest. */
export function imageConfig(layers: readonly Layer[], runtime: ImageRuntimeConfig, created: string, architecture = ociArchitecture()): ImageConfig {
  const config: ImageConfig['config'] = {};
  if (runtime.entrypoint) config.Entrypoint = [...runtime.entrypoint];
  if (runtime.cmd) config.Cmd = [...runtime.cmd];
  if (runtime.env) config.Env = [...runtime.env];
  if (runtime.workingDir) config.WorkingDir = runtime.workingDir;
  if (runtime.labels) config.Labels = sortedRecord(runtime.labels);
  return {
    created,
    architecture,
    os: 'linux',
    config,
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((l) => ({ created, created_by: l.createdBy })),
  };
}

export function imageManifest(config: Descriptor, layers: readonly Layer[], annotations: Record<string, string>): OciManifest {
  return {
    schemaVersion: 2,
    mediaType: mediaTypes.manifest,
    config,
    layers: layers.map((l) => l.descriptor),
    annotations: sortedRecord(annotations),
  };
}

function sortedRecord(r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The repository as a container runtime normalises it: Docker Hub's `docker.io/` and `library/` are
 * implied, so `nginx` and `docker.io/library/nginx` name the same image.
 */
export function normalizeRepository(repository: string): string {
  const first = repository.split('/')[0] ?? '';
  const hasRegistry = repository.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  const withRegistry = hasRegistry ? repository : `docker.io/${repository}`;
  return withRegistry.replace(/^docker\.io\/([^/]+)$/, 'docker.io/library/$1');
}

/** The name an image is stored under: normalised repository and tag. */
export const imageName = (ref: string): string => {
  const r = parseImageRef(ref);
  return `${normalizeRepository(r.repository)}:${r.tag}`;
};

/**
 * An OCI image layout directory (`oci-layout`, `index.json`, `blobs/sha256/`), as skopeo, umoci and
 * containerd read it. Each image in the index carries its full name in `io.containerd.image.name` and
 * its tag in `org.opencontainers.image.ref.name`.
 */
export class OciLayout {
  constructor(readonly dir: string) {}

  static init(dir: string): OciLayout {
    mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
    const marker = join(dir, 'oci-layout');
    if (!existsSync(marker)) writeFileSync(marker, canonical({ imageLayoutVersion: '1.0.0' }));
    const layout = new OciLayout(dir);
    if (!existsSync(join(dir, 'index.json'))) layout.writeIndex({ schemaVersion: 2, mediaType: mediaTypes.index, manifests: [] });
    return layout;
  }

  static isLayout(dir: string): boolean {
    return existsSync(join(dir, 'oci-layout')) && existsSync(join(dir, 'index.json'));
  }

  blobPath(digest: string): string {
    const [algo, hex] = digest.split(':');
    return join(this.dir, 'blobs', algo ?? 'sha256', hex ?? '');
  }

  hasBlob(digest: string): boolean {
    return existsSync(this.blobPath(digest));
  }

  /** Writes a blob from memory; returns its descriptor. */
  writeBlob(data: Buffer | string, mediaType: string): Descriptor {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    const digest = sha256(buf);
    const path = this.blobPath(digest);
    if (!existsSync(path)) {
      writeFileSync(`${path}.tmp`, buf);
      renameSync(`${path}.tmp`, path);
    }
    return { mediaType, digest, size: buf.length };
  }

  /** Moves a finished file into the blobs under its digest. */
  adoptBlob(file: string, digest: string, size: number, mediaType: string): Descriptor {
    const path = this.blobPath(digest);
    if (existsSync(path)) rmSync(file, { force: true });
    else renameSync(file, path);
    return { mediaType, digest, size };
  }

  readJson<T>(digest: string): T {
    return JSON.parse(readFileSync(this.blobPath(digest), 'utf8')) as T;
  }

  index(): OciIndex {
    return JSON.parse(readFileSync(join(this.dir, 'index.json'), 'utf8')) as OciIndex;
  }

  writeIndex(index: OciIndex): void {
    const path = join(this.dir, 'index.json');
    writeFileSync(`${path}.tmp`, canonical(index));
    renameSync(`${path}.tmp`, path);
  }

  /** Writes the config and manifest of an image and names it `name` in the index (replacing an image of that name). */
  addImage(name: string, layers: readonly Layer[], runtime: ImageRuntimeConfig, created: string, annotations: Record<string, string>): Descriptor {
    const config = this.writeBlob(canonical(imageConfig(layers, runtime, created)), mediaTypes.config);
    const manifest = this.writeBlob(canonical(imageManifest(config, layers, annotations)), mediaTypes.manifest);
    this.tag(name, manifest);
    return manifest;
  }

  /** Names a manifest in the index. */
  tag(name: string, manifest: Descriptor): void {
    const full = imageName(name);
    const { tag } = parseImageRef(full);
    const entry: Descriptor = {
      mediaType: mediaTypes.manifest,
      digest: manifest.digest,
      size: manifest.size,
      annotations: { [annotationKeys.containerdName]: full, [annotationKeys.refName]: tag },
      platform: { architecture: ociArchitecture(), os: 'linux' },
    };
    const index = this.index();
    const others = index.manifests.filter((m) => nameOf(m) !== full);
    const manifests = [...others, entry].sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0));
    this.writeIndex({ ...index, manifests });
  }

  /** The images of the index by full name. */
  images(): Map<string, Descriptor> {
    const out = new Map<string, Descriptor>();
    for (const m of this.index().manifests) {
      const name = nameOf(m);
      if (name) out.set(name, m);
    }
    return out;
  }
}

/** The full name of an index entry: containerd's annotation, else its tag alone. */
export function nameOf(d: Descriptor): string {
  return d.annotations?.[annotationKeys.containerdName] ?? d.annotations?.[annotationKeys.refName] ?? '';
}
