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

  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const userError = (pattern: RegExp) => (err: Error) => err instanceof UserError && pattern.test(err.message);

  it('says an empty kubeconfig holds no configuration, naming it and the fix', () => {
    for (const text of ['', '\n\n', '# only a comment\n']) {
      const path = file('empty.yaml', text);
      assert.throws(
        () => loadKubeConfig({ kubeconfig: path, env: {}, home: empty }),
        userError(new RegExp(`^kubeconfig ${path} holds no configuration: .*--kubeconfig.*--context.*KUBECONFIG`)),
      );
    }
    assert.throws(() => loadKubeConfig({ kubeconfig: '/dev/null', env: {}, home: empty }), userError(/^kubeconfig \/dev\/null holds no configuration/));
  });

  it('skips empty files of a multi-file KUBECONFIG, as kubectl does', () => {
    const blank = file('blank.yaml', '');
    assert.equal(loadKubeConfig({ env: { KUBECONFIG: `${blank}:${b}` }, home: empty }).getCurrentContext(), 'two');
    assert.throws(() => loadKubeConfig({ env: { KUBECONFIG: `${blank}:/dev/null` }, home: empty }), userError(/hold no configuration/));
  });

  it('names a truncated kubeconfig as invalid YAML, with the line where it ends', () => {
    const full = ['apiVersion: v1', 'kind: Config', 'clusters:', '- name: one', '  cluster: {server: "https://one.example:6443"}', ''].join('\n');
    const path = file('truncated.yaml', full.slice(0, full.indexOf('one.example')));
    assert.throws(
      () => loadKubeConfig({ kubeconfig: path, env: {}, home: empty }),
      userError(new RegExp(`^kubeconfig ${path} is not valid YAML \\(line 5: .+\\): fix it, or .*--kubeconfig`)),
    );
  });

  it('names a file that is not YAML, or YAML but not a kubeconfig', () => {
    const binary = file('binary.yaml', 'apiVersion: v1\n\u0000\u0001\u0002');
    assert.throws(() => loadKubeConfig({ kubeconfig: binary, env: {}, home: empty }), userError(new RegExp(`^kubeconfig ${binary} is not valid YAML \\(line \\d+: `)));
    const json = file('broken.json', '{"apiVersion": "v1", "clusters": [');
    assert.throws(() => loadKubeConfig({ kubeconfig: json, env: {}, home: empty }), userError(new RegExp(`^kubeconfig ${json} is not valid YAML \\(line 1: `)));
    const text = file('notes.txt', 'just some notes\n');
    assert.throws(() => loadKubeConfig({ kubeconfig: text, env: {}, home: empty }), userError(new RegExp(`^kubeconfig ${text} is not a kubeconfig`)));
  });

  it('names a kubeconfig whose entries lack required fields', () => {
    const list = file('list.yaml', 'clusters:\n- cluster: {server: "https://x:1"}\n');
    assert.throws(
      () => loadKubeConfig({ kubeconfig: list, env: {}, home: empty }),
      (err: Error) => err instanceof UserError && err.message.startsWith(`kubeconfig ${list} is not a valid kubeconfig (clusters[0].name is missing)`),
    );
  });
});
