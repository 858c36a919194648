import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { FakeIpset, FakeRunner } from '../../../src/net/fake/index.js';
import { IpsetCommand, parseIpsetSave, planIpsets } from '../../../src/net/ipset.js';

// Captured from ipset v7.17 inside a network namespace.
const REAL_SAVE = `create SM-GN-X hash:ip family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x1a91bf9e
add SM-GN-X 10.0.0.1
create OTHER hash:ip family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x1a91bf9f
`;

void describe('ipset', () => {
  let runner: FakeRunner;
  let fake: FakeIpset;
  let sets: IpsetCommand;
  const restores = (): number => runner.callsTo('ipset restore').length;

  beforeEach(() => {
    runner = new FakeRunner();
    fake = new FakeIpset().install(runner);
    sets = new IpsetCommand(runner, { netns: 'gw' });
  });

  void it('parses ipset save output', () => {
    assert.deepEqual(parseIpsetSave(REAL_SAVE), new Map([['SM-GN-X', ['10.0.0.1']], ['OTHER', []]]));
  });

  void it('plans creation, additions and removals as restore lines', () => {
    assert.deepEqual(planIpsets(new Map([['A', ['10.0.0.1', '10.0.0.2']]]), new Map([['A', ['10.0.0.2', '10.0.0.3']], ['B', []]])), [
      'add A 10.0.0.3',
      'del A 10.0.0.1',
      'create B hash:ip family inet',
    ]);
    assert.throws(() => planIpsets(new Map(), new Map([['A', ['10.0.0.0/24']]])), /not an IPv4 address/);
    assert.throws(() => planIpsets(new Map(), new Map([['has space', []]])), /invalid ipset name/);
  });

  void it('syncs sets in one ipset restore, then does nothing while they hold their members', async () => {
    assert.deepEqual(await sets.sync(new Map([['SM-GN-A', ['10.0.0.1', '10.0.0.2']]])), { changed: true });
    assert.equal(restores(), 1);
    assert.deepEqual(fake.members('SM-GN-A', 'gw'), ['10.0.0.1', '10.0.0.2']);
    assert.equal(fake.members('SM-GN-A'), undefined, 'the root namespace is untouched');
    assert.deepEqual(await sets.sync(new Map([['SM-GN-A', ['10.0.0.2', '10.0.0.1']]])), { changed: false });
    assert.equal(restores(), 1);
    await sets.sync(new Map([['SM-GN-A', ['10.0.0.3']]]));
    assert.deepEqual(fake.members('SM-GN-A', 'gw'), ['10.0.0.3']);
  });

  void it('lists by prefix and destroys only sets that exist; a set in use cannot go', async () => {
    await sets.sync(new Map([['SM-GN-A', []], ['KEEP', []]]));
    assert.deepEqual([...(await sets.list('SM-GN-')).keys()], ['SM-GN-A']);
    fake.inUse = (name) => name === 'SM-GN-A';
    await assert.rejects(sets.destroy(['SM-GN-A']), /in use/);
    fake.inUse = () => false;
    assert.deepEqual(await sets.destroy(['SM-GN-A', 'SM-GN-GONE']), { changed: true });
    assert.deepEqual(fake.names('gw'), ['KEEP']);
    assert.deepEqual(await sets.destroy(['SM-GN-A']), { changed: false });
  });
});
