import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClustersetIpAllocator } from '../../../../src/lighthouse/agent/clusterset-ip.js';

describe('clusterset IP allocation from this cluster\'s block', () => {
  it('hands out the lowest free IP of the block, skipping those exports carry', () => {
    const a = new ClustersetIpAllocator('243.0.16.0/20');
    assert.equal(a.allocate('shop/web', new Set()), '243.0.16.1');
    assert.equal(a.allocate('shop/db', new Set(['243.0.16.2', '243.0.16.3'])), '243.0.16.4');
  });

  it('keeps an IP for its service until released, so concurrent allocations never collide', () => {
    const a = new ClustersetIpAllocator('243.0.16.0/20');
    const web = a.allocate('shop/web', new Set());
    assert.equal(a.allocate('shop/web', new Set()), web, 'the same service gets the same IP again');
    assert.notEqual(a.allocate('shop/db', new Set()), web);
    a.release('shop/web');
    assert.equal(a.allocate('shop/cache', new Set()), web, 'a released IP is free again');
  });

  it('an IP no export carries any more is free again (released when the last export goes)', () => {
    const a = new ClustersetIpAllocator('243.0.0.0/30');
    assert.equal(a.allocate('a/x', new Set()), '243.0.0.1');
    a.release('a/x');
    assert.equal(a.allocate('a/y', new Set()), '243.0.0.1');
  });

  it('says when the block is full or missing, and what to do', () => {
    const tiny = new ClustersetIpAllocator('243.0.0.0/30');
    tiny.allocate('a/x', new Set());
    tiny.allocate('a/y', new Set());
    assert.throws(() => tiny.allocate('a/z', new Set()), /the clusterset IP block 243\.0\.0\.0\/30 of this cluster is full \(2 services\): deploy the broker with a larger --clusterset-ip-cidr-range/);
    assert.throws(() => new ClustersetIpAllocator(undefined).allocate('a/x', new Set()), /no block of the clusterset IP range: join it again/);
  });

  it('knows its block', () => {
    const a = new ClustersetIpAllocator('243.0.16.0/20');
    assert.equal(a.cidr, '243.0.16.0/20');
    assert.equal(a.owns('243.0.31.255'), true);
    assert.equal(a.owns('243.0.32.0'), false);
  });
});
