import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { bundleFiles } from '../../../src/gather/bundle.js';
import { defaultDir, writeBundle } from '../../../src/gather/gather.js';
import { checks, eastRecord, kubeconfigToken, realCa, realPsk, realToken, southRecord, wgPrivateKey, xfrmKey } from './recorded.js';

const opts = { name: 'submariner-20250101120000', includeSensitiveData: false, generatedAt: '2025-01-01T12:00:00.000Z' };
const secrets = { psk: realPsk, 'psk (base64)': Buffer.from(realPsk).toString('base64'), token: realToken, 'token (base64)': Buffer.from(realToken).toString('base64'), ca: realCa, 'wireguard key': wgPrivateKey, 'kubeconfig token': kubeconfigToken, 'IPsec SA key': xfrmKey };

void describe('gather bundle', () => {
  const files = bundleFiles([eastRecord, southRecord], checks, opts);
  const paths = files.map((f) => f.path);

  void it('names files as subctl does: <resource>_<namespace>_<name>.yaml, <pod>.log(.prev), <node>_<command>.log', () => {
    for (const p of [
      'submariner-20250101120000/east/secrets_submariner-operator_submariner-ipsec-psk.yaml',
      'submariner-20250101120000/east/endpoints.submariner.io_submariner-operator_submariner-cable-east-10-250-1-2.yaml',
      'submariner-20250101120000/east/submariner-gateway-abcde.log',
      'submariner-20250101120000/east/submariner-gateway-abcde.log.prev',
      'submariner-20250101120000/east/east-gw_iptables-save.log',
      'submariner-20250101120000/summary.html',
    ]) assert.ok(paths.includes(p), `${p} in ${paths.join(', ')}`);
    const ipt = files.find((f) => f.path.endsWith('east-gw_iptables-save.log'))?.content ?? '';
    assert.match(ipt, /^iptables-save -c\n/);
    assert.match(ipt, /--dport 4500 -j DROP/);
    assert.match(files.find((f) => f.path.endsWith('east-gw_ipset_list.log'))?.content ?? '', /\(exit 127\) ipset: not found/);
  });

  void it('holds none of the real secret values anywhere, in files or in the archive', () => {
    const { archive: file } = writeBundle(files, mkdtempSync(join(tmpdir(), 'ksub-gather-')), opts.name, new Date('2025-01-01T12:00:00Z'));
    const archive = gunzipSync(readFileSync(file)).toString('utf8');
    for (const [what, value] of Object.entries(secrets)) {
      for (const f of files) assert.ok(!f.content.includes(value), `${what} leaked into ${f.path}`);
      assert.ok(!archive.includes(value), `${what} leaked into the archive`);
    }
    const secret = files.find((f) => f.path.endsWith('secrets_submariner-operator_submariner-broker-secret.yaml'))?.content ?? '';
    assert.match(secret, /token: '?##redacted-token##/);
    assert.match(files.find((f) => f.path.endsWith('east-gw_wg_show.log'))?.content ?? '', /private key: ##redacted-key##/);
  });

  void it('keeps the secrets with --include-sensitive-data', () => {
    const all = bundleFiles([eastRecord], checks, { ...opts, includeSensitiveData: true }).map((f) => f.content).join('\n');
    assert.ok(all.includes(realPsk) && all.includes(wgPrivateKey));
  });

  void it('writes the directory and a tar.gz that tar lists', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksub-gather-'));
    const { archive } = writeBundle(files, dir, opts.name, new Date('2025-01-01T12:00:00Z'));
    const listed = execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(listed, paths);
    execFileSync('tar', ['-xzf', archive, '-C', dir, '--one-top-level=x']);
    assert.equal(readFileSync(join(dir, 'x', opts.name, 'summary.html'), 'utf8'), readFileSync(join(dir, opts.name, 'summary.html'), 'utf8'));
  });

  void it('records the unreachable cluster in the summary and gathers the rest', () => {
    const html = files.find((f) => f.path.endsWith('summary.html'))?.content ?? '';
    assert.match(html, /south <span class="bad">unreachable<\/span><\/h2><p class="bad">connect ECONNREFUSED 10\.9\.9\.9:6443/);
    assert.ok(paths.some((p) => p.startsWith('submariner-20250101120000/east/')));
    assert.ok(!paths.some((p) => p.startsWith('submariner-20250101120000/south/')));
  });

  void it('names the bundle after the UTC time', () => {
    assert.equal(defaultDir(new Date('2025-03-04T05:06:07Z')), 'submariner-20250304050607');
  });

  void it('renders summary.html as the golden file (UPDATE_GOLDEN=1 rewrites it)', () => {
    const html = files.find((f) => f.path.endsWith('summary.html'))?.content ?? '';
    const golden = new URL('./golden/summary.html', import.meta.url);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden, html);
    assert.equal(html, readFileSync(golden, 'utf8'));
    assert.ok(!/<script|<link|src=|url\(/i.test(html), 'the page loads nothing');
  });
});
