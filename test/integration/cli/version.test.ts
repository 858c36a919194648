import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { before, describe, it } from 'node:test';
import { versions } from '../../../src/sandbox/binaries/versions.js';
import { kubectl } from '../../support/binaries.js';
import { binDir, runCli } from '../../support/cli.js';
import { useFleet, type TestFleet } from '../../support/fleet.js';

let fleet: TestFleet;
before(async () => {
  fleet = await useFleet();
});

describe('kubectl submariner version against a real kube-apiserver', () => {
  it('-o json reports the server version the apiserver stamps on /version', () => {
    const r = runCli(['version', '--kubeconfig', fleet.kubeconfigPath, '--context', 'cluster1', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const v = JSON.parse(r.stdout) as { serverVersion: { gitVersion: string; major: string; minor: string } };
    assert.equal(v.serverVersion.gitVersion, `v${versions.kubernetes}`);
    assert.equal(v.serverVersion.minor, versions.kubernetes.split('.')[1]);
  });

  it('honours KUBECONFIG and prints both versions as a table', () => {
    const r = runCli(['version', '--context', 'cluster2'], { ...process.env, KUBECONFIG: fleet.kubeconfigPath });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Client Version: v.+\nServer Version: v1\.36\.\d+\n$/);
  });
});

describe('kubectl plugin mechanism', () => {
  const env = { ...process.env, PATH: `${binDir}:${dirname(kubectl)}:${process.env.PATH ?? ''}`, KUBECONFIG: '' };

  it('kubectl plugin list shows kubectl-submariner when it is on PATH', () => {
    const r = spawnSync(kubectl, ['plugin', 'list'], { env, encoding: 'utf8' });
    assert.match(r.stdout, /dist\/bin\/kubectl-submariner$/m, r.stderr);
  });

  it('`kubectl submariner version` runs the plugin, passing kubectl its arguments', () => {
    const r = spawnSync(kubectl, ['submariner', 'version', '--kubeconfig', fleet.kubeconfigPath, '--context', 'cluster1'], { env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Server Version: v${versions.kubernetes.replaceAll('.', '\\.')}`));
  });
});
