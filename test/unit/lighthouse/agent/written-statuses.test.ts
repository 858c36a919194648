import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Condition } from '../../../../src/api/generated.js';
import { WrittenStatuses } from '../../../../src/lighthouse/agent/written-statuses.js';

const kind = { kind: 'ServiceExport' };
const at = (resourceVersion: string, name = 'nginx') => ({ metadata: { namespace: 'default', name, resourceVersion } });
const ready = (status: 'True' | 'False'): Condition[] => [{ type: 'Ready', status, reason: status === 'True' ? 'Exported' : 'Pending', message: '', lastTransitionTime: new Date().toISOString() }];

describe('statuses the agent has written', () => {
  it('holds back the same status over the version it was written on, until the object moves on', () => {
    const w = new WrittenStatuses();
    w.record(kind, at('10'), { conditions: ready('True') });
    assert.equal(w.already(kind, at('10'), { conditions: ready('True') }), true, 'a stale cache still shows version 10');
    assert.equal(w.already(kind, at('10'), { conditions: ready('False') }), false, 'a different status is written');
    assert.equal(w.already(kind, at('10', 'other'), { conditions: ready('True') }), false, 'another object');
    assert.equal(w.already(kind, at('11'), { conditions: ready('True') }), false, 'someone else wrote version 11');
    assert.equal(w.already(kind, at('10'), { conditions: ready('True') }), false, 'the entry is gone once the object moved on');
  });

  it('compares the clusters of an import status as well, and forgets an object that is gone', () => {
    const w = new WrittenStatuses();
    const imports = { kind: 'ServiceImport' };
    w.record(imports, at('7'), { clusters: [{ cluster: 'cluster2' }], conditions: ready('True') });
    assert.equal(w.already(imports, at('7'), { clusters: [{ cluster: 'cluster2' }, { cluster: 'cluster3' }], conditions: ready('True') }), false);
    assert.equal(w.already(imports, at('7'), { clusters: [{ cluster: 'cluster2' }], conditions: ready('True') }), true);
    assert.equal(w.already(kind, at('7'), { clusters: [{ cluster: 'cluster2' }], conditions: ready('True') }), false, 'an export of the same name is another object');
    w.forget(imports, { namespace: 'default', name: 'nginx' });
    assert.equal(w.already(imports, at('7'), { clusters: [{ cluster: 'cluster2' }], conditions: ready('True') }), false, 'recreated with a reused version string');
  });
});
