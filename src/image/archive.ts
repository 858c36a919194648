import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandRunner } from '../net/command.js';
import { tarDirectory } from './layer.js';
import { OciLayout } from './oci.js';

/** An `oci-archive` tarball: the layout directory in a tar, as skopeo and `ctr images import` read it. */
export async function writeOciArchive(runner: CommandRunner, layoutDir: string, archive: string, epoch: number): Promise<void> {
  await tarDirectory(runner, layoutDir, archive, epoch);
}

/** Unpacks an oci-archive tarball into a temporary layout, hands it to `use`, then removes it. */
export async function withArchiveLayout<T>(runner: CommandRunner, archive: string, use: (layout: OciLayout) => Promise<T> | T): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'ksub-oci-'));
  try {
    await runner.run('tar', ['-xf', archive, '-C', dir], { timeoutMs: 600_000 });
    if (!OciLayout.isLayout(dir)) throw new Error(`${archive} is not an oci-archive (no oci-layout and index.json inside): build one with npm run image or skopeo copy ... oci-archive:FILE`);
    return await use(new OciLayout(dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
