import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planSandbox, resolvePath, SandboxPlanError, shellQuote, type HostFs } from '../../../../../src/sandbox/kubelet/pod/sandbox-plan.js';

/** A host filesystem: /etc, /opt, /var/run -> /run, /run, /etc/resolv.conf, and the pod's own files. */
function fakeFs(): HostFs {
  const dirs = new Set(['/', '/etc', '/opt', '/var', '/run', '/pod', '/pod/volumes', '/pod/volumes/cfg', '/pod/volumes/token', '/data']);
  const files = new Set(['/etc/resolv.conf', '/pod/resolv.conf', '/pod/volumes/cfg/Corefile']);
  const links = new Map([['/var/run', '/run']]);
  return {
    kind: (p) => (dirs.has(p) ? 'dir' : files.has(p) ? 'file' : undefined),
    readlink: (p) => links.get(p),
  };
}

const input = {
  podDir: '/pod',
  runDir: '/pod/run',
  hostRunDir: '/pod/host-run',
  hostname: 'web-1',
  pause: ['sleep', 'infinity'],
};

void describe('pod sandbox mount plan', () => {
  void it('resolves symlinks along the existing part of a path', () => {
    assert.deepEqual(resolvePath('/var/run/secrets/kubernetes.io/serviceaccount', fakeFs()), {
      real: '/run/secrets/kubernetes.io/serviceaccount', existing: '/run', missing: ['secrets', 'kubernetes.io', 'serviceaccount'],
    });
  });

  void it('gives the pod its own /run and creates mount points under it inside the pod directory only', () => {
    const plan = planSandbox({ ...input, mounts: [
      { source: '/pod/resolv.conf', target: '/etc/resolv.conf', readOnly: false },
      { source: '/pod/volumes/token', target: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
    ] }, fakeFs());
    assert.ok(plan.hostDirs.includes('/pod/run/secrets/kubernetes.io/serviceaccount'));
    assert.ok(plan.hostDirs.every((d) => d.startsWith('/pod/')), plan.hostDirs.join(' '));
    assert.deepEqual(plan.script.split('\n'), [
      '#!/bin/sh',
      'set -e',
      'mount --bind /run /pod/host-run',
      'mount --bind /pod/run /run',
      'mount --bind /pod/resolv.conf /etc/resolv.conf',
      'mount --bind /pod/volumes/token /run/secrets/kubernetes.io/serviceaccount',
      'mount -o remount,bind,ro /run/secrets/kubernetes.io/serviceaccount',
      'echo web-1 > /proc/sys/kernel/hostname',
      'echo ready',
      'exec sleep infinity',
      '',
    ]);
  });

  void it('overlays the deepest existing directory for a mount point missing on the host', () => {
    const plan = planSandbox({ ...input, mounts: [
      { source: '/pod/volumes/cfg', target: '/etc/coredns', readOnly: true },
      { source: '/pod/volumes/cfg/Corefile', target: '/opt/app/conf/Corefile', readOnly: false },
    ] }, fakeFs());
    const lines = plan.script.split('\n');
    assert.ok(lines.includes("mount -t overlay overlay -o lowerdir=/etc,upperdir=/pod/overlays/0/upper,workdir=/pod/overlays/0/work /etc"));
    assert.ok(lines.includes("mount -t overlay overlay -o lowerdir=/opt,upperdir=/pod/overlays/1/upper,workdir=/pod/overlays/1/work /opt"));
    assert.ok(lines.indexOf('mkdir -p /etc/coredns') > lines.findIndex((l) => l.endsWith(' /etc')));
    assert.ok(lines.includes('mkdir -p /opt/app/conf'));
    assert.ok(lines.includes('[ -e /opt/app/conf/Corefile ] || : > /opt/app/conf/Corefile'));
    assert.ok(plan.hostDirs.includes('/pod/overlays/0/upper'));
  });

  void it('creates a mount point nested in another mount inside that mount', () => {
    const plan = planSandbox({ ...input, mounts: [
      { source: '/pod/volumes/cfg', target: '/data', readOnly: false },
      { source: '/pod/volumes/token', target: '/data/token', readOnly: false },
    ] }, fakeFs());
    assert.ok(!plan.script.includes('overlay'));
    assert.ok(plan.script.indexOf('mount --bind /pod/volumes/cfg /data') < plan.script.indexOf('mkdir -p /data/token'));
  });

  void it('refuses what it cannot do without touching the host', () => {
    assert.throws(() => planSandbox({ ...input, mounts: [{ source: '/pod/volumes/cfg', target: '/newtop/x', readOnly: false }] }, fakeFs()), SandboxPlanError);
    assert.throws(() => planSandbox({ ...input, mounts: [{ source: '/pod/volumes/cfg', target: 'relative', readOnly: false }] }, fakeFs()), /not absolute/);
    assert.throws(() => planSandbox({ ...input, mounts: [{ source: '/pod/volumes/cfg', target: '/etc/resolv.conf', readOnly: false }] }, fakeFs()), /cannot mount a directory at \/etc\/resolv\.conf/);
  });

  void it('quotes words for the shell', () => {
    assert.equal(shellQuote('/plain/path'), '/plain/path');
    assert.equal(shellQuote("it's here"), `'it'\\''s here'`);
  });
});
