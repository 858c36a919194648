import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../base/cache.js';
import type { CommandRunner } from '../net/command.js';
import { withArchiveLayout } from './archive.js';
import { imageName, OciLayout, type Descriptor, type ImageConfig, type OciManifest } from './oci.js';

/** An image of the store, by the name a pod spec gives. */
export interface StoredImage {
  name: string;
  digest: string;
  size: number;
}

/** What the store gives a container runtime: the unpacked root filesystem and how the image says to run it. */
export interface UnpackedImage {
  rootfs: string;
  config: ImageConfig['config'];
}

/** Unpackings in progress in this process, by root filesystem path. */
const unpacking = new Map<string, Promise<void>>();

/** The host's image store, kept across `sandbox down` (`sandbox clean --images` removes it). */
export const defaultStoreDir = (env: NodeJS.ProcessEnv = process.env): string => join(cacheDir(env), 'images');

/**
 * The local image store of a host: an OCI layout naming each image by its full reference, and each image's
 * layers unpacked once into a read-only root filesystem that containers overlay.
 */
export class ImageStore {
  readonly layout: OciLayout;

  constructor(
    readonly dir: string,
    private readonly runner: CommandRunner,
  ) {
    this.layout = OciLayout.init(join(dir, 'layout'));
  }

  /** Adds every image of an oci-archive tarball; returns what it added. */
  async load(archive: string, name?: string): Promise<StoredImage[]> {
    if (!existsSync(archive)) throw new Error(`${archive} does not exist: build the image first (npm run image) or give the path of an oci-archive tarball`);
    return withArchiveLayout(this.runner, archive, (from) => this.copyFrom(from, name));
  }

  /**
   * Adds every image of another OCI layout directory under the full name its index gives
   * (`io.containerd.image.name`), or the one image it holds under `name` (as `docker load` then `docker tag`:
   * a new version's name for a build, or the full name of an image the index knows only by its tag).
   */
  copyFrom(from: OciLayout, name?: string): StoredImage[] {
    const images = [...from.images()];
    if (name !== undefined && images.length > 1) {
      throw new Error(`--name ${name} names one image, but the archive holds ${images.length} (${images.map(([n]) => n).join(', ')}): load it without --name`);
    }
    const added: StoredImage[] = [];
    for (const [indexed, desc] of images) {
      const full = name ?? (indexed.includes('/') ? indexed : undefined);
      if (full === undefined) throw new Error(`the archive names its image only by the tag "${indexed}": give its full name with --name (e.g. --name registry.example.com/app:${indexed})`);
      const manifest = from.readJson<OciManifest>(desc.digest);
      for (const blob of [manifest.config, ...manifest.layers, desc]) this.copyBlob(from, blob);
      this.layout.tag(full, desc);
      added.push({ name: imageName(full), digest: desc.digest, size: desc.size });
    }
    if (added.length === 0) throw new Error('the archive holds no image: its index.json lists no manifest');
    return added;
  }

  private copyBlob(from: OciLayout, d: Descriptor): void {
    if (this.layout.hasBlob(d.digest)) return;
    const tmp = `${this.layout.blobPath(d.digest)}.${process.pid}.tmp`;
    copyFileSync(from.blobPath(d.digest), tmp);
    renameSync(tmp, this.layout.blobPath(d.digest));
  }

  list(): StoredImage[] {
    return [...this.layout.images()].map(([name, d]) => ({ name, digest: d.digest, size: d.size }));
  }

  /** The stored image a pod's `image` names, or undefined when it is not loaded. */
  find(ref: string): StoredImage | undefined {
    const name = imageName(ref);
    const d = this.layout.images().get(name);
    return d ? { name, digest: d.digest, size: d.size } : undefined;
  }

  /** The image's root filesystem, unpacked on first use (layers in order, whiteouts applied). */
  async unpack(image: StoredImage): Promise<UnpackedImage> {
    const manifest = this.layout.readJson<OciManifest>(image.digest);
    const config = this.layout.readJson<ImageConfig>(manifest.config.digest).config;
    const rootfs = join(this.dir, 'rootfs', image.digest.replace(':', '-'));
    if (existsSync(rootfs)) return { rootfs, config };
    // Containers of one image starting together (several kubelets of one process) share one unpacking.
    let pending = unpacking.get(rootfs);
    if (!pending) {
      pending = this.unpackLayers(manifest, rootfs).finally(() => unpacking.delete(rootfs));
      unpacking.set(rootfs, pending);
    }
    await pending;
    return { rootfs, config };
  }

  private async unpackLayers(manifest: OciManifest, rootfs: string): Promise<void> {
    const tmp = `${rootfs}.${process.pid}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    for (const layer of manifest.layers) await this.applyLayer(tmp, this.layout.blobPath(layer.digest));
    renameSync(tmp, rootfs);
  }

  /** One layer over the tree below it: its whiteouts (`.wh.NAME`, `.wh..wh..opq`) remove first, then its files land. */
  private async applyLayer(root: string, blob: string): Promise<void> {
    const list = await this.runner.run('tar', ['-tzf', blob], { timeoutMs: 600_000 });
    for (const entry of list.stdout.split('\n')) {
      const path = entry.replace(/^\.\//, '');
      const slash = path.lastIndexOf('/');
      const dir = join(root, path.slice(0, slash + 1));
      const base = path.slice(slash + 1);
      if (base === '.wh..wh..opq') {
        if (existsSync(dir)) for (const e of readdirSync(dir)) rmSync(join(dir, e), { recursive: true, force: true });
      } else if (base.startsWith('.wh.')) {
        rmSync(join(dir, base.slice('.wh.'.length)), { recursive: true, force: true });
      }
    }
    await this.runner.run('tar', ['-xzf', blob, '-C', root, '--numeric-owner', '--exclude=.wh.*'], { timeoutMs: 600_000 });
  }

  /** Unpacked root filesystems of images the layout no longer names. */
  prune(): void {
    const live = new Set(this.list().map((i) => i.digest.replace(':', '-')));
    const dir = join(this.dir, 'rootfs');
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir)) if (!live.has(entry)) rmSync(join(dir, entry), { recursive: true, force: true });
  }
}

/** Removes the store; returns whether there was one. */
export function removeStore(dir: string): boolean {
  if (!existsSync(dir)) return false;
  rmSync(dir, { recursive: true, force: true });
  return true;
}


/** `sandbox load-image`: adds an oci-archive's images to the host's store. */
export function loadImage(runner: CommandRunner, archive: string, name?: string, dir = defaultStoreDir()): Promise<StoredImage[]> {
  return new ImageStore(dir, runner).load(archive, name);
}
