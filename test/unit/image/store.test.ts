import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecRunner } from '../../../src/net/command.js';
import { addLayer, tarDirectory } from '../../../src/image/layer.js';
import { OciLayout, type Layer } from '../../../src/image/oci.js';
import { ImageStore, removeStore } from '../../../src/image/store.js';
import { writeOciArchive } from '../../../src/image/archive.js';

const runner = new ExecRunner();

async function layerOf(layout: OciLayout, dir: string, files: Record<string, string>, name: string): Promise<Layer> {
  const tree = join(dir, name);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(tree, path, '..'), { recursive: true });
    writeFileSync(join(tree, path), content);
  }
  const tar = join(dir, `${name}.tar`);
  await tarDirectory(runner, tree, tar, 1700000000);
  return addLayer(layout, tar, name);
}

test('the store loads an oci-archive, finds images by the names a pod gives, and unpacks layers with their whiteouts', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'store-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const src = OciLayout.init(join(dir, 'src'));
  const base = await layerOf(src, dir, { 'etc/os-release': 'debian', 'etc/gone': 'x', 'var/www/old.html': 'old' }, 'base');
  const top = await layerOf(src, dir, { 'etc/.wh.gone': '', 'var/www/.wh..wh..opq': '', 'var/www/index.html': 'new' }, 'top');
  src.addImage('nginx:1.22', [base, top], { entrypoint: ['/usr/sbin/nginx'] }, '2026-01-01T00:00:00Z', {});
  const archive = join(dir, 'nginx.oci.tar');
  await writeOciArchive(runner, src.dir, archive, 1700000000);

  const store = new ImageStore(join(dir, 'store'), runner);
  const loaded = await store.load(archive);
  assert.deepEqual(loaded.map((i) => i.name), ['docker.io/library/nginx:1.22']);
  assert.equal(store.find('docker.io/library/nginx:1.22')?.digest, loaded[0]?.digest);
  assert.equal(store.find('nginx:1.22')?.digest, loaded[0]?.digest);
  assert.equal(store.find('nginx'), undefined, 'nginx:latest is another image');

  const unpacked = await store.unpack(store.find('nginx:1.22')!);
  assert.deepEqual(unpacked.config.Entrypoint, ['/usr/sbin/nginx']);
  assert.equal(readFileSync(join(unpacked.rootfs, 'etc/os-release'), 'utf8'), 'debian');
  assert.equal(existsSync(join(unpacked.rootfs, 'etc/gone')), false);
  assert.equal(existsSync(join(unpacked.rootfs, 'var/www/old.html')), false);
  assert.equal(readFileSync(join(unpacked.rootfs, 'var/www/index.html'), 'utf8'), 'new');
  assert.equal(existsSync(join(unpacked.rootfs, 'etc/.wh.gone')), false);

  // --name stores the archive's one image under another name too: a new version's tag for the same build.
  const renamed = await store.load(archive, 'registry.example.com/web/nginx:1.23');
  assert.deepEqual(renamed.map((i) => [i.name, i.digest]), [['registry.example.com/web/nginx:1.23', loaded[0]?.digest]]);
  assert.deepEqual(store.list().map((i) => i.name).sort(), ['docker.io/library/nginx:1.22', 'registry.example.com/web/nginx:1.23']);

  // A second store on the same directory sees the image: it survives the process.
  assert.equal(new ImageStore(join(dir, 'store'), runner).list().length, 2);
  assert.equal(removeStore(join(dir, 'store')), true);
  assert.equal(removeStore(join(dir, 'store')), false);
});

test('an archive that is missing or names its image by tag only is refused with the fix', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'store-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = new ImageStore(join(dir, 'store'), runner);
  await assert.rejects(store.load(join(dir, 'missing.tar')), /missing.tar does not exist: build the image first/);
  const src = OciLayout.init(join(dir, 'src'));
  const index = src.index();
  const blob = src.writeBlob('{}', 'application/vnd.oci.image.manifest.v1+json');
  src.writeIndex({ ...index, manifests: [{ ...blob, annotations: { 'org.opencontainers.image.ref.name': '1.0' } }] });
  assert.throws(() => store.copyFrom(src), /names its image only by the tag "1.0": give its full name with --name/);
  const two = OciLayout.init(join(dir, 'two'));
  for (const n of ['registry.example.com/a:1', 'registry.example.com/b:1']) two.tag(n, blob);
  assert.throws(() => store.copyFrom(two, 'registry.example.com/c:1'), /--name registry.example.com\/c:1 names one image, but the archive holds 2 \(registry.example.com\/a:1, registry.example.com\/b:1\): load it without --name/);
});

test('containers of one image starting together, from stores of several kubelets, share one unpacked root filesystem', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'store-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const src = OciLayout.init(join(dir, 'src'));
  const files = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`usr/share/f${i}`, `file ${i}`]));
  const layer = await layerOf(src, dir, files, 'base');
  src.addImage('registry.example.com/app:1', [layer], { cmd: ['sleep', 'infinity'] }, '2026-01-01T00:00:00Z', {});
  new ImageStore(join(dir, 'store'), runner).copyFrom(src);
  const stores = [1, 2, 3, 4].map(() => new ImageStore(join(dir, 'store'), runner));
  const unpacked = await Promise.all(stores.map((s) => s.unpack(s.find('registry.example.com/app:1')!)));
  assert.equal(new Set(unpacked.map((u) => u.rootfs)).size, 1);
  assert.equal(readFileSync(join(unpacked[0]!.rootfs, 'usr/share/f199'), 'utf8'), 'file 199');
});
