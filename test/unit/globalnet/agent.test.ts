import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import type { ClusterGlobalEgressIP, GlobalEgressIP, GlobalIngressIP } from '../../../src/api/generated.js';
import { annotations, labels, wellKnown } from '../../../src/api/names.js';
import { GlobalnetAgent } from '../../../src/globalnet/agent.js';
import type { GlobalnetConfig } from '../../../src/globalnet/config.js';
import { chains } from '../../../src/globalnet/constants.js';
import { Dataplane } from '../../../src/globalnet/dataplane.js';
import { FakeGlobalnetKube } from '../../../src/globalnet/fake/kube.js';
import { GlobalIpGauges } from '../../../src/globalnet/metrics.js';
import { egressIpsetName, kubeProxyServiceChain } from '../../../src/globalnet/names.js';
import { MemoryLeaseStore } from '../../../src/kube/fake/lease-store.js';
import { LeaderElector } from '../../../src/kube/lease/elector.js';
import { jsonLogger } from '../../../src/base/log.js';
import { FakeIpset, FakeIptables, FakeRunner, poll } from '../../../src/net/fake/index.js';
import { IpsetCommand } from '../../../src/net/ipset.js';
import { Iptables } from '../../../src/net/packetfilter/iptables.js';

const NS = 'submariner-operator';
const NODE = 'cluster1-gateway';
const log = jsonLogger('test', false, () => {});
const config: GlobalnetConfig = {
  namespace: NS,
  clusterId: 'cluster1',
  nodeName: NODE,
  podName: 'submariner-globalnet-abc',
  clusterCidrs: ['10.244.0.0/16'],
  serviceCidrs: ['10.96.0.0/12'],
  globalCidr: undefined,
  metricsPort: 32781,
  uninstall: false,
  debug: false,
};
const MARK = ['-m', 'mark', '--mark', '0xc0000/0xc0000'];
const nginxChain = kubeProxyServiceChain('default', 'nginx', 'http', 'TCP');
/** A gateway node: the route agent's nat chain and kube-proxy's chain of default/nginx:http. */
const NODE_NAT = `*nat\n:SUBMARINER-POSTROUTING - [0:0]\n:${nginxChain} - [0:0]\n-A POSTROUTING -j SUBMARINER-POSTROUTING\nCOMMIT\n`;

const pod = (name: string, ip: string, podLabels: Record<string, string>, namespace = 'default'): V1Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels: podLabels },
  spec: { containers: [] },
  status: { phase: 'Running', podIP: ip },
});
const service = (name: string, spec: V1Service['spec']): V1Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec });
const exportOf = (name: string) => ({ apiVersion: 'multicluster.x-k8s.io/v1beta1' as const, kind: 'ServiceExport' as const, metadata: { name, namespace: 'default' } });
const egressIp = (name: string, spec: GlobalEgressIP['spec'], namespace = 'default'): GlobalEgressIP => ({ apiVersion: 'submariner.io/v1', kind: 'GlobalEgressIP', metadata: { name, namespace }, spec });

interface Harness {
  kube: FakeGlobalnetKube;
  runner: FakeRunner;
  iptables: FakeIptables;
  ipsets: FakeIpset;
  lease: MemoryLeaseStore;
  agent: GlobalnetAgent;
  gauges: GlobalIpGauges;
}

type NewElection = ConstructorParameters<typeof GlobalnetAgent>[0]['newElection'];

function newAgent(h: Omit<Harness, 'agent' | 'gauges'>, election?: NewElection): { agent: GlobalnetAgent; gauges: GlobalIpGauges } {
  const ipt = new Iptables(h.runner);
  const gauges = new GlobalIpGauges();
  const agent = new GlobalnetAgent({
    config,
    watches: h.kube,
    dataplane: new Dataplane({ packetFilter: ipt, ipsets: new IpsetCommand(h.runner) }),
    cniIp: '10.244.0.1',
    metrics: gauges,
    log,
    pendingRetryMs: 20,
    newElection:
      election ??
      ((callbacks) =>
        new LeaderElector({ identity: `${NODE}-submariner-globalnet`, store: h.lease, leaseDurationMs: 1000, renewDeadlineMs: 800, retryPeriodMs: 20, log, ...callbacks })),
  });
  return { agent, gauges };
}

/** A cluster whose gateway runs on this node, with one remote cluster; GlobalCIDR /27 (30 addresses). */
async function startCluster(election?: NewElection): Promise<Harness> {
  const kube = new FakeGlobalnetKube();
  const runner = new FakeRunner();
  const iptables = new FakeIptables().install(runner);
  iptables.load(NODE_NAT);
  const ipsets = new FakeIpset().install(runner);
  ipsets.inUse = (name) => iptables.saveText('nat').includes(` ${name} `);
  kube.putCluster(NS, 'cluster1', '169.254.0.0/27');
  kube.putCluster(NS, 'cluster2', '169.254.32.0/19');
  kube.putActiveGateway(NS, 'cluster1', NODE);
  const base = { kube, runner, iptables, ipsets, lease: new MemoryLeaseStore() };
  const { agent, gauges } = newAgent(base, election);
  const h = { ...base, agent, gauges };
  await agent.start();
  await leading(h);
  return h;
}

async function stoppedLeading(h: Harness): Promise<void> {
  await poll('the agent to stop leading', async () => ({ value: h.agent.leading ? undefined : true, seen: h.agent.leading }), { timeoutMs: 3000 });
}

async function leading(h: Harness): Promise<void> {
  await poll('the agent to lead', async () => ({ value: h.agent.leading || undefined, seen: h.agent.leading }), { timeoutMs: 3000 });
  await settle(h);
}

/** Lets watch events, reconciles and programming run out. */
async function settle(h: Harness): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await h.agent.idle();
    await new Promise((r) => setTimeout(r, 5));
  }
}

const nat = (h: Harness, chain: string): string[][] | undefined => h.iptables.rules('nat', chain);
/** The lines of the nat table that are GlobalNet's: its chains and the jumps into them. */
const globalnetRules = (h: Harness): string[] => h.iptables.saveText('nat').split('\n').filter((l) => /SUBMARINER-GN|SM-GN/.test(l));
const clusterEgress = (h: Harness): ClusterGlobalEgressIP | undefined => h.kube.kube.clusterEgressIps.get(wellKnown.clusterEgressIP);
const allocatedCondition = (o: { status?: { conditions?: { type: string; status: string; reason: string }[] } } | undefined) => {
  const c = o?.status?.conditions?.find((x) => x.type === 'Allocated');
  return c && { status: c.status, reason: c.reason };
};

void describe('the GlobalNet agent on the active gateway', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startCluster();
  });
  afterEach(async () => {
    await h.agent.stop();
  });

  void it('creates the cluster egress object with 8 IPs, SNATs the pod and service CIDRs to them, marks traffic to remote global CIDRs', () => {
    const cge = clusterEgress(h);
    assert.equal(cge?.spec?.numGlobalIPs, 8);
    assert.deepEqual(cge?.status?.allocatedIPs, Array.from({ length: 8 }, (_, i) => `169.254.0.${i + 1}`));
    assert.deepEqual(allocatedCondition(cge), { status: 'True', reason: 'Success' });
    assert.deepEqual(nat(h, chains.egressCluster), [
      ['-s', '10.244.0.0/16', ...MARK, '-j', 'SNAT', '--to-source', '169.254.0.1-169.254.0.8'],
      ['-s', '10.96.0.0/12', ...MARK, '-j', 'SNAT', '--to-source', '169.254.0.1-169.254.0.8'],
    ]);
    assert.deepEqual(nat(h, chains.mark), [['-d', '169.254.32.0/19', '-j', 'MARK', '--set-xmark', '0xc0000/0xc0000']]);
    assert.deepEqual(nat(h, 'PREROUTING'), [['-j', chains.ingress]]);
    assert.deepEqual(nat(h, 'SUBMARINER-POSTROUTING'), [['-j', chains.egress]]);
    assert.ok(h.gauges.text().includes('submariner_global_IP_allocated{cidr="169.254.0.0/27"} 9'), h.gauges.text());
  });

  void it("gives the gateway a global IP, annotated on its Gateway and DNATed for ICMP to the node's CNI address", () => {
    const gip = h.kube.kube.gateways.get(NODE, NS)?.metadata?.annotations?.[annotations.globalIp];
    assert.equal(gip, '169.254.0.9');
    assert.deepEqual(nat(h, chains.ingress), [['-d', '169.254.0.9/32', '-p', 'icmp', '-j', 'DNAT', '--to-destination', '10.244.0.1']]);
  });

  void it('refuses ClusterGlobalEgressIPs of other names (InvalidInstance) and programs nothing for them', async () => {
    const other: ClusterGlobalEgressIP = { apiVersion: 'submariner.io/v1', kind: 'ClusterGlobalEgressIP', metadata: { name: 'mine' }, spec: { numGlobalIPs: 2 } };
    const before = h.iptables.saveText('nat');
    h.kube.kube.clusterEgressIps.put(other);
    await settle(h);
    const got = h.kube.kube.clusterEgressIps.get('mine');
    assert.deepEqual(allocatedCondition(got), { status: 'False', reason: 'InvalidInstance' });
    assert.equal(got?.status?.allocatedIPs, undefined);
    assert.equal(h.iptables.saveText('nat'), before);
  });

  void it('SNATs a namespace GlobalEgressIP and a pod-selector one through ipsets, the pod selector first', async () => {
    const k = h.kube.kube;
    k.pods.put(pod('client', '10.244.1.10', { app: 'client' }));
    k.pods.put(pod('other', '10.244.1.11', { app: 'other' }));
    k.pods.put({ ...pod('host', '172.20.0.3', { app: 'client' }), spec: { containers: [], hostNetwork: true } });
    k.egressIps.put(egressIp('ns-wide', {}));
    k.egressIps.put(egressIp('clients', { numberOfIPs: 2, podSelector: { matchLabels: { app: 'client' } } }));
    await settle(h);
    const ns = k.egressIps.get('ns-wide', 'default');
    const clients = k.egressIps.get('clients', 'default');
    assert.deepEqual(allocatedCondition(ns), { status: 'True', reason: 'Success' });
    assert.deepEqual(clients?.status?.allocatedIPs?.length, 2);
    const nsSet = egressIpsetName('default/ns-wide');
    const podSet = egressIpsetName('default/clients');
    assert.deepEqual(h.ipsets.members(nsSet), ['10.244.1.10', '10.244.1.11']);
    assert.deepEqual(h.ipsets.members(podSet), ['10.244.1.10'], 'host-network pods are not in the set');
    assert.deepEqual(nat(h, chains.egressPods), [[...MARK, '-m', 'set', '--match-set', podSet, 'src', '-j', 'SNAT', '--to-source', (clients?.status?.allocatedIPs ?? []).join('-')]]);
    assert.deepEqual(nat(h, chains.egressNamespace), [[...MARK, '-m', 'set', '--match-set', nsSet, 'src', '-j', 'SNAT', '--to-source', ns?.status?.allocatedIPs?.[0] ?? '']]);
    const order = (nat(h, chains.egress) ?? []).map((r) => r.at(-1));
    assert.ok(order.indexOf(chains.egressPods) < order.indexOf(chains.egressNamespace), 'the pod selector wins over the namespace');

    // A new pod joins the set; a deleted GlobalEgressIP takes its set and rule along.
    k.pods.put(pod('client2', '10.244.1.12', { app: 'client' }));
    await settle(h);
    assert.deepEqual(h.ipsets.members(podSet), ['10.244.1.10', '10.244.1.12']);
    k.egressIps.remove('clients', 'default');
    await settle(h);
    assert.deepEqual(nat(h, chains.egressPods), []);
    assert.equal(h.ipsets.members(podSet), undefined);
  });

  void it('answers 0, 21 and more IPs than remain with the right condition and no rules', async () => {
    const k = h.kube.kube;
    k.egressIps.put(egressIp('zero', { numberOfIPs: 0 }));
    k.egressIps.put(egressIp('many', { numberOfIPs: 21 }));
    k.egressIps.put(egressIp('bad-selector', { podSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } }));
    await settle(h);
    assert.deepEqual(allocatedCondition(k.egressIps.get('zero', 'default')), { status: 'False', reason: 'ZeroInput' });
    assert.deepEqual(allocatedCondition(k.egressIps.get('many', 'default')), { status: 'False', reason: 'InvalidInput' });
    assert.deepEqual(allocatedCondition(k.egressIps.get('bad-selector', 'default')), { status: 'False', reason: 'InvalidInput' });
    // 30 addresses: 8 for the cluster, 1 for the gateway, 20 here, 1 left.
    k.egressIps.put(egressIp('twenty', { numberOfIPs: 20 }));
    await settle(h);
    assert.deepEqual(allocatedCondition(k.egressIps.get('twenty', 'default')), { status: 'True', reason: 'Success' });
    k.egressIps.put(egressIp('two', { numberOfIPs: 2 }));
    await settle(h);
    const two = k.egressIps.get('two', 'default');
    assert.deepEqual(allocatedCondition(two), { status: 'False', reason: 'IPPoolAllocationFailed' });
    assert.equal(two?.status?.allocatedIPs, undefined);
    assert.deepEqual(nat(h, chains.egressNamespace)?.length, 1, 'only the allocated object has a rule');
    assert.deepEqual(h.ipsets.names(), [egressIpsetName('default/twenty')]);
    // Releasing the 20 lets the 2 through.
    k.egressIps.remove('twenty', 'default');
    k.egressIps.put({ ...two!, spec: { numberOfIPs: 2 }, metadata: { ...two!.metadata, labels: { retry: 'yes' } } });
    await settle(h);
    assert.deepEqual(allocatedCondition(k.egressIps.get('two', 'default')), { status: 'True', reason: 'Success' });
  });

  void it('gives an exported ClusterIP Service a GlobalIngressIP entering kube-proxy\'s chain, and withdraws both with the Service', async () => {
    const k = h.kube.kube;
    k.services.put(service('nginx', { type: 'ClusterIP', clusterIP: '10.96.0.50', ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }] }));
    k.serviceExports.put(exportOf('nginx'));
    await settle(h);
    const giip = k.ingressIps.get('nginx', 'default');
    assert.equal(giip?.spec.target, 'ClusterIPService');
    assert.equal(giip?.spec.serviceRef?.name, 'nginx');
    assert.deepEqual(allocatedCondition(giip), { status: 'True', reason: 'Success' });
    const ip = giip?.status?.allocatedIP ?? '';
    assert.match(ip, /^169\.254\.0\.\d+$/);
    assert.deepEqual(nat(h, chains.ingress)?.slice(1), [
      ['-d', `${ip}/32`, '-p', 'tcp', '-m', 'tcp', '--dport', '80', '-j', nginxChain],
      ['-d', `${ip}/32`, '-p', 'udp', '-m', 'udp', '--dport', '53', '-j', 'DNAT', '--to-destination', '10.96.0.50:53'],
    ]);
    k.services.remove('nginx', 'default');
    await settle(h);
    assert.equal(k.ingressIps.get('nginx', 'default'), undefined);
    assert.equal(nat(h, chains.ingress)?.length, 1, 'only the gateway rule is left');
    assert.ok(h.gauges.text().includes('submariner_global_IP_allocated{cidr="169.254.0.0/27"} 9'), 'the IP went back to the pool');
  });

  void it('gives each backing pod of an exported headless Service a global IP: DNAT to the pod, and the pod leaves as it', async () => {
    const k = h.kube.kube;
    k.pods.put(pod('web-0', '10.244.1.20', { app: 'web' }));
    k.pods.put(pod('web-1', '10.244.2.21', { app: 'web' }));
    k.services.put(service('web', { type: 'ClusterIP', clusterIP: 'None', selector: { app: 'web' }, ports: [{ port: 80 }] }));
    k.serviceExports.put(exportOf('web'));
    await settle(h);
    const giips = k.ingressIps.list('default').filter((g) => g.metadata?.labels?.[labels.serviceRef] === 'web');
    assert.deepEqual(giips.map((g) => g.metadata?.name).sort(), ['pod-web-0', 'pod-web-1']);
    const web0 = k.ingressIps.get('pod-web-0', 'default') as GlobalIngressIP;
    assert.equal(web0.spec.target, 'HeadlessServicePod');
    assert.equal(web0.metadata.annotations?.[annotations.headlessServicePodIp], '10.244.1.20');
    const ip0 = web0.status?.allocatedIP ?? '';
    assert.ok(nat(h, chains.ingress)?.some((r) => r.join(' ') === `-d ${ip0}/32 -j DNAT --to-destination 10.244.1.20`));
    assert.ok(nat(h, chains.egressHeadlessPods)?.some((r) => r.join(' ') === `-s 10.244.1.20/32 ${MARK.join(' ')} -j SNAT --to-source ${ip0}`));
    k.pods.remove('web-1', 'default');
    await settle(h);
    assert.equal(k.ingressIps.get('pod-web-1', 'default'), undefined);
    assert.equal(nat(h, chains.egressHeadlessPods)?.length, 1);
  });

  void it('reprograms nothing after a restart: same iptables-save and ipsets, no restore, no API write, the same allocations', async () => {
    const k = h.kube.kube;
    k.pods.put(pod('client', '10.244.1.10', { app: 'client' }));
    k.egressIps.put(egressIp('clients', { podSelector: { matchLabels: { app: 'client' } } }));
    k.services.put(service('nginx', { clusterIP: '10.96.0.50', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }));
    k.serviceExports.put(exportOf('nginx'));
    await settle(h);
    const rules = h.iptables.saveText('nat');
    const sets = h.ipsets.saveText();
    const ips = k.ingressIps.get('nginx', 'default')?.status?.allocatedIP;
    await h.agent.stop();
    assert.equal(h.iptables.saveText('nat'), rules, 'stopping keeps the rules');

    const writes = h.kube.writes();
    const kernelWrites = /^(iptables-restore|ipset restore)/;
    const restoresBefore = h.runner.callsTo(kernelWrites).length;
    h = { ...h, ...newAgent(h) };
    await h.agent.start();
    await leading(h);
    assert.equal(h.iptables.saveText('nat'), rules);
    assert.equal(h.ipsets.saveText(), sets);
    assert.equal(h.runner.callsTo(kernelWrites).length, restoresBefore, 'nothing was written to the kernel');
    assert.equal(h.kube.writes(), writes, 'nothing was written to the API');
    assert.equal(k.ingressIps.get('nginx', 'default')?.status?.allocatedIP, ips);
  });

  void it('a restarted agent leads only once every watch has listed, so it takes no rule of an object not yet listed off the node', async () => {
    const k = h.kube.kube;
    k.services.put(service('nginx', { clusterIP: '10.96.0.50', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }));
    k.serviceExports.put(exportOf('nginx'));
    await settle(h);
    const rules = h.iptables.saveText('nat');
    assert.match(rules, new RegExp(`-j ${nginxChain}`));
    await h.agent.stop();

    // The Endpoint naming this node has been listed, the GlobalIngressIPs not yet.
    h.kube.startListing();
    const restoresBefore = h.runner.callsTo(/^iptables-restore/).length;
    h = { ...h, ...newAgent(h) };
    await h.agent.start();
    h.kube.putActiveGateway(NS, 'cluster1', NODE);
    await settle(h);
    assert.equal(h.agent.leading, false, 'no leader before the lists are in');
    assert.equal(h.iptables.saveText('nat'), rules);
    h.kube.finishListing();
    await leading(h);
    assert.equal(h.iptables.saveText('nat'), rules);
    assert.equal(h.runner.callsTo(/^iptables-restore/).length, restoresBefore, 'nothing was written to the kernel');
  });

  void it('removes its rules and leaves the election when the active gateway moves to another node', async () => {
    h.kube.putActiveGateway(NS, 'cluster1', 'cluster1-gateway2');
    await stoppedLeading(h);
    await settle(h);
    assert.equal(nat(h, chains.ingress), undefined);
    assert.deepEqual(nat(h, 'SUBMARINER-POSTROUTING'), []);
    assert.equal(h.lease.peek()?.holderIdentity, '', 'the lease is released for the new gateway');
  });

  void it('leaves no rules when the gateway moves while it is programming them', async () => {
    // The old gateway writes its Gateway's status as it steps down: GlobalNet programs again, and its `ipset save`
    // is still running when the Endpoint naming another node arrives.
    let entered!: () => void;
    let release!: () => void;
    const inFlight = new Promise<void>((r) => (entered = r));
    const held = new Promise<void>((r) => (release = r));
    let hold = true;
    h.runner.on(/^ipset save$/, async (call) => {
      if (hold) {
        hold = false;
        entered();
        await held;
      }
      return { stdout: h.ipsets.saveText(call.netns) };
    });
    const gw = h.kube.kube.gateways.get(NODE, NS);
    assert.ok(gw);
    h.kube.kube.gateways.put({ ...gw, metadata: { ...gw.metadata, annotations: { ...gw.metadata?.annotations, 'submariner.io/update-timestamp': '1' } } });
    await inFlight;
    h.kube.putActiveGateway(NS, 'cluster1', 'cluster1-gateway2');
    await new Promise((r) => setTimeout(r, 50));
    release();
    await stoppedLeading(h);
    await settle(h);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(globalnetRules(h), []);
  });

  void it('tries again to remove its rules when the first removal fails', async () => {
    h.runner.failOn(/^iptables-restore/, { stderr: 'iptables-restore: line 3 failed' }, { once: true });
    h.kube.putActiveGateway(NS, 'cluster1', 'cluster1-gateway2');
    await stoppedLeading(h);
    await poll('the rules to be gone', async () => {
      const left = globalnetRules(h);
      return { value: left.length === 0 || undefined, seen: left };
    }, { timeoutMs: 3000 });
  });

  void it('uninstall removes every chain, rule and ipset', async () => {
    const k = h.kube.kube;
    k.pods.put(pod('client', '10.244.1.10', { app: 'client' }));
    k.egressIps.put(egressIp('ns-wide', {}));
    await settle(h);
    await h.agent.stop();
    const ipt = new Iptables(h.runner);
    const dataplane = new Dataplane({ packetFilter: ipt, ipsets: new IpsetCommand(h.runner) });
    assert.deepEqual(await dataplane.uninstall(), { changed: true });
    assert.equal(h.iptables.saveText('nat'), (() => {
      const clean = new FakeIptables();
      clean.load(NODE_NAT);
      return clean.saveText('nat');
    })());
    assert.deepEqual(h.ipsets.names(), []);
    assert.deepEqual(await dataplane.uninstall(), { changed: false });
  });
});

/** An election that leads at once, with a lease the test takes away and gives back (as the elector's own clock sees it). */
const heldBy =
  (lease: { fresh: boolean }): NewElection =>
  (callbacks) => ({
    start: async () => callbacks.onStartedLeading(),
    stop: async () => callbacks.onStoppedLeading(),
    get holdsLease() {
      return lease.fresh;
    },
  });

void describe('the GlobalNet leader behind its fence', () => {
  void it('writes nothing while its lease is past the renew deadline (as when paused), and catches up once it renews', async () => {
    const lease = { fresh: true };
    const h = await startCluster(heldBy(lease));
    try {
      const k = h.kube.kube;
      lease.fresh = false;
      k.egressIps.put(egressIp('while-fenced', {}));
      await settle(h);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(k.egressIps.get('while-fenced', 'default')?.status, undefined, 'no status written behind the fence');
      lease.fresh = true;
      await poll('the allocation once renewed', async () => {
        const c = allocatedCondition(k.egressIps.get('while-fenced', 'default'));
        return { value: c?.status === 'True' || undefined, seen: c };
      }, { timeoutMs: 5000 });
    } finally {
      await h.agent.stop();
    }
  });

  void it('creates the default ClusterGlobalEgressIP once renewed when the term starts behind the fence', async () => {
    const lease = { fresh: false };
    const h = await startCluster(heldBy(lease));
    try {
      assert.equal(clusterEgress(h), undefined, 'nothing created behind the fence');
      lease.fresh = true;
      await poll('the default ClusterGlobalEgressIP, allocated', async () => {
        const c = allocatedCondition(clusterEgress(h));
        return { value: c?.status === 'True' || undefined, seen: c };
      }, { timeoutMs: 5000 });
      assert.equal(clusterEgress(h)?.status?.allocatedIPs?.length, 8);
    } finally {
      await h.agent.stop();
    }
  });
});
