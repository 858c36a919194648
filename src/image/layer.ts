import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { CommandRunner } from '../net/command.js';
import { mediaTypes, type Layer, type OciLayout } from './oci.js';

/**
 * GNU tar options that make an archive depend on the files' content, names and modes only: names sorted,
 * every mtime the epoch, owners root, no access or change times.
 */
export function reproducibleTarArgs(epoch: number): string[] {
  return [
    '--sort=name',
    '--format=posix',
    '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
    `--mtime=@${epoch}`,
    '--owner=0',
    '--group=0',
    '--numeric-owner',
  ];
}

/** Tars the content of `dir` (paths relative to it) into `out`, reproducibly. */
export async function tarDirectory(runner: CommandRunner, dir: string, out: string, epoch: number): Promise<void> {
  await runner.run('tar', [...reproducibleTarArgs(epoch), '-C', dir, '-cf', out, '.'], { timeoutMs: 600_000 });
}

class Digester extends Transform {
  private readonly hash = createHash('sha256');
  size = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    done(null, chunk);
  }

  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

/**
 * Compresses an uncompressed layer tar into the layout's blobs. gzip from zlib writes no name and no
 * time into its header, so the blob's digest follows from the tar's alone.
 */
export async function addLayer(layout: OciLayout, tarFile: string, createdBy: string): Promise<Layer> {
  const tmp = `${layout.dir}/blobs/sha256/.incoming-${process.pid}-${Date.now()}`;
  const diff = new Digester();
  const blob = new Digester();
  await pipeline(createReadStream(tarFile), diff, createGzip({ level: 6 }), blob, createWriteStream(tmp));
  const digest = blob.digest();
  const descriptor = layout.adoptBlob(tmp, digest, statSync(tmp, { throwIfNoEntry: false })?.size ?? blob.size, mediaTypes.layerGzip);
  return { descriptor: { ...descriptor, size: blob.size }, diffId: diff.digest(), createdBy };
}
