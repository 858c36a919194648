import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cidrsOverlap, isCidr, nthIp, parseCidr, subnet } from '../../../src/net/cidr.js';

describe('cidr', () => {
  it('parses CIDRs and names what is wrong with a bad one', () => {
    assert.deepEqual(parseCidr('10.241.0.0/16'), { base: 10 * 2 ** 24 + 241 * 2 ** 16, prefix: 16 });
    assert.throws(() => parseCidr('10.241.0.0'), /"10.241.0.0" is not a CIDR/);
    assert.throws(() => parseCidr('10.300.0.0/16'), /not an IPv4 address/);
    assert.throws(() => parseCidr('10.241.0.1/16'), /did you mean 10.241.0.0\/16/);
    assert.equal(isCidr('1.2.3.0/33'), false);
  });

  it('detects overlap between blocks of any size', () => {
    assert.equal(cidrsOverlap('10.241.0.0/16', '10.241.5.0/24'), true);
    assert.equal(cidrsOverlap('10.241.0.0/16', '10.242.0.0/16'), false);
    assert.equal(cidrsOverlap('242.0.0.0/8', '242.1.0.0/16'), true);
  });

  it('computes addresses and sub-blocks', () => {
    assert.equal(nthIp('10.141.0.0/16', 10), '10.141.0.10');
    assert.equal(subnet('242.0.0.0/8', 16, 3), '242.3.0.0/16');
    assert.throws(() => subnet('242.0.0.0/8', 16, 256), /outside/);
  });
});
