import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { debianImageConfig, defaultImageEpoch, imageInputs, writeImageFiles, type DebianImageSpec } from '../../../src/image/debian-image.js';
import { imageConfig, type Layer } from '../../../src/image/oci.js';
import { corednsImageSpec, kubeProxyImageSpec, sandboxImageSpecs } from '../../../src/sandbox/sandbox-images.js';

const golden = (name: string): string => fileURLToPath(new URL(`./golden/${name}`, import.meta.url));
const bins = { kubeProxy: '/cache/kubernetes-v1.36.3/kube-proxy', coredns: '/cache/coredns-v1.14.7/coredns' };

/** The image config and the files layer of a spec, as JSON: what the golden files hold. */
function render(spec: DebianImageSpec): string {
  const layers: Layer[] = [
    ...(spec.packages.length > 0 ? [{ descriptor: { mediaType: 'm', digest: 'sha256:rootfs', size: 1 }, diffId: 'sha256:rootfs-diff', createdBy: `debian ${spec.packages.join(',')}` }] : []),
    { descriptor: { mediaType: 'm', digest: 'sha256:files', size: 1 }, diffId: 'sha256:files-diff', createdBy: 'files' },
  ];
  const { runtime, annotations, created } = debianImageConfig(spec, defaultImageEpoch, 'sha256:inputs');
  const files = (spec.files ?? []).map((f) => ({
    ...f,
    ...('content' in f ? { content: f.content.split('\n') } : {}),
    ...('mode' in f && f.mode !== undefined ? { mode: `0${f.mode.toString(8)}` } : {}),
  }));
  return `${JSON.stringify({ config: imageConfig(layers, runtime, created, 'amd64'), annotations, files }, null, 2)}\n`;
}

function checkGolden(name: string, text: string): void {
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden(name), text);
  assert.equal(text, readFileSync(golden(name), 'utf8'));
}

describe('the sandbox\'s CoreDNS and kube-proxy images', () => {
  it('kube-proxy: the binary as entrypoint over Debian\'s iptables, conntrack and ipset, iptables through the mode wrapper (golden)', () => {
    const spec = kubeProxyImageSpec(bins);
    assert.equal(spec.name, 'registry.k8s.io/kube-proxy:v1.36.3');
    checkGolden('kube-proxy-image.json', render(spec));
  });

  it('CoreDNS: the binary alone at /coredns (golden)', () => {
    const spec = corednsImageSpec(bins);
    assert.equal(spec.name, 'registry.k8s.io/coredns/coredns:v1.14.7');
    checkGolden('coredns-image.json', render(spec));
  });

  it('the sandbox stores the examples, CoreDNS and kube-proxy under the names its pods use', () => {
    assert.deepEqual(sandboxImageSpecs(bins).map((s) => s.name), [
      'kubectl-submariner/nginx:1.22', 'kubectl-submariner/toolbox:1', 'registry.k8s.io/coredns/coredns:v1.14.7', 'registry.k8s.io/kube-proxy:v1.36.3',
    ]);
  });

  it('the inputs digest follows the binary\'s content and the packages, not their order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-images-'));
    try {
      const binary = join(dir, 'kube-proxy');
      writeFileSync(binary, 'one');
      const spec = kubeProxyImageSpec({ kubeProxy: binary });
      const first = await imageInputs(spec, 1);
      assert.equal(await imageInputs({ ...spec, packages: [...spec.packages].reverse() }, 1), first);
      assert.notEqual(await imageInputs(spec, 2), first);
      writeFileSync(binary, 'two');
      assert.notEqual(await imageInputs(spec, 1), first);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes the files layer with its modes and links, and refuses a path outside the image', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-images-'));
    try {
      const binary = join(dir, 'coredns');
      writeFileSync(binary, 'binary');
      const tree = join(dir, 'tree');
      writeImageFiles(tree, [...corednsImageSpec({ coredns: binary }).files!, { path: '/usr/local/sbin/iptables', link: 'iptables-wrapper' }]);
      assert.equal(statSync(join(tree, 'coredns')).mode & 0o7777, 0o755);
      assert.equal(statSync(join(tree, 'tmp')).mode & 0o7777, 0o1777);
      assert.equal(statSync(tree).mode & 0o7777, 0o755);
      assert.equal(readlinkSync(join(tree, 'usr/local/sbin/iptables')), 'iptables-wrapper');
      assert.throws(() => writeImageFiles(join(dir, 'bad'), [{ path: '/../etc/passwd', content: '' }]), /"\/\.\.\/etc\/passwd" is not an absolute path inside the image/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
