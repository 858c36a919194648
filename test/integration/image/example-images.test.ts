import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildDebianImage, debianImageSpec } from '../../../src/image/debian-image.js';
import { ImageStore } from '../../../src/image/store.js';
import { ExecRunner } from '../../../src/net/command.js';
import { bundleConfig, capabilitiesOfMask } from '../../../src/sandbox/kubelet/pod/bundle.js';

// The example images built from Debian packages into a store, and run from it under runc in a pod's namespace.
const runner = new ExecRunner();
const work = mkdtempSync(join(tmpdir(), 'example-images-'));
after(() => rmSync(work, { recursive: true, force: true }));
const hostCaps = capabilitiesOfMask(/CapBnd:\s*(\w+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '0');

async function runFromStore(store: ImageStore, image: string, script: string): Promise<{ code: number; out: string }> {
  const stored = store.find(image);
  assert.ok(stored, `${image} is in the store`);
  const { rootfs, config } = await store.unpack(stored);
  const bundle = join(work, `bundle-${stored.digest.slice(7, 19)}`);
  const files = join(bundle, 'pod');
  mkdirSync(files, { recursive: true });
  for (const f of ['resolv.conf', 'hosts', 'hostname']) writeFileSync(join(files, f), '');
  const netns = `example-image-${process.pid}`;
  await runner.run('ip', ['netns', 'add', netns]);
  try {
    const spec = bundleConfig({
      pod: { namespace: 'default', name: 'p', uid: 'u' }, container: { name: 'c' }, command: ['/bin/sh', '-c', script], args: [], env: {},
      image: { entrypoint: config.Entrypoint, cmd: config.Cmd, env: config.Env }, rootfs, hostname: 'p', netnsPath: `/run/netns/${netns}`,
      volumes: new Map(), podFiles: { resolvConf: join(files, 'resolv.conf'), hosts: join(files, 'hosts'), hostname: join(files, 'hostname') },
      hostCapabilities: hostCaps,
    });
    // The image's root filesystem is shared by every container of the image: this one only reads it.
    spec.root.readonly = true;
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
    const id = `example-image-${process.pid}`;
    const r = await runner.run('runc', ['run', '--bundle', bundle, id], { allowFailure: true, timeoutMs: 60_000 });
    await runner.run('runc', ['delete', '--force', id], { allowFailure: true });
    return { code: r.code, out: r.stdout + r.stderr };
  } finally {
    await runner.run('ip', ['netns', 'del', netns], { allowFailure: true });
  }
}

describe('example images from Debian packages', () => {
  const store = new ImageStore(join(work, 'store'), runner);

  it('toolbox has curl, dig, nc, iperf3 and socat, and sleeps by default', async () => {
    const built = await buildDebianImage(runner, debianImageSpec('toolbox', []), { storeDir: store.dir });
    assert.equal(built.name, 'docker.io/kubectl-submariner/toolbox:1');
    const r = await runFromStore(store, 'kubectl-submariner/toolbox:1', 'curl --version | head -1; dig -v; nc -h 2>&1 | head -1; iperf3 --version | head -1; socat -V | head -2 | tail -1');
    assert.equal(r.code, 0, r.out);
    for (const tool of [/^curl \d/m, /DiG 9/, /OpenBSD netcat/, /^iperf 3/m, /socat version/]) assert.match(r.out, tool);
    const { config } = await store.unpack(store.find('kubectl-submariner/toolbox:1')!);
    assert.deepEqual(config.Cmd, ['sleep', 'infinity']);
  });

  it('nginx is Debian\'s, started in the foreground with its logs on the container\'s output', async () => {
    await buildDebianImage(runner, debianImageSpec('nginx', []), { storeDir: store.dir });
    const r = await runFromStore(store, 'kubectl-submariner/nginx:1.22', 'nginx -v');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /nginx version: nginx\/1\.22/);
    const { config } = await store.unpack(store.find('kubectl-submariner/nginx:1.22')!);
    assert.match(config.Entrypoint?.join(' ') ?? '', /access\.log.*exec nginx -g "daemon off;"/);
  });
});
