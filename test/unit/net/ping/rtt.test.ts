import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RttStats } from '../../../../src/net/ping/rtt.js';

void describe('round-trip times', () => {
  void it('keeps last, min, average, max and standard deviation', () => {
    const s = new RttStats();
    assert.equal(s.spec(), undefined);
    for (const ms of [2, 4, 4, 4, 5, 5, 7, 9]) s.add(ms * 1e6);
    assert.deepEqual(s.spec(), { last: '9ms', min: '2ms', average: '5ms', max: '9ms', stdDev: '2ms' });
  });

  void it('forgets samples beyond its window', () => {
    const s = new RttStats(3);
    for (const ms of [100, 1, 2, 3]) s.add(ms * 1e6);
    assert.equal(s.spec()?.max, '3ms');
    assert.equal(s.count, 3);
  });
});
