import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chains } from '../../../src/globalnet/constants.js';
import { emptyIntent, planRules, type GlobalnetIntent } from '../../../src/globalnet/plan.js';
import { FakeIptables, FakeRunner } from '../../../src/net/fake/index.js';
import { Iptables } from '../../../src/net/packetfilter/iptables.js';
import { planRuleSet } from '../../../src/net/packetfilter/iptables-rules.js';
import { parseSave } from '../../../src/net/packetfilter/iptables-save.js';

const clusterIps = Array.from({ length: 8 }, (_, i) => `169.254.0.${i + 1}`);
const intent: GlobalnetIntent = {
  ...emptyIntent(),
  remoteCidrs: ['169.254.32.0/19'],
  clusterEgress: { sources: ['10.244.0.0/16', '10.96.0.0/12'], ips: clusterIps },
  podEgress: [{ set: 'SM-GN-PODSET', ips: ['169.254.0.20'] }],
  namespaceEgress: [{ set: 'SM-GN-NSSET', ips: ['169.254.0.10', '169.254.0.11'] }],
  services: [
    {
      globalIp: '169.254.0.12',
      clusterIp: '10.96.0.50',
      ports: [
        { proto: 'tcp', port: 80, kubeProxyChain: 'KUBE-SVC-ABC' },
        { proto: 'udp', port: 53 },
      ],
    },
  ],
  headlessPods: [{ globalIp: '169.254.0.13', ip: '10.244.1.5' }],
  gateway: { globalIp: '169.254.0.9', cniIp: '10.244.0.1' },
};

/** A gateway node where the route agent and kube-proxy have written their chains. */
const NODE = '*nat\n:SUBMARINER-POSTROUTING - [0:0]\n:KUBE-SVC-ABC - [0:0]\n-A POSTROUTING -j SUBMARINER-POSTROUTING\nCOMMIT\n';

void describe('GlobalNet rule planning', () => {
  void it('plans every chain in one nat batch: DNAT and the jump into kube-proxy, MARK, SNAT by set, address and CIDR (golden)', () => {
    assert.equal(
      planRuleSet(planRules(intent), parseSave(NODE)).get('nat'),
      `*nat
:SUBMARINER-GN-INGRESS - [0:0]
:SUBMARINER-GN-EGRESS - [0:0]
:SUBMARINER-GN-MARK - [0:0]
:SM-GN-EGRESS-PODS - [0:0]
:SM-GN-EGRESS-HDLS-PODS - [0:0]
:SM-GN-EGRESS-HDLS-EPS - [0:0]
:SM-GN-EGRESS-NS - [0:0]
:SM-GN-EGRESS-CLUSTER - [0:0]
-A SUBMARINER-GN-INGRESS -d 169.254.0.9/32 -p icmp -j DNAT --to-destination 10.244.0.1
-A SUBMARINER-GN-INGRESS -d 169.254.0.12/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-ABC
-A SUBMARINER-GN-INGRESS -d 169.254.0.12/32 -p udp -m udp --dport 53 -j DNAT --to-destination 10.96.0.50:53
-A SUBMARINER-GN-INGRESS -d 169.254.0.13/32 -j DNAT --to-destination 10.244.1.5
-A SUBMARINER-GN-EGRESS -j SUBMARINER-GN-MARK
-A SUBMARINER-GN-EGRESS -j SM-GN-EGRESS-PODS
-A SUBMARINER-GN-EGRESS -j SM-GN-EGRESS-HDLS-PODS
-A SUBMARINER-GN-EGRESS -j SM-GN-EGRESS-HDLS-EPS
-A SUBMARINER-GN-EGRESS -j SM-GN-EGRESS-NS
-A SUBMARINER-GN-EGRESS -j SM-GN-EGRESS-CLUSTER
-A SUBMARINER-GN-MARK -d 169.254.32.0/19 -j MARK --set-xmark 0xc0000/0xc0000
-A SM-GN-EGRESS-PODS -m mark --mark 0xc0000/0xc0000 -m set --match-set SM-GN-PODSET src -j SNAT --to-source 169.254.0.20
-A SM-GN-EGRESS-HDLS-PODS -s 10.244.1.5/32 -m mark --mark 0xc0000/0xc0000 -j SNAT --to-source 169.254.0.13
-A SM-GN-EGRESS-NS -m mark --mark 0xc0000/0xc0000 -m set --match-set SM-GN-NSSET src -j SNAT --to-source 169.254.0.10-169.254.0.11
-A SM-GN-EGRESS-CLUSTER -s 10.244.0.0/16 -m mark --mark 0xc0000/0xc0000 -j SNAT --to-source 169.254.0.1-169.254.0.8
-A SM-GN-EGRESS-CLUSTER -s 10.96.0.0/12 -m mark --mark 0xc0000/0xc0000 -j SNAT --to-source 169.254.0.1-169.254.0.8
-I PREROUTING 1 -j SUBMARINER-GN-INGRESS
-I SUBMARINER-POSTROUTING 1 -j SUBMARINER-GN-EGRESS
COMMIT
`,
    );
  });

  void it('orders the egress chains for precedence: pod selector > headless pod > namespace > cluster', () => {
    const egress = planRules(intent).chains.find((c) => c.name === chains.egress);
    assert.deepEqual(
      egress?.rules.map((r) => (r.action.type === 'jump' ? r.action.chain : '?')),
      ['SUBMARINER-GN-MARK', 'SM-GN-EGRESS-PODS', 'SM-GN-EGRESS-HDLS-PODS', 'SM-GN-EGRESS-HDLS-EPS', 'SM-GN-EGRESS-NS', 'SM-GN-EGRESS-CLUSTER'],
    );
  });

  void it('gives the same rules whatever order the objects came in', () => {
    const shuffled: GlobalnetIntent = {
      ...intent,
      services: [...intent.services, { globalIp: '169.254.0.3', clusterIp: '10.96.0.9', ports: [{ proto: 'tcp' as const, port: 443 }] }].reverse(),
      headlessPods: [{ globalIp: '169.254.0.30', ip: '10.244.2.2' }, ...intent.headlessPods],
      namespaceEgress: [{ set: 'SM-GN-ZZZ', ips: ['169.254.0.40'] }, ...intent.namespaceEgress],
    };
    const sorted: GlobalnetIntent = {
      ...shuffled,
      services: [...shuffled.services].reverse(),
      headlessPods: [...shuffled.headlessPods].reverse(),
      namespaceEgress: [...shuffled.namespaceEgress].reverse(),
    };
    assert.deepEqual(planRules(shuffled), planRules(sorted));
  });

  void it("keeps its jumps into kube-proxy's chains as its own rules: re-applying changes nothing, and a withdrawn Service's jump goes", async () => {
    const runner = new FakeRunner();
    const fake = new FakeIptables().install(runner);
    fake.load(NODE);
    const ipt = new Iptables(runner);
    assert.deepEqual(await ipt.apply(planRules(intent)), { changed: true });
    assert.deepEqual(await ipt.apply(planRules(intent)), { changed: false });
    await ipt.apply(planRules({ ...intent, services: [] }));
    assert.deepEqual(fake.rules('nat', chains.ingress), [
      ['-d', '169.254.0.9/32', '-p', 'icmp', '-j', 'DNAT', '--to-destination', '10.244.0.1'],
      ['-d', '169.254.0.13/32', '-j', 'DNAT', '--to-destination', '10.244.1.5'],
    ]);
  });

  void it('programs no SNAT for a cluster egress without addresses, and marks each remote CIDR once', () => {
    const set = planRules({ ...intent, clusterEgress: { sources: ['10.244.0.0/16'], ips: [] }, remoteCidrs: ['169.254.64.0/19', '169.254.32.0/19', '169.254.64.0/19'] });
    assert.deepEqual(set.chains.find((c) => c.name === chains.egressCluster)?.rules, []);
    assert.deepEqual(set.chains.find((c) => c.name === chains.mark)?.rules.map((r) => r.dst), ['169.254.32.0/19', '169.254.64.0/19']);
  });
});
