import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Allocations, IpamError, IpPool, ipRange } from '../../../src/globalnet/ipam.js';

void describe('GlobalNet IPAM', () => {
  void it('hands out every address of the GlobalCIDR but the network and broadcast addresses, lowest first, never twice', () => {
    const pool = new IpPool('169.254.32.0/29');
    assert.equal(pool.size, 6);
    const got = [pool.allocate(1), pool.allocate(2), pool.allocate(3)];
    assert.deepEqual(got, [['169.254.32.1'], ['169.254.32.2', '169.254.32.3'], ['169.254.32.4', '169.254.32.5', '169.254.32.6']]);
    assert.equal(pool.available, 0);
    assert.equal(pool.allocate(1), undefined, 'exhausted');
  });

  void it('allocates contiguous ranges: a free run long enough, not scattered addresses', () => {
    const pool = new IpPool('10.0.0.0/28');
    const a = pool.allocate(2) ?? [];
    const b = pool.allocate(2) ?? [];
    pool.allocate(2);
    pool.release(a);
    assert.deepEqual(pool.allocate(3), ['10.0.0.7', '10.0.0.8', '10.0.0.9'], 'the 2 freed addresses are too few for 3');
    assert.deepEqual(pool.allocate(2), ['10.0.0.1', '10.0.0.2'], 'the freed run is reused');
    assert.deepEqual(b, ['10.0.0.3', '10.0.0.4']);
  });

  void it('reserves addresses recorded in status, all or none, and refuses one held already or outside the pool', () => {
    const pool = new IpPool('242.0.0.0/16');
    pool.reserve(['242.0.0.1', '242.0.0.2']);
    assert.equal(pool.allocated, 2);
    assert.deepEqual(pool.allocate(1), ['242.0.0.3']);
    assert.throws(() => pool.reserve(['242.0.0.9', '242.0.0.2']), /242\.0\.0\.2 is already allocated/);
    assert.equal(pool.isAllocated('242.0.0.9'), false, 'nothing of a refused reservation is taken');
    assert.throws(() => pool.reserve(['242.0.0.0']), IpamError, 'the network address');
    assert.throws(() => pool.reserve(['242.0.255.255']), /not an allocatable address/);
    assert.throws(() => pool.reserve(['10.0.0.1']), /not an allocatable address of 242\.0\.0\.0\/16/);
  });

  void it('releases addresses back to the pool; releasing twice changes nothing', () => {
    const pool = new IpPool('10.1.0.0/30');
    const ips = pool.allocate(2) ?? [];
    assert.equal(pool.available, 0);
    pool.release(ips);
    pool.release(ips);
    assert.equal(pool.available, 2);
  });

  void it('keys allocations by object: reserve from status, replace on a new count, release when the object goes', () => {
    const allocations = new Allocations(new IpPool('169.254.0.0/19'));
    assert.equal(allocations.reserve('egress/ns/a', ['169.254.0.5']), true);
    assert.equal(allocations.reserve('egress/ns/b', ['169.254.0.5']), false, 'an address is never held twice');
    assert.deepEqual(allocations.allocate('egress/ns/b', 2), ['169.254.0.1', '169.254.0.2']);
    assert.deepEqual(allocations.allocate('egress/ns/b', 4), ['169.254.0.1', '169.254.0.2', '169.254.0.3', '169.254.0.4'], 'the old range is given back first');
    allocations.release('egress/ns/a');
    assert.equal(allocations.pool.isAllocated('169.254.0.5'), false);
    assert.equal(allocations.allocate('x', 9000), undefined);
    assert.equal(allocations.get('x'), undefined);
  });

  void it('writes ranges as SNAT takes them', () => {
    assert.equal(ipRange(['10.0.0.1']), '10.0.0.1');
    assert.equal(ipRange(['10.0.0.1', '10.0.0.2', '10.0.0.3']), '10.0.0.1-10.0.0.3');
  });
});
