// GlobalNet's agent programming a real network namespace (needs root): the rules iptables-save shows,
// the ipsets, a restarted agent that writes nothing, and an uninstall that leaves nothing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { GlobalnetAgent } from '../../../src/globalnet/agent.js';
import type { GlobalnetConfig } from '../../../src/globalnet/config.js';
import { Dataplane } from '../../../src/globalnet/dataplane.js';
import { FakeGlobalnetKube } from '../../../src/globalnet/fake/kube.js';
import { GlobalIpGauges } from '../../../src/globalnet/metrics.js';
import { egressIpsetName, kubeProxyServiceChain } from '../../../src/globalnet/names.js';
import { MemoryLeaseStore } from '../../../src/kube/fake/lease-store.js';
import { LeaderElector } from '../../../src/kube/lease/elector.js';
import { jsonLogger } from '../../../src/base/log.js';
import { poll } from '../../../src/net/fake/index.js';
import { IpsetCommand } from '../../../src/net/ipset.js';
import { Iptables } from '../../../src/net/packetfilter/iptables.js';
import { planPacketFilter } from '../../../src/routeagent/handlers/kubeproxy/plan-packetfilter.js';
import { RecordingRunner } from '../../support/recording-runner.js';

const isRoot = process.getuid?.() === 0;
const ns = `gn-test-${randomBytes(4).toString('hex')}`;
const NODE = 'cluster1-gateway';
const SUB_NS = 'submariner-operator';
const log = jsonLogger('test', false, () => {});
const runner = new RecordingRunner();
const ipt = new Iptables(runner, { netns: ns });
const nginxChain = kubeProxyServiceChain('default', 'nginx', 'http', 'TCP');
const config: GlobalnetConfig = {
  namespace: SUB_NS,
  clusterId: 'cluster1',
  nodeName: NODE,
  podName: '',
  clusterCidrs: ['10.244.0.0/16'],
  serviceCidrs: ['10.96.0.0/12'],
  globalCidr: '169.254.0.0/19',
  metricsPort: 32781,
  uninstall: false,
  debug: false,
};

const kube = new FakeGlobalnetKube();
const lease = new MemoryLeaseStore();
const dataplane = (): Dataplane =>
  new Dataplane({ packetFilter: ipt, ipsets: new IpsetCommand(runner, { netns: ns }) });
const newAgent = (): GlobalnetAgent =>
  new GlobalnetAgent({
    config,
    watches: kube,
    dataplane: dataplane(),
    cniIp: '10.244.0.1',
    metrics: new GlobalIpGauges(),
    log,
    newElection: (callbacks) => new LeaderElector({ identity: NODE, store: lease, leaseDurationMs: 1000, renewDeadlineMs: 800, retryPeriodMs: 20, log, ...callbacks }),
  });

/** iptables-save without its dated comment lines. */
async function saved(): Promise<string> {
  const { stdout } = await runner.run('iptables-save', ['-t', 'nat'], { netns: ns });
  return stdout.split('\n').filter((l) => !l.startsWith('#')).join('\n');
}
const ipsetSave = async (): Promise<string> => (await runner.run('ipset', ['save'], { netns: ns })).stdout.replace(/ initval 0x[0-9a-f]+/g, '');

async function settle(agent: GlobalnetAgent): Promise<void> {
  await poll('the agent to lead', async () => ({ value: agent.leading || undefined, seen: agent.leading }), { timeoutMs: 5000 });
  for (let i = 0; i < 3; i++) {
    await agent.idle();
    await new Promise((r) => setTimeout(r, 10));
  }
}

const pod = (name: string, ip: string, labels: Record<string, string>): V1Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels },
  spec: { containers: [] },
  status: { phase: 'Running', podIP: ip },
});

void describe('GlobalNet rules in a network namespace (needs root)', { skip: isRoot ? false : 'needs root (network namespaces, iptables, ipset)' }, () => {
  let pristine = '';

  before(async () => {
    await runner.run('ip', ['netns', 'add', ns]);
    // The route agent's chains and kube-proxy's chain of default/nginx:http, as on a gateway node.
    await ipt.apply(planPacketFilter({ localCidrs: ['10.244.0.0/16', '10.96.0.0/12', '169.254.0.0/19'], remoteSubnets: ['169.254.32.0/19'], cniIp: '10.244.0.1' }));
    await runner.run('iptables-restore', ['--noflush'], { netns: ns, input: `*nat\n:${nginxChain} - [0:0]\n-A ${nginxChain} -p tcp -j DNAT --to-destination 10.244.1.30:80\nCOMMIT\n` });
    pristine = await saved();
    const k = kube.kube;
    kube.putCluster(SUB_NS, 'cluster2', '169.254.32.0/19');
    kube.putActiveGateway(SUB_NS, 'cluster1', NODE);
    k.pods.put(pod('client', '10.244.1.10', { app: 'client' }));
    k.pods.put(pod('web-0', '10.244.1.20', { app: 'web' }));
    k.egressIps.put({ apiVersion: 'submariner.io/v1', kind: 'GlobalEgressIP', metadata: { name: 'clients', namespace: 'default' }, spec: { podSelector: { matchLabels: { app: 'client' } } } });
    k.services.put({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'nginx', namespace: 'default' }, spec: { clusterIP: '10.96.0.50', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
    k.services.put({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ port: 80 }] } });
    for (const name of ['nginx', 'web']) k.serviceExports.put({ apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceExport', metadata: { name, namespace: 'default' } });
  });

  after(async () => {
    await runner.run('ip', ['netns', 'del', ns], { allowFailure: true });
  });

  void it('iptables-save shows every GN chain as Submariner lays them out, and the ipset holds the selected pod', async () => {
    const agent = newAgent();
    await agent.start();
    await settle(agent);
    await agent.stop();
    const k = kube.kube;
    const svcIp = k.ingressIps.get('nginx', 'default')?.status?.allocatedIP ?? '?';
    const podIp = k.ingressIps.get('pod-web-0', 'default')?.status?.allocatedIP ?? '?';
    const egressIp = k.egressIps.get('clients', 'default')?.status?.allocatedIPs?.[0] ?? '?';
    const gatewayIp = k.gateways.get(NODE, SUB_NS)?.metadata?.annotations?.['submariner.io/globalIp'] ?? '?';
    const set = egressIpsetName('default/clients');
    const text = (await saved()).split('\n');
    const mark = '-m mark --mark 0xc0000/0xc0000';
    const want = [
      '-A PREROUTING -j SUBMARINER-GN-INGRESS',
      '-A SUBMARINER-POSTROUTING -j SUBMARINER-GN-EGRESS',
      `-A SUBMARINER-GN-INGRESS -d ${gatewayIp}/32 -p icmp -j DNAT --to-destination 10.244.0.1`,
      `-A SUBMARINER-GN-INGRESS -d ${svcIp}/32 -p tcp -m tcp --dport 80 -j ${nginxChain}`,
      `-A SUBMARINER-GN-INGRESS -d ${podIp}/32 -j DNAT --to-destination 10.244.1.20`,
      '-A SUBMARINER-GN-MARK -d 169.254.32.0/19 -j MARK --set-xmark 0xc0000/0xc0000',
      `-A SM-GN-EGRESS-PODS ${mark} -m set --match-set ${set} src -j SNAT --to-source ${egressIp}`,
      `-A SM-GN-EGRESS-HDLS-PODS -s 10.244.1.20/32 ${mark} -j SNAT --to-source ${podIp}`,
      `-A SM-GN-EGRESS-CLUSTER -s 10.244.0.0/16 ${mark} -j SNAT --to-source 169.254.0.1-169.254.0.8`,
      `-A SM-GN-EGRESS-CLUSTER -s 10.96.0.0/12 ${mark} -j SNAT --to-source 169.254.0.1-169.254.0.8`,
    ];
    for (const line of want) assert.ok(text.includes(line), `${line}\nin\n${text.join('\n')}`);
    const egress = text.filter((l) => l.startsWith('-A SUBMARINER-GN-EGRESS '));
    assert.deepEqual(egress.map((l) => l.split(' -j ')[1]), ['SUBMARINER-GN-MARK', 'SM-GN-EGRESS-PODS', 'SM-GN-EGRESS-HDLS-PODS', 'SM-GN-EGRESS-HDLS-EPS', 'SM-GN-EGRESS-NS', 'SM-GN-EGRESS-CLUSTER']);
    assert.match(await ipsetSave(), new RegExp(`add ${set} 10\\.244\\.1\\.10\n`));
  });

  void it('a restarted agent writes nothing: iptables-save and the ipsets are byte-identical, no restore ran', async () => {
    const rules = await saved();
    const sets = await ipsetSave();
    const ran = runner.lines.length;
    const agent = newAgent();
    await agent.start();
    await settle(agent);
    await agent.stop();
    assert.deepEqual(runner.lines.slice(ran).filter((l) => /^(iptables-restore|ipset restore)/.test(l)), []);
    assert.ok(runner.lines.slice(ran).includes('ipset save'), 'the restarted agent did check the kernel');
    assert.equal(await saved(), rules);
    assert.equal(await ipsetSave(), sets);
  });

  void it('uninstall removes every GN chain, rule and ipset, and leaves the route agent and kube-proxy as they were', async () => {
    assert.deepEqual(await dataplane().uninstall(), { changed: true });
    assert.equal(await saved(), pristine);
    assert.equal(await ipsetSave(), '');
    assert.deepEqual(await dataplane().uninstall(), { changed: false });
  });
});
