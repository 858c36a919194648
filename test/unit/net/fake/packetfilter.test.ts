import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakePacketFilter } from '../../../../src/net/fake/index.js';
import type { Owner, RuleSet } from '../../../../src/net/packetfilter/model.js';

const owner: Owner = { name: 'routeagent', chains: [{ table: 'filter', name: 'SUBMARINER-FORWARD' }] };
const set: RuleSet = { owner, chains: [{ table: 'filter', name: 'SUBMARINER-FORWARD', hook: { from: 'FORWARD' }, rules: [{ out: 'vx-submariner', action: { type: 'accept' } }] }] };

void describe('FakePacketFilter', () => {
  void it('holds what each owner applied, reports changes once, and forgets an owner on remove', async () => {
    const pf = new FakePacketFilter();
    assert.deepEqual(await pf.apply(set), { changed: true });
    assert.deepEqual(await pf.apply(structuredClone(set)), { changed: false });
    assert.deepEqual(pf.chain('filter', 'SUBMARINER-FORWARD')?.rules, [{ out: 'vx-submariner', action: { type: 'accept' } }]);
    assert.equal(pf.ownerOf('filter', 'SUBMARINER-FORWARD'), 'routeagent');
    assert.deepEqual(await pf.remove(owner), { changed: true });
    assert.deepEqual(await pf.remove(owner), { changed: false });
    assert.deepEqual(pf.chains(), {});
    assert.equal(pf.changes, 2);
  });

  void it('refuses a chain another owner holds, and invalid rule sets', async () => {
    const pf = new FakePacketFilter();
    await pf.apply(set);
    await assert.rejects(pf.apply({ owner: { ...owner, name: 'globalnet' }, chains: [] }), /chain filter\/SUBMARINER-FORWARD belongs to routeagent, not globalnet/);
    await assert.rejects(pf.apply({ owner, chains: [{ table: 'filter', name: 'OTHER', rules: [] }] }), /not among the chains of owner routeagent/);
    assert.deepEqual(pf.chains(), { routeagent: ['filter/SUBMARINER-FORWARD'] });
  });

  void it('fails the next call when told to, then works again', async () => {
    const pf = new FakePacketFilter();
    pf.failNext(new Error('iptables-restore: line 3 failed'));
    await assert.rejects(pf.apply(set), /line 3 failed/);
    assert.deepEqual(await pf.apply(set), { changed: true });
  });
});
