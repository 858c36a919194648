import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bookwormSources, checkPackages, mmdebstrapArgv, rootfsKey, slimExcludes, type RootfsSpec } from '../../../src/image/debian.js';
import { agentRootfs } from '../../../src/image/agent-image.js';
import { debianImageSpec, exampleImages } from '../../../src/image/debian-image.js';
import { reproducibleTarArgs } from '../../../src/image/layer.js';

const spec: RootfsSpec = { suite: 'bookworm', sources: bookwormSources, packages: ['curl', 'bind9-dnsutils', 'curl'], hooks: [], excludes: slimExcludes, epoch: 1700000000 };

test('mmdebstrap builds a minbase tar with the packages sorted once, the excludes and the sources', () => {
  const argv = mmdebstrapArgv(spec, '/tmp/out.tar');
  assert.deepEqual(argv.slice(0, 4), ['--variant=minbase', '--mode=root', '--format=tar', '--include=bind9-dnsutils,curl']);
  assert.ok(argv.includes('--dpkgopt=path-exclude=/usr/share/doc/*'));
  assert.deepEqual(argv.slice(-5), ['bookworm', '/tmp/out.tar', ...bookwormSources]);
});

test('a package name that is not Debian\'s is refused with the value', () => {
  assert.throws(() => checkPackages(['curl', 'Bad Name']), /"Bad Name" is not a Debian package name/);
  assert.throws(() => checkPackages(['--option']), /"--option" is not a Debian package name/);
});

test('the cache key changes with the packages and the epoch, not with their order', () => {
  assert.equal(rootfsKey(spec), rootfsKey({ ...spec, packages: ['curl', 'bind9-dnsutils'] }));
  assert.notEqual(rootfsKey(spec), rootfsKey({ ...spec, packages: ['curl'] }));
  assert.notEqual(rootfsKey(spec), rootfsKey({ ...spec, epoch: 1 }));
});

test('the agent image holds the tools its drivers and controllers call', () => {
  const packages = agentRootfs(1).packages;
  for (const p of ['iproute2', 'iptables', 'ipset', 'conntrack', 'wireguard-tools', 'libreswan', 'libstdc++6']) assert.ok(packages.includes(p), p);
  assert.ok(!packages.includes('wireguard-go'), 'the image carries the current wireguard-go, not Debian 12\'s 2022 one');
  assert.match(agentRootfs(1).hooks[0] ?? '', /strongswan-charon strongswan-swanctl/);
});

test('layer tars are sorted, with one mtime and root as owner', () => {
  const args = reproducibleTarArgs(42);
  for (const a of ['--sort=name', '--mtime=@42', '--owner=0', '--group=0', '--numeric-owner', '--format=posix']) assert.ok(args.includes(a), a);
});

test('build-image takes the packages given, or an example by name, and refuses neither with the fix', () => {
  assert.deepEqual(debianImageSpec('tools:1', ['socat', 'curl']), { name: 'tools:1', packages: ['curl', 'socat'], entrypoint: undefined, cmd: ['sleep', 'infinity'] });
  assert.deepEqual(debianImageSpec('web:1', ['nginx-light'], ['nginx', '-g', 'daemon off;']).entrypoint, ['nginx', '-g', 'daemon off;']);
  assert.equal(debianImageSpec('toolbox', []).name, 'kubectl-submariner/toolbox:1');
  assert.equal(debianImageSpec('docker.io/kubectl-submariner/nginx:1.22', []).name, 'kubectl-submariner/nginx:1.22');
  for (const p of ['curl', 'bind9-dnsutils', 'netcat-openbsd', 'iperf3', 'socat']) assert.ok(exampleImages.toolbox?.packages.includes(p), p);
  assert.throws(() => debianImageSpec('mine:1', []), /no packages for mine:1: give --packages a,b/);
  assert.throws(() => debianImageSpec('mine:1', ['Not Valid']), /"Not Valid" is not a Debian package name/);
});
