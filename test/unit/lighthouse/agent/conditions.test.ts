import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Condition } from '../../../../src/api/generated.js';
import { conflictCondition, exportConditions, importReadyCondition, mergeConditions, sameConditions, type ExportState } from '../../../../src/lighthouse/agent/conditions.js';
import type { ExportOutcome } from '../../../../src/lighthouse/agent/exported-service.js';
import { mergeContributions } from '../../../../src/lighthouse/agent/merge.js';
import { contribution, port } from './fixtures.js';

const east = contribution('east', 2);
const published: ExportOutcome = { state: 'ready', contribution: east, slices: [] };

function brief(state: Partial<ExportState> & { outcome: ExportOutcome }): string[] {
  return exportConditions({ clusterId: 'east', merged: mergeContributions([east]), ...state }).map((c) => `${c.type}=${c.status}/${c.reason}: ${c.message}`);
}

describe('ServiceExport conditions', () => {
  const cases: [string, Partial<ExportState> & { outcome: ExportOutcome }, string[]][] = [
    [
      'exported, no conflicts',
      { outcome: published },
      ['Valid=True/Valid: the Service can be exported', 'Ready=True/Exported: the Service is exported to the clusterset as ClusterSetIP', 'Conflict=False/NoConflicts: the exports of the Service agree'],
    ],
    [
      'no Service',
      { outcome: { state: 'invalid', validation: { valid: false, reason: 'NoService', message: 'Service a/b does not exist' } } },
      ['Valid=False/NoService: Service a/b does not exist', 'Ready=False/Failed: not exported: Service a/b does not exist'],
    ],
    [
      'a Service of another type',
      { outcome: { state: 'invalid', validation: { valid: false, reason: 'InvalidServiceType', message: 'Service a/b is of type ExternalName' } } },
      ['Valid=False/InvalidServiceType: Service a/b is of type ExternalName', 'Ready=False/Failed: not exported: Service a/b is of type ExternalName'],
    ],
    ['waiting', { outcome: { state: 'pending', message: 'waiting for a global IP' } }, ['Valid=True/Valid: the Service can be exported', 'Ready=False/Pending: waiting for a global IP']],
    ['refused', { outcome: { state: 'failed', message: 'no IPv4 cluster IP' } }, ['Valid=True/Valid: the Service can be exported', 'Ready=False/Failed: no IPv4 cluster IP']],
    [
      'the broker refused the export',
      { outcome: published, publishError: 'cannot write ServiceImport x on the broker: forbidden' },
      [
        'Valid=True/Valid: the Service can be exported',
        'Ready=False/Failed: cannot publish the export to the broker: cannot write ServiceImport x on the broker: forbidden',
        'Conflict=False/NoConflicts: the exports of the Service agree',
      ],
    ],
  ];
  for (const [name, state, want] of cases) it(name, () => assert.deepEqual(brief(state), want));

  it('a younger export of another type is not served, and both exports carry the TypeConflict', () => {
    const west = contribution('west', 5, { type: 'Headless', ips: [] });
    const merged = mergeContributions([east, west]);
    const mine = exportConditions({ clusterId: 'east', outcome: published, merged });
    const theirs = exportConditions({ clusterId: 'west', outcome: { state: 'ready', contribution: west, slices: [] }, merged });
    assert.deepEqual(
      mine.map((c) => `${c.type}=${c.status}/${c.reason}`),
      ['Valid=True/Valid', 'Ready=False/Failed', 'Conflict=True/ConflictingType'],
    );
    assert.match(mine[1]?.message ?? '', /not served: the Service is ClusterSetIP but the clusterset imports it as Headless, the type of the oldest export \(west\)/);
    assert.deepEqual(
      theirs.map((c) => `${c.type}=${c.status}/${c.reason}`),
      ['Valid=True/Valid', 'Ready=True/Exported', 'Conflict=True/ConflictingType'],
    );
  });

  it('joins several conflict reasons with commas and their messages line by line', () => {
    const c = conflictCondition([
      { reason: 'ConflictingPorts', message: 'ports differ' },
      { reason: 'ConflictingSessionAffinity', message: 'affinity differs' },
    ]);
    assert.deepEqual(c, { type: 'Conflict', status: 'True', reason: 'ConflictingPorts,ConflictingSessionAffinity', message: 'ports differ\naffinity differs' });
    assert.match(c.reason, /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/, 'the CRD\'s reason pattern');
  });
});

describe('ServiceImport Ready condition', () => {
  it('is Ready for an IPv4 service, IPFamilyNotSupported for an IPv6-only one', () => {
    const v4 = mergeContributions([contribution('east', 1)]);
    const v6 = mergeContributions([contribution('east', 1, { ipFamilies: ['IPv6'], ips: ['fd00::1'], ports: [port('http', 80)] })]);
    assert.ok(v4 && v6);
    assert.deepEqual(importReadyCondition(v4), { type: 'Ready', status: 'True', reason: 'Ready', message: 'imported from east' });
    assert.equal(importReadyCondition(v6).reason, 'IPFamilyNotSupported');
    assert.equal(importReadyCondition(v6).status, 'False');
  });
});

describe('updating a condition list', () => {
  const t0 = new Date('2026-01-01T00:00:00.123Z');
  const t1 = new Date('2026-01-01T00:05:00Z');
  const foreign: Condition = { type: 'example.com/Audited', status: 'True', reason: 'Done', message: '', lastTransitionTime: '2025-12-31T00:00:00Z' };

  it('stamps new conditions with the time (whole seconds) and the generation, and keeps other controllers\' conditions', () => {
    const list = mergeConditions([foreign], [{ type: 'Valid', status: 'True', reason: 'Valid', message: 'ok' }], ['Valid', 'Ready'], t0, 3);
    assert.deepEqual(list, [foreign, { type: 'Valid', status: 'True', reason: 'Valid', message: 'ok', lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 3 }]);
  });

  it('keeps the transition time while the status stays, moves it when the status changes, drops owned conditions no longer wanted', () => {
    const first = mergeConditions(undefined, [{ type: 'Ready', status: 'False', reason: 'Pending', message: 'a' }, { type: 'Conflict', status: 'False', reason: 'NoConflicts', message: '' }], ['Ready', 'Conflict'], t0);
    const same = mergeConditions(first, [{ type: 'Ready', status: 'False', reason: 'Failed', message: 'b' }], ['Ready', 'Conflict'], t1);
    assert.deepEqual(same, [{ type: 'Ready', status: 'False', reason: 'Failed', message: 'b', lastTransitionTime: '2026-01-01T00:00:00Z' }]);
    const flipped = mergeConditions(same, [{ type: 'Ready', status: 'True', reason: 'Exported', message: 'c' }], ['Ready'], t1);
    assert.equal(flipped[0]?.lastTransitionTime, '2026-01-01T00:05:00Z');
  });

  it('tells lists apart by what they say, not by order or transition times', () => {
    const a = mergeConditions(undefined, [{ type: 'Valid', status: 'True', reason: 'Valid', message: 'ok' }, { type: 'Ready', status: 'True', reason: 'Exported', message: 'x' }], ['Valid', 'Ready'], t0);
    const b = mergeConditions(undefined, [{ type: 'Ready', status: 'True', reason: 'Exported', message: 'x' }, { type: 'Valid', status: 'True', reason: 'Valid', message: 'ok' }], ['Valid', 'Ready'], t1);
    assert.equal(sameConditions(a, b), true);
    assert.equal(sameConditions(a, [...b.slice(1), { ...b[0]!, message: 'y' }]), false);
    assert.equal(sameConditions(a, b.slice(1)), false);
    assert.equal(sameConditions(undefined, []), true);
  });
});
