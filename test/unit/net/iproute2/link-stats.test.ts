import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLinkStats } from '../../../../src/net/iproute2/parse-json.js';

describe('ip -s link', () => {
  it('reads the 64-bit byte and packet counters', () => {
    const out = JSON.stringify([
      { ifindex: 7, ifname: 'vxlan-tunnel', flags: ['UP'], stats64: { rx: { bytes: 123456, packets: 100, errors: 0 }, tx: { bytes: 654321, packets: 200, errors: 0 } } },
    ]);
    assert.deepEqual(parseLinkStats(out), { rxBytes: 123456, txBytes: 654321, rxPackets: 100, txPackets: 200 });
  });

  it('has nothing to say about output without counters', () => {
    assert.equal(parseLinkStats('[]'), undefined);
    assert.equal(parseLinkStats(JSON.stringify([{ ifname: 'lo' }])), undefined);
  });
});
