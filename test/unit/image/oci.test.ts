import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  OciLayout, annotationKeys, canonical, imageConfig, imageManifest, imageName, mediaTypes, nameOf, normalizeRepository, parseImageRef, sha256,
  type Layer,
} from '../../../src/image/oci.js';

const layer = (n: number): Layer => ({
  descriptor: { mediaType: mediaTypes.layerGzip, digest: sha256(`blob${n}`), size: 10 + n },
  diffId: sha256(`tar${n}`),
  createdBy: `step ${n}`,
});

test('image references normalise as a container runtime names them', () => {
  assert.deepEqual(parseImageRef('nginx'), { repository: 'nginx', tag: 'latest' });
  assert.deepEqual(parseImageRef('registry.local:5000/team/app:1.2'), { repository: 'registry.local:5000/team/app', tag: '1.2' });
  assert.deepEqual(parseImageRef('registry.local:5000/app@sha256:abc'), { repository: 'registry.local:5000/app', tag: 'latest' });
  assert.equal(normalizeRepository('nginx'), 'docker.io/library/nginx');
  assert.equal(normalizeRepository('kubectl-submariner/toolbox'), 'docker.io/kubectl-submariner/toolbox');
  assert.equal(normalizeRepository('localhost/app'), 'localhost/app');
  assert.equal(normalizeRepository('registry.k8s.io/coredns/coredns'), 'registry.k8s.io/coredns/coredns');
  assert.equal(imageName('nginx:1.25'), 'docker.io/library/nginx:1.25');
  assert.equal(imageName('docker.io/library/nginx:1.25'), 'docker.io/library/nginx:1.25');
});

test('the config and manifest carry every layer in order, with one timestamp and sorted annotations', () => {
  const layers = [layer(1), layer(2)];
  const config = imageConfig(layers, { entrypoint: ['/bin/agent'], env: ['A=1'], labels: { z: '1', a: '2' } }, '2026-01-01T00:00:00Z', 'amd64');
  assert.deepEqual(config.rootfs.diff_ids, [sha256('tar1'), sha256('tar2')]);
  assert.deepEqual(config.history, [
    { created: '2026-01-01T00:00:00Z', created_by: 'step 1' },
    { created: '2026-01-01T00:00:00Z', created_by: 'step 2' },
  ]);
  assert.deepEqual(Object.keys(config.config.Labels ?? {}), ['a', 'z']);
  assert.equal(config.config.Entrypoint?.[0], '/bin/agent');
  const manifest = imageManifest({ mediaType: mediaTypes.config, digest: sha256('c'), size: 1 }, layers, { [annotationKeys.version]: '1', [annotationKeys.created]: 'x' });
  assert.deepEqual(manifest.layers.map((l) => l.digest), [sha256('blob1'), sha256('blob2')]);
  assert.deepEqual(Object.keys(manifest.annotations ?? {}), [annotationKeys.created, annotationKeys.version]);
  assert.equal(canonical(manifest), canonical(imageManifest(manifest.config, layers, { [annotationKeys.created]: 'x', [annotationKeys.version]: '1' })));
});

test('a layout names each image by its full name and tag, and the same image written twice gives the same digest', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oci-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const layout = OciLayout.init(join(dir, 'a'));
  const l = layout.writeBlob('layer', mediaTypes.layerGzip);
  const layers: Layer[] = [{ descriptor: l, diffId: sha256('tar'), createdBy: 'x' }];
  const first = layout.addImage('kubectl-submariner/toolbox:1', layers, { cmd: ['sleep'] }, '2026-01-01T00:00:00Z', {});
  layout.addImage('nginx', layers, {}, '2026-01-01T00:00:00Z', {});
  const again = OciLayout.init(join(dir, 'b')).addImage('kubectl-submariner/toolbox:1', [{ descriptor: OciLayout.init(join(dir, 'b')).writeBlob('layer', mediaTypes.layerGzip), diffId: sha256('tar'), createdBy: 'x' }], { cmd: ['sleep'] }, '2026-01-01T00:00:00Z', {});
  assert.equal(again.digest, first.digest);
  assert.deepEqual([...layout.images().keys()], ['docker.io/kubectl-submariner/toolbox:1', 'docker.io/library/nginx:latest']);
  const entry = layout.index().manifests[0]!;
  assert.equal(entry.annotations?.[annotationKeys.refName], '1');
  assert.equal(nameOf(entry), 'docker.io/kubectl-submariner/toolbox:1');
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'a', 'oci-layout'), 'utf8')), { imageLayoutVersion: '1.0.0' });
  // Re-tagging replaces the entry instead of adding one.
  layout.addImage('nginx:latest', layers, { cmd: ['nginx'] }, '2026-01-01T00:00:00Z', {});
  assert.equal(layout.index().manifests.length, 2);
});
