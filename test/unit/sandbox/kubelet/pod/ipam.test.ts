import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PodIpam } from '../../../../../src/sandbox/kubelet/pod/ipam.js';

const dir = mkdtempSync(join(tmpdir(), 'ksub-ipam-'));
after(() => rmSync(dir, { recursive: true, force: true }));

void describe('pod address allocation', () => {
  void it('hands out addresses after the bridge address, keeps a pod its address, moves on before reusing', () => {
    const ipam = new PodIpam(join(dir, 'a.json'), '10.241.1.0/24');
    assert.equal(ipam.gateway, '10.241.1.1');
    assert.equal(ipam.allocate('pod-a'), '10.241.1.2');
    assert.equal(ipam.allocate('pod-b'), '10.241.1.3');
    assert.equal(ipam.allocate('pod-a'), '10.241.1.2');
    ipam.release('pod-a');
    assert.equal(ipam.allocate('pod-c'), '10.241.1.4');
  });

  void it('persists allocations so that a restarted kubelet gives the same addresses', () => {
    const file = join(dir, 'b.json');
    const first = new PodIpam(file, '10.241.2.0/24');
    first.allocate('pod-a');
    const b = first.allocate('pod-b');
    const again = new PodIpam(file, '10.241.2.0/24');
    assert.equal(again.lookup('pod-b'), b);
    assert.equal(again.allocate('pod-c'), '10.241.2.4');
    assert.deepEqual(Object.keys((JSON.parse(readFileSync(file, 'utf8')) as { allocations: object }).allocations).sort(), ['pod-a', 'pod-b', 'pod-c']);
  });

  void it('starts over when the node got another podCIDR, and drops pods that are gone', () => {
    const file = join(dir, 'c.json');
    new PodIpam(file, '10.241.3.0/24').allocate('old');
    const moved = new PodIpam(file, '10.241.4.0/24');
    assert.equal(moved.lookup('old'), undefined);
    moved.allocate('a');
    moved.allocate('b');
    moved.retain(new Set(['b']));
    assert.equal(moved.lookup('a'), undefined);
    assert.equal(moved.lookup('b'), '10.241.4.3');
  });

  void it('wraps around and reports a full range', () => {
    const ipam = new PodIpam(join(dir, 'd.json'), '10.241.5.0/29');
    const got = ['a', 'b', 'c', 'd', 'e'].map((u) => ipam.allocate(u));
    assert.deepEqual(got, ['10.241.5.2', '10.241.5.3', '10.241.5.4', '10.241.5.5', '10.241.5.6']);
    assert.throws(() => ipam.allocate('f'), /no free pod address left in 10\.241\.5\.0\/29/);
    ipam.release('b');
    assert.equal(ipam.allocate('f'), '10.241.5.3');
    assert.throws(() => new PodIpam(join(dir, 'e.json'), '10.241.6.0/30'), /too small/);
  });
});
