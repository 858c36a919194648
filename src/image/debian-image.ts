import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cacheDir } from '../base/cache.js';
import type { CommandRunner } from '../net/command.js';
import { writeOciArchive } from './archive.js';
import { bookwormSources, checkPackages, debianRootfs, slimExcludes } from './debian.js';
import { addLayer, tarDirectory } from './layer.js';
import { annotationKeys, canonical, fileDigest, imageName, OciLayout, sha256, type ImageRuntimeConfig, type Layer } from './oci.js';
import { defaultStoreDir, ImageStore, type StoredImage } from './store.js';

/** A file an image adds over its Debian packages: text, a copy of a host file, an empty directory, or a symbolic link. */
export type ImageFile =
  | { path: string; content: string; mode?: number }
  | { path: string; source: string; mode?: number }
  | { path: string; directory: true; mode?: number }
  | { path: string; link: string };

/** An image of Debian packages (none: the files alone), with files on top: what `sandbox build-image` makes. */
export interface DebianImageSpec {
  name: string;
  packages: string[];
  entrypoint?: string[] | undefined;
  cmd?: string[] | undefined;
  /** Variables besides PATH. */
  env?: string[] | undefined;
  /** A layer over the packages' root filesystem. */
  files?: ImageFile[] | undefined;
  /** org.opencontainers.image.description (default: the packages). */
  description?: string | undefined;
  /** org.opencontainers.image.version. */
  version?: string | undefined;
}

/** The manifest annotation holding the digest of everything an image was built from (see imageInputs). */
export const inputsAnnotation = 'io.kubectl-submariner.image.inputs';

/** Every image's timestamp when none is given: the images are the same wherever they are built. */
export const defaultImageEpoch = 1_700_000_000;

const imagePath = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The images the README's demo and the e2e tests run, made of Debian packages. */
export const exampleImages = {
  // nginx as Debian ships it, its access log (one line per client) on the container's output.
  // Its one site answers every request with the pod's name and address (hostname and the address the request
  // reached), so that a client tells which pod served it.
  nginx: {
    name: 'kubectl-submariner/nginx:1.22',
    packages: ['nginx-light'],
    entrypoint: ['/bin/sh', '-c', 'ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log && exec nginx -g "daemon off;"'],
    files: [
      {
        path: '/etc/nginx/sites-available/default',
        content: 'server {\n    listen 80 default_server;\n    location / {\n        default_type text/plain;\n        return 200 "$hostname $server_addr\\n";\n    }\n}\n',
      },
    ],
  },
  toolbox: {
    name: 'kubectl-submariner/toolbox:1',
    packages: ['bind9-dnsutils', 'curl', 'iperf3', 'iproute2', 'iputils-ping', 'netcat-openbsd', 'socat'],
    cmd: ['sleep', 'infinity'],
  },
} satisfies Record<string, DebianImageSpec>;

/** The spec for `NAME --packages a,b`, or the example of that name when no packages are given. */
export function debianImageSpec(name: string, packages: string[], entrypoint?: string[]): DebianImageSpec {
  if (packages.length === 0) {
    const examples: Record<string, DebianImageSpec> = exampleImages;
    const example = examples[name] ?? Object.values(examples).find((e) => imageName(e.name) === imageName(name));
    if (!example) throw new Error(`no packages for ${name}: give --packages a,b (Debian package names), or build an example: ${Object.keys(exampleImages).join(', ')}`);
    return entrypoint ? { ...example, entrypoint } : example;
  }
  return { name, packages: checkPackages(packages), entrypoint, cmd: entrypoint ? undefined : ['sleep', 'infinity'] };
}

export interface DebianImageOptions {
  /** Also write an oci-archive tarball here. */
  archive?: string | undefined;
  storeDir?: string | undefined;
  epoch?: number | undefined;
}

/** How the image runs and what it says of itself: its config's runtime part and its manifest's annotations. */
export function debianImageConfig(spec: DebianImageSpec, epoch: number, inputs: string): { runtime: ImageRuntimeConfig; annotations: Record<string, string>; created: string } {
  const created = new Date(epoch * 1000).toISOString().replace(/\.000Z$/, 'Z');
  const labels: Record<string, string> = {
    [annotationKeys.created]: created,
    [annotationKeys.description]: spec.description ?? `Debian bookworm with ${spec.packages.join(', ')}`,
    ...(spec.version ? { [annotationKeys.version]: spec.version } : {}),
  };
  const runtime: ImageRuntimeConfig = { env: [imagePath, ...(spec.env ?? [])], labels };
  if (spec.entrypoint) runtime.entrypoint = spec.entrypoint;
  if (spec.cmd) runtime.cmd = spec.cmd;
  return { runtime, annotations: { ...labels, [inputsAnnotation]: inputs }, created };
}

/**
 * The digest of everything an image is built from: the spec, the content of the host files it copies and the
 * epoch. A store holding an image with the same inputs holds this image (the Debian archive aside).
 */
export async function imageInputs(spec: DebianImageSpec, epoch: number): Promise<string> {
  const files = await Promise.all((spec.files ?? []).map(async (f) => ('source' in f ? { ...f, source: await fileDigest(f.source) } : f)));
  return sha256(canonical({ ...spec, packages: checkPackages(spec.packages), files, epoch }));
}

/** Writes the files of a spec under `tree`, every directory 0755 unless given, as a layer's content. */
export function writeImageFiles(tree: string, files: readonly ImageFile[]): void {
  const dir = (path: string): void => {
    if (path === tree) return;
    dir(dirname(path));
    mkdirSync(path, { recursive: true });
    chmodSync(path, 0o755);
  };
  mkdirSync(tree, { recursive: true });
  chmodSync(tree, 0o755);
  for (const f of files) {
    if (!f.path.startsWith('/') || f.path.split('/').includes('..')) throw new RangeError(`image file "${f.path}" is not an absolute path inside the image`);
    const path = join(tree, f.path);
    dir(dirname(path));
    if ('link' in f) symlinkSync(f.link, path);
    else if ('directory' in f) {
      dir(path);
      chmodSync(path, f.mode ?? 0o755);
    } else {
      if ('source' in f) copyFileSync(f.source, path);
      else writeFileSync(path, f.content);
      chmodSync(path, f.mode ?? 0o644);
    }
  }
}

/**
 * Builds an image of Debian packages (mmdebstrap, cached per package set) with the spec's files as a layer
 * above, and loads it into the host's image store. The same spec gives the same layers.
 */
export async function buildDebianImage(runner: CommandRunner, spec: DebianImageSpec, o: DebianImageOptions = {}): Promise<StoredImage> {
  const epoch = o.epoch ?? defaultImageEpoch;
  if (spec.packages.length === 0 && (spec.files ?? []).length === 0) throw new Error(`the image ${spec.name} has neither packages nor files: give --packages a,b`);
  const dir = mkdtempSync(join(tmpdir(), 'ksub-image-'));
  const work = mkdtempSync(join(tmpdir(), 'ksub-image-files-'));
  try {
    const layout = OciLayout.init(dir);
    const layers: Layer[] = [];
    if (spec.packages.length > 0) {
      const rootfs = await debianRootfs(
        runner,
        { suite: 'bookworm', sources: bookwormSources, packages: spec.packages, hooks: [], excludes: slimExcludes, epoch },
        join(cacheDir(), 'image'),
      );
      layers.push(await addLayer(layout, rootfs, `mmdebstrap --variant=minbase bookworm ${spec.packages.join(',')}`));
    }
    if (spec.files && spec.files.length > 0) {
      const tree = join(work, 'tree');
      writeImageFiles(tree, spec.files);
      const tar = join(work, 'files.tar');
      await tarDirectory(runner, tree, tar, epoch);
      layers.push(await addLayer(layout, tar, `files ${spec.files.map((f) => f.path).join(' ')}`));
    }
    const { runtime, annotations, created } = debianImageConfig(spec, epoch, await imageInputs(spec, epoch));
    layout.addImage(spec.name, layers, runtime, created, annotations);
    if (o.archive) await writeOciArchive(runner, dir, o.archive, epoch);
    const [stored] = new ImageStore(o.storeDir ?? defaultStoreDir(), runner).copyFrom(layout);
    if (!stored) throw new Error(`the image ${spec.name} was not stored`);
    return stored;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}
