import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { FakeIptables, FakeRunner } from '../../../../src/net/fake/index.js';
import { Iptables } from '../../../../src/net/packetfilter/iptables.js';
import { planRuleSet, ruleArgs } from '../../../../src/net/packetfilter/iptables-rules.js';
import { parseSave } from '../../../../src/net/packetfilter/iptables-save.js';
import type { Chain, Owner, RuleSet, Table } from '../../../../src/net/packetfilter/model.js';
import { packetFilterOwner } from '../../../../src/routeagent/constants.js';
import { planPacketFilter } from '../../../../src/routeagent/handlers/kubeproxy/plan-packetfilter.js';

const ref = (table: Table, name: string) => ({ table, name });
const nat = (name: string) => ref('nat', name);
const MARK = { value: 0xc0000, mask: 0xc0000 };

const routeAgent = (remoteSubnets = ['10.245.0.0/16']): RuleSet => planPacketFilter({ localCidrs: ['10.244.0.0/16'], remoteSubnets, cniIp: '10.244.0.1' });

const globalnet: Owner = { name: 'globalnet', chains: ['SUBMARINER-GN-INGRESS', 'SUBMARINER-GN-EGRESS', 'SUBMARINER-GN-MARK', 'SM-GN-EGRESS-PODS', 'SM-GN-EGRESS-CLUSTER'].map(nat) };
const globalnetRules: RuleSet = {
  owner: globalnet,
  chains: [
    { ...nat('SUBMARINER-GN-INGRESS'), hook: { from: 'PREROUTING' }, rules: [{ dst: '242.0.0.5', proto: 'icmp', comment: 'gateway health check', action: { type: 'dnat', toDestination: '10.244.0.1' } }] },
    { ...nat('SUBMARINER-GN-EGRESS'), hook: { from: 'SUBMARINER-POSTROUTING' }, rules: ['SUBMARINER-GN-MARK', 'SM-GN-EGRESS-PODS', 'SM-GN-EGRESS-CLUSTER'].map((chain) => ({ action: { type: 'jump', chain } as const })) },
    { ...nat('SUBMARINER-GN-MARK'), rules: [{ dst: '10.245.0.0/16', action: { type: 'mark', set: MARK } }] },
    { ...nat('SM-GN-EGRESS-PODS'), rules: [{ srcSet: 'SM-GN-ABC', mark: MARK, action: { type: 'snat', toSource: '242.0.0.10' } }] },
    { ...nat('SM-GN-EGRESS-CLUSTER'), rules: [{ src: '10.244.0.0/16', mark: MARK, action: { type: 'snat', toSource: '242.0.0.1-242.0.0.8' } }] },
  ],
};

void describe('iptables planner: rule sets as iptables-restore input (golden)', () => {
  let runner: FakeRunner;
  let fake: FakeIptables;
  let ipt: Iptables;
  const current = () => parseSave(fake.saveText());
  const snapshot = (): string[] => (['nat', 'filter', 'mangle'] as const).map((t) => fake.saveText(t));
  const restores = (): number => runner.callsTo('iptables-restore').length;

  beforeEach(() => {
    runner = new FakeRunner();
    fake = new FakeIptables().install(runner);
    ipt = new Iptables(runner);
  });

  void it("plans the route agent's chains on an empty node: one batch per table, jumps first in the built-in chains", () => {
    const plan = planRuleSet(routeAgent(), new Map());
    assert.deepEqual([...plan.keys()], ['nat', 'filter', 'mangle']);
    assert.equal(plan.get('nat'), `*nat
:SUBMARINER-POSTROUTING - [0:0]
-A SUBMARINER-POSTROUTING -s 10.244.0.0/16 -d 10.245.0.0/16 -j ACCEPT
-A SUBMARINER-POSTROUTING -s 10.245.0.0/16 -d 10.244.0.0/16 -j ACCEPT
-A SUBMARINER-POSTROUTING -s 240.0.0.0/8 -o vx-submariner -j SNAT --to-source 10.244.0.1
-I POSTROUTING 1 -j SUBMARINER-POSTROUTING
COMMIT
`);
    assert.equal(plan.get('filter'), `*filter
:SUBMARINER-INPUT - [0:0]
:SUBMARINER-FORWARD - [0:0]
-A SUBMARINER-INPUT -p udp -m udp --dport 4800 -j ACCEPT
-A SUBMARINER-FORWARD -o vx-submariner -j ACCEPT
-A SUBMARINER-FORWARD -i vx-submariner -j ACCEPT
-I INPUT 1 -p udp -j SUBMARINER-INPUT
-I FORWARD 1 -j SUBMARINER-FORWARD
COMMIT
`);
    assert.equal(plan.get('mangle'), `*mangle
:SUBMARINER-POSTROUTING - [0:0]
-A SUBMARINER-POSTROUTING -s 10.244.0.0/16 -d 10.245.0.0/16 -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu
-A SUBMARINER-POSTROUTING -s 10.245.0.0/16 -d 10.244.0.0/16 -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu
-I POSTROUTING 1 -j SUBMARINER-POSTROUTING
COMMIT
`);
  });

  void it("plans GlobalNet's chains, one hooked first from the route agent's chain: DNAT, MARK, mark and set matches, SNAT ranges", async () => {
    await ipt.apply(routeAgent());
    assert.equal(planRuleSet(globalnetRules, current()).get('nat'), `*nat
:SUBMARINER-GN-INGRESS - [0:0]
:SUBMARINER-GN-EGRESS - [0:0]
:SUBMARINER-GN-MARK - [0:0]
:SM-GN-EGRESS-PODS - [0:0]
:SM-GN-EGRESS-CLUSTER - [0:0]
-A SUBMARINER-GN-INGRESS -d 242.0.0.5/32 -p icmp -m comment --comment "gateway health check" -j DNAT --to-destination 10.244.0.1
-A SUBMARINER-GN-EGRESS -j SUBMARINER-GN-MARK
-A SUBMARINER-GN-EGRESS -j SM-GN-EGRESS-PODS
-A SUBMARINER-GN-EGRESS -j SM-GN-EGRESS-CLUSTER
-A SUBMARINER-GN-MARK -d 10.245.0.0/16 -j MARK --set-xmark 0xc0000/0xc0000
-A SM-GN-EGRESS-PODS -m mark --mark 0xc0000/0xc0000 -m set --match-set SM-GN-ABC src -j SNAT --to-source 242.0.0.10
-A SM-GN-EGRESS-CLUSTER -s 10.244.0.0/16 -m mark --mark 0xc0000/0xc0000 -j SNAT --to-source 242.0.0.1-242.0.0.8
-I PREROUTING 1 -j SUBMARINER-GN-INGRESS
-I SUBMARINER-POSTROUTING 1 -j SUBMARINER-GN-EGRESS
COMMIT
`);
  });

  void it('renders every match and action the way iptables-save prints them', () => {
    const owner: Owner = { name: 'test', chains: [ref('filter', 'T-FWD'), ref('filter', 'T-SUB'), ref('mangle', 'T-MSS'), ref('raw', 'T-RAW')] };
    const set: RuleSet = {
      owner,
      chains: [
        {
          ...ref('filter', 'T-FWD'),
          hook: { from: 'FORWARD', position: 'last', match: { in: 'eth+' } },
          rules: [
            { src: '10.1.2.3', dstSet: 'BLOCKED', action: { type: 'drop' } },
            { dst: '10.9.8.7/16', mark: { value: 0x1000 }, action: { type: 'return' } },
            { proto: 'tcp', dport: 443, out: 'cable0', action: { type: 'accept' } },
          ],
        },
        { ...ref('filter', 'T-SUB'), hook: { from: 'T-FWD' }, rules: [{ proto: 'sctp', dport: 9, action: { type: 'accept' } }] },
        { ...ref('mangle', 'T-MSS'), rules: [{ out: 'vx-submariner', action: { type: 'tcpmss', mss: 1300 } }, { action: { type: 'mark', set: { value: 0x2 } } }] },
        { ...ref('raw', 'T-RAW'), hook: { from: 'PREROUTING', match: { proto: 'udp', dport: 4500 } }, rules: [] },
      ],
    };
    const plan = planRuleSet(set, new Map());
    assert.equal(plan.get('filter'), `*filter
:T-FWD - [0:0]
:T-SUB - [0:0]
-A T-FWD -j T-SUB
-A T-FWD -s 10.1.2.3/32 -m set --match-set BLOCKED dst -j DROP
-A T-FWD -d 10.9.0.0/16 -m mark --mark 0x1000 -j RETURN
-A T-FWD -o cable0 -p tcp -m tcp --dport 443 -j ACCEPT
-A T-SUB -p sctp -m sctp --dport 9 -j ACCEPT
-A FORWARD -i eth+ -j T-FWD
COMMIT
`);
    assert.equal(plan.get('mangle'), `*mangle
:T-MSS - [0:0]
-A T-MSS -o vx-submariner -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1300
-A T-MSS -j MARK --set-xmark 0x2/0xffffffff
COMMIT
`);
    assert.equal(plan.get('raw'), `*raw
:T-RAW - [0:0]
-I PREROUTING 1 -p udp -m udp --dport 4500 -j T-RAW
COMMIT
`);
  });

  void it('is idempotent: planning against the state it produced yields no work, and apply runs no restore', async () => {
    for (const set of [routeAgent(), globalnetRules]) {
      assert.deepEqual(await ipt.apply(set), { changed: true });
      assert.deepEqual(planRuleSet(set, current()), new Map());
    }
    const before = fake.saveText();
    const execs = restores();
    assert.deepEqual(await ipt.apply(routeAgent()), { changed: false });
    assert.deepEqual(await ipt.apply(globalnetRules), { changed: false });
    assert.equal(restores(), execs);
    assert.equal(fake.saveText(), before);
  });

  void it("rewrites the route agent's chain around GlobalNet's jump, which stays first", async () => {
    await ipt.apply(routeAgent());
    await ipt.apply(globalnetRules);
    assert.equal(planRuleSet(routeAgent(['10.245.0.0/16', '10.246.0.0/16']), current()).get('nat'), `*nat
:SUBMARINER-POSTROUTING - [0:0]
-A SUBMARINER-POSTROUTING -j SUBMARINER-GN-EGRESS
-A SUBMARINER-POSTROUTING -s 10.244.0.0/16 -d 10.245.0.0/16 -j ACCEPT
-A SUBMARINER-POSTROUTING -s 10.245.0.0/16 -d 10.244.0.0/16 -j ACCEPT
-A SUBMARINER-POSTROUTING -s 10.244.0.0/16 -d 10.246.0.0/16 -j ACCEPT
-A SUBMARINER-POSTROUTING -s 10.246.0.0/16 -d 10.244.0.0/16 -j ACCEPT
-A SUBMARINER-POSTROUTING -s 240.0.0.0/8 -o vx-submariner -j SNAT --to-source 10.244.0.1
COMMIT
`);
    await ipt.apply(routeAgent(['10.246.0.0/16']));
    assert.deepEqual(fake.rules('nat', 'SUBMARINER-POSTROUTING')?.[0], ['-j', 'SUBMARINER-GN-EGRESS']);
    assert.deepEqual(planRuleSet(globalnetRules, current()), new Map(), "GlobalNet's state is intact");
  });

  void it('removes a chain the owner no longer wants, with the jumps into it, in the same batch', async () => {
    await ipt.apply(routeAgent());
    const withoutInput: RuleSet = { ...routeAgent(), chains: routeAgent().chains.filter((c) => c.name !== 'SUBMARINER-INPUT') };
    assert.equal(planRuleSet(withoutInput, current()).get('filter'), `*filter
-D INPUT -p udp -j SUBMARINER-INPUT
-F SUBMARINER-INPUT
-X SUBMARINER-INPUT
COMMIT
`);
    await ipt.apply(withoutInput);
    assert.deepEqual(fake.chainNames('filter'), ['INPUT', 'FORWARD', 'OUTPUT', 'SUBMARINER-FORWARD']);
    assert.deepEqual(fake.rules('filter', 'INPUT'), []);
  });

  void it("removes exactly an owner's chains: the route agent leaves GlobalNet's, GlobalNet leaves the route agent's", async () => {
    const pristine = snapshot();
    await ipt.apply(routeAgent());
    const routeAgentOnly = snapshot();
    await ipt.apply(globalnetRules);
    assert.equal(planRuleSet({ owner: globalnet, chains: [] }, current()).get('nat'), `*nat
-D PREROUTING -j SUBMARINER-GN-INGRESS
-D SUBMARINER-POSTROUTING -j SUBMARINER-GN-EGRESS
-F SUBMARINER-GN-INGRESS
-F SUBMARINER-GN-EGRESS
-F SUBMARINER-GN-MARK
-F SM-GN-EGRESS-PODS
-F SM-GN-EGRESS-CLUSTER
-X SUBMARINER-GN-INGRESS
-X SUBMARINER-GN-EGRESS
-X SUBMARINER-GN-MARK
-X SM-GN-EGRESS-PODS
-X SM-GN-EGRESS-CLUSTER
COMMIT
`);
    assert.deepEqual(await ipt.remove(globalnet), { changed: true });
    assert.deepEqual(snapshot(), routeAgentOnly);

    await ipt.apply(globalnetRules);
    assert.deepEqual(await ipt.remove(packetFilterOwner), { changed: true });
    assert.deepEqual(fake.chainNames('nat'), ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING', 'SM-GN-EGRESS-CLUSTER', 'SM-GN-EGRESS-PODS', 'SUBMARINER-GN-EGRESS', 'SUBMARINER-GN-INGRESS', 'SUBMARINER-GN-MARK']);
    assert.deepEqual(fake.rules('nat', 'PREROUTING'), [['-j', 'SUBMARINER-GN-INGRESS']]);
    await ipt.remove(globalnet);
    assert.deepEqual(snapshot(), pristine);
    assert.deepEqual(await ipt.remove(globalnet), { changed: false });
  });

  void it('refuses rule sets no backend could program, before running anything', async () => {
    const chain = (c: Partial<Chain>): RuleSet => ({ owner: globalnet, chains: [{ ...nat('SUBMARINER-GN-MARK'), rules: [], ...c }] });
    await assert.rejects(ipt.apply({ owner: globalnet, chains: [{ ...nat('SUBMARINER-POSTROUTING'), rules: [] }] }), /chain nat\/SUBMARINER-POSTROUTING is not among the chains of owner globalnet/);
    await assert.rejects(ipt.apply({ owner: { name: 'x', chains: [nat('POSTROUTING')] }, chains: [] }), /built-in chain nat\/POSTROUTING has no owner/);
    await assert.rejects(ipt.apply(chain({ rules: [{ dport: 80, action: { type: 'accept' } }] })), /rule 1: dport needs proto tcp, udp or sctp/);
    await assert.rejects(ipt.apply(chain({ rules: [{ proto: 'udp', action: { type: 'tcpmss', mss: 'clamp-to-pmtu' } }] })), /tcpmss applies to tcp only/);
    await assert.rejects(ipt.apply(chain({ rules: [{ src: '10.0.0.0/40', action: { type: 'accept' } }] })), /is not a CIDR/);
    await assert.rejects(ipt.apply(chain({ rules: [{ comment: 'a\nb', action: { type: 'accept' } }] })), /comment is one line/);
    await assert.rejects(ipt.apply(chain({ hook: { from: 'SUBMARINER-GN-EGRESS' } })), /hooked from SUBMARINER-GN-EGRESS, which owner globalnet does not want/);
    await assert.rejects(ipt.apply(chain({ hook: { from: 'SUBMARINER-POSTROUTING' } })), /there is no chain nat\/SUBMARINER-POSTROUTING/);
    assert.equal(restores(), 0);
  });

  void it('writes addresses as iptables-save prints them', () => {
    assert.deepEqual(ruleArgs({ src: '10.1.2.3/8', dst: '192.168.1.1', action: { type: 'accept' } }), ['-s', '10.0.0.0/8', '-d', '192.168.1.1/32', '-j', 'ACCEPT']);
  });
});
