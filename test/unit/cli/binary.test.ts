import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../../support/cli.js';

// A home without ~/.kube/config and no KUBECONFIG: "no cluster".
const home = mkdtempSync(join(tmpdir(), 'ksub-home-'));
after(() => rmSync(home, { recursive: true, force: true }));
const env = { PATH: process.env.PATH, HOME: home, NO_COLOR: '1' };

describe('kubectl-submariner binary', () => {
  it('--help lists the topics and speaks of itself as `kubectl submariner`', () => {
    const r = runCli(['--help'], env);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /\$ kubectl submariner \[COMMAND\]/);
    for (const topic of ['sandbox', 'version', 'autocomplete']) assert.match(r.stdout, new RegExp(`^  ${topic} `, 'm'));
    assert.doesNotMatch(r.stdout, /kubectl-submariner/);
  });

  it('version with no cluster prints the client version and exits 0', () => {
    const r = runCli(['version'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Client Version: v\d+\.\d+\.\d+$/m);
    assert.doesNotMatch(r.stdout, /Server Version/);
  });

  it('version -o json is machine-readable', () => {
    const r = runCli(['version', '-o', 'json'], env);
    assert.equal(r.code, 0);
    const v = JSON.parse(r.stdout) as { clientVersion: { gitVersion: string }; serverVersion?: unknown };
    assert.match(v.clientVersion.gitVersion, /^v\d/);
    assert.equal(v.serverVersion, undefined);
  });

  it('--kubeconfig /nonexistent exits 1 naming the file', () => {
    const r = runCli(['version', '--kubeconfig', '/nonexistent'], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\/nonexistent/);
  });

  it('usage errors exit 2 with a hint', () => {
    const bad = runCli(['version', '-o', 'bogus'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Expected --output=bogus to be one of: table, wide, json, yaml/);
    assert.match(bad.stderr, /See 'kubectl submariner version --help'/);
    assert.equal(runCli(['version', '--no-such-flag'], env).code, 2);
  });

  it('an unreachable server is a warning: the client version still prints', () => {
    const r = runCli(['version', '--kubeconfig', join(home, 'unreachable.yaml')], env);
    assert.equal(r.code, 1, 'a missing --kubeconfig file is an error');
  });
});
