import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatGoDuration, parseGoDuration } from '../../../src/base/duration.js';

void describe('durations', () => {
  void it('prints durations as Go does', () => {
    const cases: [number, string][] = [
      [0, '0s'],
      [512, '512ns'],
      [850, '850ns'],
      [388_079, '388.079µs'],
      [1_000, '1µs'],
      [1_200_000, '1.2ms'],
      [1_500_000, '1.5ms'],
      [12_345_678.9, '12.345679ms'],
      [45_000_123, '45.000123ms'],
      [1_500_000_000, '1.5s'],
      [2_000_000_000, '2s'],
      [90_000_000_000, '1m30s'],
      [3_723_500_000_000, '1h2m3.5s'],
    ];
    for (const [ns, text] of cases) assert.equal(formatGoDuration(ns), text, `${ns} ns`);
  });

  void it('reads back what it prints, and the other forms Go accepts', () => {
    for (const ns of [0, 850, 388_079, 1_200_000, 45_000_123, 1_500_000_000, 90_000_000_000, 3_723_500_000_000]) {
      assert.equal(parseGoDuration(formatGoDuration(ns)), ns, formatGoDuration(ns));
    }
    assert.equal(parseGoDuration('1.5us'), 1500);
    assert.equal(parseGoDuration('-2ms'), -2_000_000);
    assert.equal(parseGoDuration('fast'), undefined);
    assert.equal(parseGoDuration(''), undefined);
    assert.equal(parseGoDuration('5'), undefined);
  });
});
