import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildDebianImage, debianImageSpec } from '../../../src/image/debian-image.js';
import { ImageStore } from '../../../src/image/store.js';
import { ExecRunner } from '../../../src/net/command.js';
import { runFromStore } from '../../support/image-run.js';

// The example images built from Debian packages into a store, and run from it under runc in a pod's namespace.
const runner = new ExecRunner();
const work = mkdtempSync(join(tmpdir(), 'example-images-'));
after(() => rmSync(work, { recursive: true, force: true }));
const run = (store: ImageStore, image: string, script: string): ReturnType<typeof runFromStore> =>
  runFromStore(runner, store, work, image, ['/bin/sh', '-c', script]);

describe('example images from Debian packages', () => {
  const store = new ImageStore(join(work, 'store'), runner);

  it('toolbox has curl, dig, nc, iperf3 and socat, and sleeps by default', async () => {
    const built = await buildDebianImage(runner, debianImageSpec('toolbox', []), { storeDir: store.dir });
    assert.equal(built.name, 'docker.io/kubectl-submariner/toolbox:1');
    const r = await run(store, 'kubectl-submariner/toolbox:1', 'curl --version | head -1; dig -v; nc -h 2>&1 | head -1; iperf3 --version | head -1; socat -V | head -2 | tail -1');
    assert.equal(r.code, 0, r.out);
    for (const tool of [/^curl \d/m, /DiG 9/, /OpenBSD netcat/, /^iperf 3/m, /socat version/]) assert.match(r.out, tool);
    const { config } = await store.unpack(store.find('kubectl-submariner/toolbox:1')!);
    assert.deepEqual(config.Cmd, ['sleep', 'infinity']);
  });

  it('nginx is Debian\'s, started in the foreground with its logs on the container\'s output', async () => {
    await buildDebianImage(runner, debianImageSpec('nginx', []), { storeDir: store.dir });
    const r = await run(store, 'kubectl-submariner/nginx:1.22', 'nginx -v');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /nginx version: nginx\/1\.22/);
    const { config } = await store.unpack(store.find('kubectl-submariner/nginx:1.22')!);
    assert.match(config.Entrypoint?.join(' ') ?? '', /access\.log.*exec nginx -g "daemon off;"/);
  });

  it('nginx answers with the pod\'s name and address, and logs the client as nginx does', async () => {
    const get = 'exec 3<>/dev/tcp/127.0.0.1/80; printf "GET / HTTP/1.1\\r\\nHost: p\\r\\nConnection: close\\r\\n\\r\\n" >&3; cat <&3';
    const script = `ln -sf /dev/stdout /var/log/nginx/access.log && nginx && bash -c '${get}' && sleep 0.2 && nginx -s quit`;
    const r = await runFromStore(runner, store, work, 'kubectl-submariner/nginx:1.22', ['/bin/sh', '-c', script], { writable: true });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /^HTTP\/1\.1 200 OK/m);
    assert.match(r.out, /^p 127\.0\.0\.1$/m);
    assert.match(r.out, /^127\.0\.0\.1 - - \[[^\]]+\] "GET \/ HTTP\/1\.1" 200 \d+ "-" "-"$/m);
  });
});
