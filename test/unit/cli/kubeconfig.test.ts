import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadKubeConfig, NoKubeconfigError } from '../../../src/cli/kubeconfig.js';
import { UserError } from '../../../src/base/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'ksub-kubeconfig-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function kubeconfig(file: string, clusters: { name: string; server: string }[], current: string): string {
  const path = join(dir, file);
  writeFileSync(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      ...clusters.map((c) => `- name: ${c.name}\n  cluster: {server: "${c.server}"}`),
      'users:',
      ...clusters.map((c) => `- name: ${c.name}\n  user: {token: t-${c.name}}`),
      'contexts:',
      ...clusters.map((c) => `- name: ${c.name}\n  context: {cluster: ${c.name}, user: ${c.name}}`),
      `current-context: "${current}"`,
      '',
    ].join('\n'),
  );
  return path;
}

const a = kubeconfig('a.yaml', [{ name: 'one', server: 'https://one.example:6443' }], 'one');
const b = kubeconfig('b.yaml', [{ name: 'two', server: 'https://two.example:6443' }, { name: 'one', server: 'https://shadowed:1' }], 'two');
const empty = join(dir, 'nohome');

describe('loadKubeConfig', () => {
  it('merges every file of a multi-file KUBECONFIG, the first file winning', () => {
    const kc = loadKubeConfig({ env: { KUBECONFIG: `${a}:${b}` }, home: empty });
    assert.deepEqual(kc.getContexts().map((c) => c.name).sort(), ['one', 'two']);
    assert.equal(kc.getCurrentContext(), 'one');
    assert.equal(kc.getCurrentCluster()?.server, 'https://one.example:6443');
  });

  it('skips files of KUBECONFIG that do not exist, as kubectl does', () => {
    const kc = loadKubeConfig({ env: { KUBECONFIG: `${join(dir, 'missing')}:${b}` }, home: empty });
    assert.equal(kc.getCurrentContext(), 'two');
  });

  it('--context selects another context', () => {
    const kc = loadKubeConfig({ env: { KUBECONFIG: `${a}:${b}` }, home: empty, context: 'two' });
    assert.equal(kc.getCurrentCluster()?.server, 'https://two.example:6443');
  });

  it('names an unknown context and lists the ones that exist', () => {
    assert.throws(
      () => loadKubeConfig({ env: { KUBECONFIG: a }, home: empty, context: 'nope' }),
      (err: Error) => err instanceof UserError && /context "nope" does not exist.*one/.test(err.message),
    );
  });

  it('--kubeconfig replaces KUBECONFIG and names a missing file', () => {
    assert.equal(loadKubeConfig({ kubeconfig: b, env: { KUBECONFIG: a }, home: empty }).getCurrentContext(), 'two');
    assert.throws(
      () => loadKubeConfig({ kubeconfig: '/nonexistent', env: {}, home: empty }),
      (err: Error) => err instanceof UserError && err.message.includes('/nonexistent'),
    );
  });

  it('refuses the silent localhost:8080 fallback when there is no kubeconfig at all', () => {
    assert.throws(
      () => loadKubeConfig({ env: {}, home: empty }),
      (err: Error) => err instanceof NoKubeconfigError && /localhost:8080/.test(err.message) && /--kubeconfig/.test(err.message),
    );
  });

  it('refuses a kubeconfig without a current context, saying how to pick one', () => {
    const none = kubeconfig('none.yaml', [{ name: 'x', server: 'https://x:1' }], '');
    assert.throws(() => loadKubeConfig({ env: { KUBECONFIG: none }, home: empty }), /--context NAME/);
  });
});
