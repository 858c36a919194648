import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageStore } from '../../src/image/store.js';
import type { CommandRunner } from '../../src/net/command.js';
import { bundleConfig, capabilitiesOfMask } from '../../src/sandbox/kubelet/pod/bundle.js';

const hostCaps = capabilitiesOfMask(/CapBnd:\s*(\w+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '0');

/**
 * Runs `command` in a container of a stored image under runc, in a network namespace of its own, as the
 * kubelet makes its bundle (hostname p); returns runc's exit code and the container's output.
 */
export async function runFromStore(
  runner: CommandRunner, store: ImageStore, work: string, image: string, command: string[], o: { writable?: boolean; privileged?: boolean } = {},
): Promise<{ code: number; out: string }> {
  const stored = store.find(image);
  assert.ok(stored, `${image} is in the store`);
  const { rootfs, config } = await store.unpack(stored);
  const bundle = join(work, `bundle-${stored.digest.slice(7, 19)}`);
  const files = join(bundle, 'pod');
  mkdirSync(files, { recursive: true });
  for (const f of ['resolv.conf', 'hosts', 'hostname']) writeFileSync(join(files, f), '');
  const netns = `image-run-${process.pid}`;
  await runner.run('ip', ['netns', 'add', netns]);
  await runner.run('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
  try {
    const spec = bundleConfig({
      pod: { namespace: 'default', name: 'p', uid: 'u' }, container: { name: 'c', ...(o.privileged ? { securityContext: { privileged: true } } : {}) }, command, args: [], env: {},
      image: { entrypoint: config.Entrypoint, cmd: config.Cmd, env: config.Env }, rootfs, hostname: 'p', netnsPath: `/run/netns/${netns}`,
      volumes: new Map(), podFiles: { resolvConf: join(files, 'resolv.conf'), hosts: join(files, 'hosts'), hostname: join(files, 'hostname') },
      hostCapabilities: hostCaps,
    });
    // The image's root filesystem is shared by every container of the image: a container only reads it, unless
    // the store is the test's own.
    spec.root.readonly = o.writable !== true;
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
    const id = `image-run-${process.pid}`;
    const r = await runner.run('runc', ['run', '--bundle', bundle, id], { allowFailure: true, timeoutMs: 60_000 });
    await runner.run('runc', ['delete', '--force', id], { allowFailure: true });
    return { code: r.code, out: r.stdout + r.stderr };
  } finally {
    await runner.run('ip', ['netns', 'del', netns], { allowFailure: true });
  }
}
