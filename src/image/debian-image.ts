import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir } from '../base/cache.js';
import type { CommandRunner } from '../net/command.js';
import { writeOciArchive } from './archive.js';
import { bookwormSources, checkPackages, debianRootfs, slimExcludes } from './debian.js';
import { addLayer } from './layer.js';
import { annotationKeys, imageName, OciLayout } from './oci.js';
import { defaultStoreDir, ImageStore, type StoredImage } from './store.js';

/** An image of Debian packages: what `sandbox build-image` makes. */
export interface DebianImageSpec {
  name: string;
  packages: string[];
  entrypoint?: string[] | undefined;
  cmd?: string[] | undefined;
}

/** The images the README's demo and the e2e tests run, made of Debian packages. */
export const exampleImages: Record<string, DebianImageSpec> = {
  // nginx as Debian ships it, its access log (one line per client) on the container's output.
  nginx: {
    name: 'kubectl-submariner/nginx:1.22',
    packages: ['nginx-light'],
    entrypoint: ['/bin/sh', '-c', 'ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log && exec nginx -g "daemon off;"'],
  },
  toolbox: {
    name: 'kubectl-submariner/toolbox:1',
    packages: ['bind9-dnsutils', 'curl', 'iperf3', 'iproute2', 'iputils-ping', 'netcat-openbsd', 'socat'],
    cmd: ['sleep', 'infinity'],
  },
};

/** The spec for `NAME --packages a,b`, or the example of that name when no packages are given. */
export function debianImageSpec(name: string, packages: string[], entrypoint?: string[]): DebianImageSpec {
  if (packages.length === 0) {
    const example = exampleImages[name] ?? Object.values(exampleImages).find((e) => imageName(e.name) === imageName(name));
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

/** Builds an image of Debian packages (mmdebstrap, cached per package set) and loads it into the host's image store. */
export async function buildDebianImage(runner: CommandRunner, spec: DebianImageSpec, o: DebianImageOptions = {}): Promise<StoredImage> {
  const epoch = o.epoch ?? 1_700_000_000;
  const rootfs = await debianRootfs(
    runner,
    { suite: 'bookworm', sources: bookwormSources, packages: spec.packages, hooks: [], excludes: slimExcludes, epoch },
    join(cacheDir(), 'image'),
  );
  const dir = mkdtempSync(join(tmpdir(), 'ksub-image-'));
  try {
    const layout = OciLayout.init(dir);
    const layer = await addLayer(layout, rootfs, `mmdebstrap --variant=minbase bookworm ${spec.packages.join(',')}`);
    const created = new Date(epoch * 1000).toISOString().replace(/\.000Z$/, 'Z');
    const annotations = { [annotationKeys.created]: created, [annotationKeys.description]: `Debian bookworm with ${spec.packages.join(', ')}` };
    layout.addImage(spec.name, [layer], {
      entrypoint: spec.entrypoint,
      cmd: spec.cmd,
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      labels: annotations,
    }, created, annotations);
    if (o.archive) await writeOciArchive(runner, dir, o.archive, epoch);
    const [stored] = new ImageStore(o.storeDir ?? defaultStoreDir(), runner).copyFrom(layout);
    if (!stored) throw new Error(`the image ${spec.name} was not stored`);
    return stored;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
