import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cniAddress } from '../../../src/net/cni.js';

describe('the node address on the CNI interface', () => {
  const addrs = [
    { dev: 'lo', cidr: '127.0.0.1/8' },
    { dev: 'eth0', cidr: '172.30.0.5/16' },
    { dev: 'vx-submariner', cidr: '10.1.0.77/8' },
    { dev: 'cni0', cidr: '10.1.0.1/24' },
    { dev: 'cni0', cidr: 'fd00::1/64' },
  ];

  it('is the first IPv4 address inside a cluster CIDR, on a link that is not ignored', () => {
    assert.deepEqual(cniAddress(addrs, ['10.1.0.0/16'], ['vx-submariner']), { dev: 'cni0', ip: '10.1.0.1' });
    assert.deepEqual(cniAddress(addrs, ['192.168.0.0/16', '172.30.0.0/16']), { dev: 'eth0', ip: '172.30.0.5' });
  });

  it('is absent when no address is inside the cluster CIDRs, and never loopback', () => {
    assert.equal(cniAddress(addrs, ['10.9.0.0/16']), undefined);
    assert.equal(cniAddress(addrs, ['127.0.0.0/8']), undefined);
    assert.equal(cniAddress([], ['10.1.0.0/16']), undefined);
  });
});
