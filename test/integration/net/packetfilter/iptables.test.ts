import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Iptables } from '../../../../src/net/packetfilter/iptables.js';
import { planRuleSet, ruleArgs } from '../../../../src/net/packetfilter/iptables-rules.js';
import { parseSave } from '../../../../src/net/packetfilter/iptables-save.js';
import type { Owner, RuleSet, Table } from '../../../../src/net/packetfilter/model.js';
import { planPacketFilter } from '../../../../src/routeagent/handlers/kubeproxy/plan-packetfilter.js';
import { RecordingRunner } from '../../../support/recording-runner.js';

const isRoot = process.getuid?.() === 0;
const ns = `pf-test-${randomBytes(4).toString('hex')}`;

const runner = new RecordingRunner();
const ipt = new Iptables(runner, { netns: ns });

const ref = (table: Table, name: string) => ({ table, name });
const MARK = { value: 0xc0000, mask: 0xc0000 };
const routeAgent = planPacketFilter({ localCidrs: ['10.244.0.0/16', '10.96.0.0/12'], remoteSubnets: ['10.245.0.0/16'], cniIp: '10.244.0.1', clampMss: 1300 });
const other: Owner = {
  name: 'globalnet',
  chains: [ref('nat', 'SUBMARINER-GN-INGRESS'), ref('nat', 'SUBMARINER-GN-EGRESS'), ref('nat', 'SUBMARINER-GN-MARK'), ref('filter', 'T-FILTER'), ref('raw', 'T-RAW')],
};
const otherRules: RuleSet = {
  owner: other,
  chains: [
    { ...ref('nat', 'SUBMARINER-GN-INGRESS'), hook: { from: 'PREROUTING' }, rules: [{ dst: '242.0.0.5', proto: 'icmp', comment: 'gateway "health" check', action: { type: 'dnat', toDestination: '10.244.0.1' } }] },
    {
      ...ref('nat', 'SUBMARINER-GN-EGRESS'),
      hook: { from: 'SUBMARINER-POSTROUTING' },
      rules: [{ action: { type: 'jump', chain: 'SUBMARINER-GN-MARK' } }, { src: '10.244.0.0/16', mark: MARK, action: { type: 'snat', toSource: '242.0.0.1-242.0.0.8' } }],
    },
    { ...ref('nat', 'SUBMARINER-GN-MARK'), rules: [{ dst: '10.245.0.0/16', action: { type: 'mark', set: MARK } }, { dst: '10.246.0.7', action: { type: 'mark', set: { value: 0x1 } } }] },
    {
      ...ref('filter', 'T-FILTER'),
      hook: { from: 'FORWARD', position: 'last', match: { in: 'eth+' } },
      rules: [
        { src: '10.1.2.3', mark: { value: 0x10 }, action: { type: 'drop' } },
        { proto: 'tcp', dport: 443, out: 'cable0', action: { type: 'return' } },
        { proto: 'sctp', dport: 9, action: { type: 'accept' } },
      ],
    },
    { ...ref('raw', 'T-RAW'), hook: { from: 'PREROUTING', match: { proto: 'udp', dport: 4500 } }, rules: [{ action: { type: 'accept' } }] },
  ],
};

/** Rules and user chains of every table; empty built-in tables say nothing. */
async function saved(): Promise<string> {
  const { stdout } = await runner.run('iptables-save', [], { netns: ns });
  return stdout.split('\n').filter((l) => l.startsWith('-A') || (l.startsWith(':') && l.includes(' - '))).join('\n');
}

const tableState = async () => parseSave((await runner.run('iptables-save', [], { netns: ns })).stdout);

void describe('packet-filter rule sets through iptables in a network namespace (needs root)', { skip: isRoot ? false : 'needs root (network namespaces, iptables)' }, () => {
  let pristine = '';

  before(async () => {
    await runner.run('ip', ['netns', 'add', ns]);
    pristine = await saved();
  });

  after(async () => {
    await runner.run('ip', ['netns', 'del', ns], { allowFailure: true });
  });

  void it('iptables-save after apply holds exactly the intent, every chain where it was hooked', async () => {
    assert.deepEqual(await ipt.apply(routeAgent), { changed: true });
    assert.deepEqual(await ipt.apply(otherRules), { changed: true });
    const state = await tableState();
    for (const set of [routeAgent, otherRules]) {
      assert.deepEqual(planRuleSet(set, state), new Map(), `${set.owner.name}: the kernel holds the rule set as planned`);
      for (const c of set.chains) {
        const have = state.get(c.table)?.get(c.name)?.rules ?? [];
        const own = have.filter((r) => !r.join(' ').includes('-j SUBMARINER-GN-EGRESS'));
        assert.deepEqual(own, c.rules.map((r) => [...ruleArgs(r)]), `${c.table}/${c.name}`);
      }
    }
    const text = await saved();
    for (const line of [
      '-A PREROUTING -j SUBMARINER-GN-INGRESS',
      '-A SUBMARINER-POSTROUTING -j SUBMARINER-GN-EGRESS',
      '-A FORWARD -i eth+ -j T-FILTER',
      '-A PREROUTING -p udp -m udp --dport 4500 -j T-RAW',
      '-A SUBMARINER-GN-INGRESS -d 242.0.0.5/32 -p icmp -m comment --comment "gateway \\"health\\" check" -j DNAT --to-destination 10.244.0.1',
    ]) {
      assert.ok(text.split('\n').includes(line), `${line}\nin\n${text}`);
    }
    assert.deepEqual(state.get('nat')?.get('SUBMARINER-POSTROUTING')?.rules[0], ['-j', 'SUBMARINER-GN-EGRESS'], "the other owner's jump is first");
  });

  void it('re-applying changes nothing and runs no iptables-restore, also after the route agent rewrites its chain', async () => {
    const first = await saved();
    const ran = runner.programs.length;
    assert.deepEqual(await ipt.apply(routeAgent), { changed: false });
    assert.deepEqual(await ipt.apply(otherRules), { changed: false });
    assert.deepEqual(runner.programs.slice(ran).filter((p) => p === 'iptables-restore'), []);
    assert.equal(await saved(), first);

    const more = planPacketFilter({ localCidrs: ['10.244.0.0/16'], remoteSubnets: ['10.245.0.0/16', '10.247.0.0/16'], cniIp: '10.244.0.1' });
    assert.deepEqual(await ipt.apply(more), { changed: true });
    assert.deepEqual(planRuleSet(otherRules, await tableState()), new Map(), "the other owner's state is intact");
    assert.deepEqual(await ipt.apply(routeAgent), { changed: true });
    assert.equal(await saved(), first);
  });

  void it('removal leaves nothing of either owner, and removing again is a no-op', async () => {
    assert.deepEqual(await ipt.remove(routeAgent.owner), { changed: true });
    assert.doesNotMatch(await saved(), /SUBMARINER-POSTROUTING|SUBMARINER-INPUT|SUBMARINER-FORWARD/);
    assert.match(await saved(), /-A PREROUTING -j SUBMARINER-GN-INGRESS/);
    assert.deepEqual(await ipt.remove(other), { changed: true });
    assert.equal(await saved(), pristine);
    assert.deepEqual(await ipt.remove(other), { changed: false });
    assert.deepEqual(await ipt.remove(routeAgent.owner), { changed: false });
  });
});
