import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1EndpointSlice } from '@kubernetes/client-node';
import type { ServiceImport } from '../../../../src/api/generated.js';
import { FakeIptables, FakeRunner } from '../../../../src/net/fake/index.js';
import { Iptables } from '../../../../src/net/packetfilter/iptables.js';
import { planRuleSet, probability } from '../../../../src/net/packetfilter/iptables-rules.js';
import { parseSave } from '../../../../src/net/packetfilter/iptables-save.js';
import { csipOwner, planClustersetIpRules } from '../../../../src/routeagent/clusterset-ip/plan.js';
import { vipServices, type VipService } from '../../../../src/routeagent/clusterset-ip/services.js';

const lh = 'lighthouse-agent.submariner.io';

function serviceImport(name: string, spec: Partial<ServiceImport['spec']> = {}): ServiceImport {
  return {
    apiVersion: 'multicluster.x-k8s.io/v1beta1',
    kind: 'ServiceImport',
    metadata: { name, namespace: 'shop', labels: { 'app.kubernetes.io/managed-by': lh } },
    spec: { type: 'ClusterSetIP', ips: ['243.0.0.1'], ports: [{ name: 'http', protocol: 'TCP', port: 80 }], ...spec },
  };
}

function slice(name: string, cluster: string, endpoints: [string, boolean][], o: { pods?: boolean; port?: number; service?: string } = {}): V1EndpointSlice {
  return {
    metadata: {
      name,
      namespace: 'shop',
      labels: {
        'endpointslice.kubernetes.io/managed-by': lh,
        'multicluster.kubernetes.io/service-name': o.service ?? 'web',
        'multicluster.kubernetes.io/source-cluster': cluster,
        'lighthouse.submariner.io/sourceNamespace': 'shop',
        'lighthouse.submariner.io/is-headless': 'false',
        ...(o.pods ? { 'lighthouse.submariner.io/pod-endpoints': 'true' } : {}),
      },
    },
    addressType: 'IPv4',
    endpoints: endpoints.map(([address, ready]) => ({ addresses: [address], conditions: { ready } })),
    ports: [{ name: 'http', protocol: 'TCP', port: o.port ?? 80 }],
  };
}

describe('clusterset IP services from the imports', () => {
  it('balances over the ready pods of every cluster, the local cluster first, at their target ports', () => {
    const services = vipServices(
      [serviceImport('web')],
      [
        slice('web-shop-cluster2', 'cluster2', [['10.142.0.9', true]]),
        slice('web-abc-shop-cluster2', 'cluster2', [['10.242.1.5', true], ['10.242.1.6', false]], { pods: true, port: 8080 }),
        slice('web-shop-cluster1', 'cluster1', [['10.141.0.9', true]]),
        slice('web-xyz-shop-cluster1', 'cluster1', [['10.241.0.5', true]], { pods: true, port: 8080 }),
      ],
      'cluster1',
    );
    assert.deepEqual(services, [{ namespace: 'shop', name: 'web', vip: '243.0.0.1', ports: [{ name: 'http', protocol: 'TCP', port: 80, backends: ['10.241.0.5:8080', '10.242.1.5:8080'] }] }]);
  });

  it('uses a cluster\'s service address where it publishes no pods (GlobalNet), and leaves out unready ones', () => {
    const services = vipServices(
      [serviceImport('web', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } })],
      [slice('web-shop-cluster2', 'cluster2', [['242.0.8.3', true]]), slice('web-shop-cluster3', 'cluster3', [['242.0.16.3', false]])],
      'cluster1',
    );
    assert.deepEqual(services[0]?.ports[0]?.backends, ['242.0.8.3:80']);
    assert.equal(services[0]?.affinitySeconds, 60);
  });

  it('skips a member\'s export held by a broker in this cluster, and the broker\'s copies of slices', () => {
    const brokerCopy: ServiceImport = { ...serviceImport('web-shop-cluster2'), metadata: { name: 'web-shop-cluster2', namespace: 'submariner-k8s-broker' } };
    const slices = [slice('web-x', 'cluster2', [['10.242.1.5', true]], { pods: true })];
    slices[0]!.metadata!.namespace = 'submariner-k8s-broker';
    assert.deepEqual(vipServices([brokerCopy, serviceImport('web')], slices, 'cluster1'), [{ namespace: 'shop', name: 'web', vip: '243.0.0.1', ports: [{ name: 'http', protocol: 'TCP', port: 80, backends: [] }] }]);
  });

  it('skips imports without a clusterset IP, headless imports, and slices of other services', () => {
    const services = vipServices(
      [serviceImport('web', { ips: [] }), serviceImport('db', { type: 'Headless', ips: [] }), serviceImport('api')],
      [slice('web-x', 'cluster2', [['10.242.1.5', true]], { pods: true })],
      'cluster1',
    );
    assert.deepEqual(services, [{ namespace: 'shop', name: 'api', vip: '243.0.0.1', ports: [{ name: 'http', protocol: 'TCP', port: 80, backends: [] }] }]);
  });
});

const web: VipService = { namespace: 'shop', name: 'web', vip: '243.0.0.1', ports: [{ name: 'http', protocol: 'TCP', port: 80, backends: ['10.241.0.5:8080', '10.242.1.5:8080', '10.242.1.6:8080'] }] };

describe('clusterset IP rule planning (golden)', () => {
  it('probabilities are printed as iptables-save prints them', () => {
    assert.equal(probability(1 / 3), '0.33333333349');
    assert.equal(probability(1 / 2), '0.50000000000');
  });

  it('one nat batch: hooks appended, the VIP port to its service chain, equal random shares, DNAT per backend, hairpin masquerade', () => {
    const sctp: VipService = { namespace: 'shop', name: 'sig', vip: '243.0.0.2', ports: [{ name: 'stcp', protocol: 'SCTP', port: 142, backends: ['10.242.1.7:142'] }, { name: 'none', protocol: 'UDP', port: 53, backends: [] }] };
    const plan = planRuleSet(planClustersetIpRules([web, sctp]), new Map());
    assert.deepEqual([...plan.keys()], ['nat']);
    assert.equal(
      plan.get('nat'),
      `*nat
:SUBMARINER-CSIP-PREROUTING - [0:0]
:SUBMARINER-CSIP-OUTPUT - [0:0]
:SUBMARINER-CSIP-SERVICES - [0:0]
:SUBMARINER-CSIP-POSTROUTING - [0:0]
:SUBMARINER-CSIP-SVC-VQFSO5MW - [0:0]
:SUBMARINER-CSIP-SVC-6QT37QDJ - [0:0]
-A SUBMARINER-CSIP-PREROUTING -j SUBMARINER-CSIP-SERVICES
-A SUBMARINER-CSIP-OUTPUT -j SUBMARINER-CSIP-SERVICES
-A SUBMARINER-CSIP-SERVICES -d 243.0.0.1/32 -p tcp -m tcp --dport 80 -m comment --comment shop/web:http -j SUBMARINER-CSIP-SVC-VQFSO5MW
-A SUBMARINER-CSIP-SERVICES -d 243.0.0.2/32 -p sctp -m sctp --dport 142 -m comment --comment shop/sig:stcp -j SUBMARINER-CSIP-SVC-6QT37QDJ
-A SUBMARINER-CSIP-POSTROUTING -m mark --mark 0x2000/0x2000 -j MASQUERADE
-A SUBMARINER-CSIP-SVC-VQFSO5MW -s 10.241.0.5/32 -m comment --comment shop/web:http -j MARK --set-xmark 0x2000/0x2000
-A SUBMARINER-CSIP-SVC-VQFSO5MW -s 10.242.1.5/32 -m comment --comment shop/web:http -j MARK --set-xmark 0x2000/0x2000
-A SUBMARINER-CSIP-SVC-VQFSO5MW -s 10.242.1.6/32 -m comment --comment shop/web:http -j MARK --set-xmark 0x2000/0x2000
-A SUBMARINER-CSIP-SVC-VQFSO5MW -p tcp -m comment --comment shop/web:http -m statistic --mode random --probability 0.33333333349 -j DNAT --to-destination 10.241.0.5:8080
-A SUBMARINER-CSIP-SVC-VQFSO5MW -p tcp -m comment --comment shop/web:http -m statistic --mode random --probability 0.50000000000 -j DNAT --to-destination 10.242.1.5:8080
-A SUBMARINER-CSIP-SVC-VQFSO5MW -p tcp -m comment --comment shop/web:http -j DNAT --to-destination 10.242.1.6:8080
-A SUBMARINER-CSIP-SVC-6QT37QDJ -s 10.242.1.7/32 -m comment --comment shop/sig:stcp -j MARK --set-xmark 0x2000/0x2000
-A SUBMARINER-CSIP-SVC-6QT37QDJ -p sctp -m comment --comment shop/sig:stcp -j DNAT --to-destination 10.242.1.7:142
-A PREROUTING -j SUBMARINER-CSIP-PREROUTING
-A OUTPUT -j SUBMARINER-CSIP-OUTPUT
-A POSTROUTING -j SUBMARINER-CSIP-POSTROUTING
COMMIT
`,
    );
  });

  it('ClientIP affinity: the backend a client used within the timeout first (remembered again), each pick remembered', () => {
    const rules = planRuleSet(planClustersetIpRules([{ ...web, affinitySeconds: 60, ports: [{ ...web.ports[0]!, backends: ['10.241.0.5:8080', '10.242.1.5:8080'] }] }]), new Map()).get('nat') ?? '';
    const picks = rules.split('\n').filter((l) => l.startsWith('-A SUBMARINER-CSIP-SVC-') && l.includes('DNAT'));
    assert.deepEqual(
      picks.map((l) => l.replace(/SUBMARINER-CSIP-SVC-\w+/, 'SVC').replace(/CSIP-\w{8}/g, 'LIST')),
      [
        '-A SVC -p tcp -m comment --comment shop/web:http -m recent --rcheck --seconds 60 --reap --name LIST --mask 255.255.255.255 --rsource -m recent --set --name LIST --mask 255.255.255.255 --rsource -j DNAT --to-destination 10.241.0.5:8080',
        '-A SVC -p tcp -m comment --comment shop/web:http -m recent --rcheck --seconds 60 --reap --name LIST --mask 255.255.255.255 --rsource -m recent --set --name LIST --mask 255.255.255.255 --rsource -j DNAT --to-destination 10.242.1.5:8080',
        '-A SVC -p tcp -m comment --comment shop/web:http -m statistic --mode random --probability 0.50000000000 -m recent --set --name LIST --mask 255.255.255.255 --rsource -j DNAT --to-destination 10.241.0.5:8080',
        '-A SVC -p tcp -m comment --comment shop/web:http -m recent --set --name LIST --mask 255.255.255.255 --rsource -j DNAT --to-destination 10.242.1.5:8080',
      ],
    );
    const lists = picks.map((l) => /--name (CSIP-\w+)/.exec(l)?.[1]);
    assert.equal(lists[0], lists[2], 'one list per backend, checked and set alike');
    assert.notEqual(lists[0], lists[1]);
  });

  it('a backend that goes away leaves the rotation, a service gone takes its chain; applying the same plan twice writes nothing the second time; uninstall removes every chain', async () => {
    const runner = new FakeRunner();
    const fake = new FakeIptables().install(runner);
    fake.load('*nat\n:KUBE-SERVICES - [0:0]\n-A PREROUTING -j KUBE-SERVICES\nCOMMIT\n');
    const ipt = new Iptables(runner);
    await ipt.apply(planClustersetIpRules([web]));
    assert.equal((await ipt.apply(planClustersetIpRules([web]))).changed, false);
    const fewer: VipService = { ...web, ports: [{ ...web.ports[0]!, backends: ['10.241.0.5:8080'] }] };
    await ipt.apply(planClustersetIpRules([fewer]));
    const svc = [...(parseSave(fake.saveText('nat')).get('nat') ?? [])].filter(([c]) => c.startsWith('SUBMARINER-CSIP-SVC-'));
    assert.deepEqual(svc.map(([, c]) => c.rules.filter((r) => r.includes('DNAT')).map((r) => r.at(-1))), [['10.241.0.5:8080']], 'only the remaining backend is picked');
    await ipt.apply(planClustersetIpRules([]));
    assert.doesNotMatch(fake.saveText('nat'), /SUBMARINER-CSIP-SVC-/, 'a service gone takes its chain with it');
    assert.match(fake.saveText('nat'), /-A PREROUTING -j KUBE-SERVICES\n-A PREROUTING -j SUBMARINER-CSIP-PREROUTING/, 'appended after kube-proxy');
    await ipt.remove(csipOwner);
    assert.doesNotMatch(fake.saveText('nat'), /CSIP/);
    assert.match(fake.saveText('nat'), /-A PREROUTING -j KUBE-SERVICES/);
  });
});
