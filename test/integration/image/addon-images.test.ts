import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildDebianImage, type DebianImageSpec } from '../../../src/image/debian-image.js';
import { ImageStore } from '../../../src/image/store.js';
import { ExecRunner } from '../../../src/net/command.js';
import { corednsImage, kubeProxyImage } from '../../../src/sandbox/addons.js';
import { binaries, versions } from '../../../src/sandbox/binaries/versions.js';
import { corednsImageSpec, kubeProxyImageSpec } from '../../../src/sandbox/sandbox-images.js';
import { runFromStore } from '../../support/image-run.js';

// CoreDNS and kube-proxy images made of the binaries the sandbox builds: skopeo reads them, runc runs them.
const runner = new ExecRunner();
const work = mkdtempSync(join(tmpdir(), 'addon-images-'));
after(() => rmSync(work, { recursive: true, force: true }));
const store = new ImageStore(join(work, 'store'), runner);

interface Inspect {
  Name?: string;
  Digest: string;
  Os: string;
  Labels: Record<string, string>;
  Layers: string[];
}

/** Builds the image into the store and an oci-archive; returns what skopeo reads of the archive and the image's entrypoint. */
async function buildAndInspect(spec: DebianImageSpec): Promise<{ info: Inspect; entrypoint: string[] | undefined; digest: string }> {
  const archive = join(work, `${spec.name.replace(/[/:]/g, '_')}.oci.tar`);
  const stored = await buildDebianImage(runner, spec, { storeDir: store.dir, archive });
  const info = JSON.parse((await runner.run('skopeo', ['inspect', `oci-archive:${archive}`], { timeoutMs: 120_000 })).stdout) as Inspect;
  const config = JSON.parse((await runner.run('skopeo', ['inspect', '--config', `oci-archive:${archive}`], { timeoutMs: 120_000 })).stdout) as {
    config: { Entrypoint?: string[] };
  };
  return { info, entrypoint: config.config.Entrypoint, digest: stored.digest };
}

describe('the CoreDNS and kube-proxy images', () => {
  it(`CoreDNS is ${corednsImage}: the static binary at /coredns, answering -version under runc`, async () => {
    const { info, entrypoint, digest } = await buildAndInspect(corednsImageSpec(binaries()));
    assert.equal(info.Digest, digest);
    assert.equal(info.Os, 'linux');
    assert.equal(info.Labels['org.opencontainers.image.version'], `v${versions.coredns}`);
    assert.equal(info.Layers.length, 1);
    assert.deepEqual(entrypoint, ['/coredns']);
    const r = await runFromStore(runner, store, work, corednsImage, ['/coredns', '-version']);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, new RegExp(`CoreDNS-${versions.coredns.replaceAll('.', '\\.')}`));
  });

  it(`kube-proxy is ${kubeProxyImage}: the binary over iptables (nft and legacy), ip6tables, conntrack and ipset`, async () => {
    const { info, entrypoint, digest } = await buildAndInspect(kubeProxyImageSpec(binaries()));
    assert.equal(info.Digest, digest);
    assert.equal(info.Labels['org.opencontainers.image.version'], `v${versions.kubernetes}`);
    assert.equal(info.Layers.length, 2);
    assert.deepEqual(entrypoint, ['/usr/local/bin/kube-proxy']);
    const r = await runFromStore(runner, store, work, kubeProxyImage, ['/usr/local/bin/kube-proxy', '--version']);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, new RegExp(`Kubernetes v${versions.kubernetes.replaceAll('.', '\\.')}`));
    const tools = 'iptables -V; ip6tables -V; iptables-legacy -V; iptables -t nat -N KSUB-IMAGE-TEST && iptables-nft-save -t nat | grep KSUB-IMAGE-TEST; conntrack --version; ipset --version';
    const t = await runFromStore(runner, store, work, kubeProxyImage, ['/bin/sh', '-c', tools], { privileged: true });
    assert.equal(t.code, 0, t.out);
    // A namespace without rules: the wrapper picks nft, as Kubernetes' iptables-wrapper does, and iptables writes there.
    for (const tool of [/^iptables v1\.8\.\d+ \(nf_tables\)$/m, /^ip6tables v1\.8\.\d+ \(nf_tables\)$/m, /^iptables v1\.8\.\d+ \(legacy\)$/m, /^:KSUB-IMAGE-TEST - \[0:0\]$/m, /^conntrack v1\./m, /^ipset v\d/m]) {
      assert.match(t.out, tool);
    }
  });

  it('the same binaries and packages give the same image', async () => {
    const again = new ImageStore(join(work, 'again'), runner);
    const first = await buildDebianImage(runner, corednsImageSpec(binaries()), { storeDir: store.dir });
    const second = await buildDebianImage(runner, corednsImageSpec(binaries()), { storeDir: again.dir });
    assert.equal(second.digest, first.digest);
  });
});
