import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { selectCluster } from '../../../../src/lighthouse/dns/policy.js';

const connected = (ids: string[]) => (c: string) => ids.includes(c);

describe('cluster selection policy', () => {
  const cases = [
    { why: 'local first', candidates: ['b', 'local', 'a'], up: ['a', 'b'], turn: 3, want: { cluster: 'local', roundRobin: false } },
    { why: 'local even when not reported connected', candidates: ['local'], up: [], turn: 0, want: { cluster: 'local', roundRobin: false } },
    { why: 'round-robin turn 0', candidates: ['b', 'a'], up: ['a', 'b'], turn: 0, want: { cluster: 'a', roundRobin: true } },
    { why: 'round-robin turn 1', candidates: ['b', 'a'], up: ['a', 'b'], turn: 1, want: { cluster: 'b', roundRobin: true } },
    { why: 'round-robin wraps', candidates: ['b', 'a'], up: ['a', 'b'], turn: 2, want: { cluster: 'a', roundRobin: true } },
    { why: 'disconnected skipped', candidates: ['a', 'b', 'c'], up: ['c'], turn: 1, want: { cluster: 'c', roundRobin: true } },
    { why: 'none connected', candidates: ['a'], up: [], turn: 0, want: { cluster: undefined, roundRobin: false } },
    { why: 'no candidates', candidates: [], up: ['a'], turn: 0, want: { cluster: undefined, roundRobin: false } },
  ];
  for (const c of cases) {
    it(c.why, () => {
      assert.deepEqual(selectCluster({ candidates: c.candidates, localClusterId: 'local', isConnected: connected(c.up), turn: c.turn }), c.want);
    });
  }
});
