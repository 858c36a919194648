// The GlobalNet agent against a real kube-apiserver (its watches, status writes, Gateway annotation and Lease) and
// a real network namespace (needs root): an exported Service gets a GlobalIngressIP and its DNAT into kube-proxy's
// chain, the cluster gets its default ClusterGlobalEgressIP and SNAT, and withdrawing the export withdraws both.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { ClusterGlobalEgressIPResource, EndpointResource, GatewayResource, GlobalIngressIPResource, ServiceExportResource, installCrds, type ResourceDescriptor } from '../../../src/api/index.js';
import { annotations, wellKnown } from '../../../src/api/names.js';
import { GlobalnetAgent } from '../../../src/globalnet/agent.js';
import type { GlobalnetConfig } from '../../../src/globalnet/config.js';
import { Dataplane } from '../../../src/globalnet/dataplane.js';
import { watchGlobalnet } from '../../../src/globalnet/kube.js';
import { GlobalIpGauges } from '../../../src/globalnet/metrics.js';
import { kubeProxyServiceChain } from '../../../src/globalnet/names.js';
import { LeaderElector } from '../../../src/kube/lease/elector.js';
import { KubeLeaseStore } from '../../../src/kube/lease/store.js';
import { jsonLogger } from '../../../src/base/log.js';
import { ExecRunner } from '../../../src/net/command.js';
import { cidrContains, parseCidr, parseIp } from '../../../src/net/cidr.js';
import { IpsetCommand } from '../../../src/net/ipset.js';
import { Iptables } from '../../../src/net/packetfilter/iptables.js';
import { useFleet } from '../../support/fleet.js';
import { eventually } from '../../support/kubectl.js';

const isRoot = process.getuid?.() === 0;
const suffix = randomBytes(3).toString('hex');
const netns = `gn-api-${suffix}`;
const NODE = 'cluster1-gateway';
const subNs = `gn-sub-${suffix}`;
const appNs = `gn-app-${suffix}`;
const globalCidr = '242.1.0.0/19';
const runner = new ExecRunner();
const ipt = new Iptables(runner, { netns });
const nginxChain = kubeProxyServiceChain(appNs, 'nginx', 'http', 'TCP');
const config: GlobalnetConfig = {
  namespace: subNs,
  clusterId: 'cluster1',
  nodeName: NODE,
  podName: '',
  clusterCidrs: ['10.241.0.0/16'],
  serviceCidrs: ['10.141.0.0/16'],
  globalCidr,
  metricsPort: 32781,
  uninstall: false,
  debug: false,
};
const log = jsonLogger('test', false, () => {});
let kc: KubeConfig;
let custom: CustomObjectsApi;
let agent: GlobalnetAgent | undefined;

const dataplane = (): Dataplane =>
  new Dataplane({ packetFilter: ipt, ipsets: new IpsetCommand(runner, { netns }) });
const nat = async (): Promise<string[]> => (await runner.run('iptables-save', ['-t', 'nat'], { netns })).stdout.split('\n');
const ref = (r: ResourceDescriptor, namespace: string) => ({ group: r.group, version: r.version, plural: r.plural, namespace });
const body = (r: ResourceDescriptor, name: string, extra: object) => ({ apiVersion: `${r.group}/${r.version}`, kind: r.kind, metadata: { name }, ...extra });

async function ingressIp(name: string): Promise<string | undefined> {
  const g = (await custom.getNamespacedCustomObject({ ...ref(GlobalIngressIPResource, appNs), name }).catch(() => undefined)) as { status?: { allocatedIP?: string } } | undefined;
  return g?.status?.allocatedIP;
}

void describe('the GlobalNet agent on a real kube-apiserver (needs root)', { skip: isRoot ? false : 'needs root (network namespaces, iptables, ipset)' }, () => {
  before(async () => {
    kc = (await useFleet()).kubeConfig('cluster1');
    custom = kc.makeApiClient(CustomObjectsApi);
    const core = kc.makeApiClient(CoreV1Api);
    await installCrds(kc);
    for (const name of [subNs, appNs]) await core.createNamespace({ body: { metadata: { name } } });
    // This node runs the active gateway: its Endpoint, and the Gateway object GlobalNet annotates.
    await custom.createNamespacedCustomObject({
      ...ref(EndpointResource, subNs),
      body: body(EndpointResource, 'cluster1-gateway-endpoint', {
        spec: { cluster_id: 'cluster1', cable_name: 'submariner-cable-cluster1-10-0-0-1', hostname: NODE, subnets: [globalCidr], private_ip: '10.0.0.1', nat_enabled: false, backend: 'vxlan' },
      }),
    });
    await custom.createNamespacedCustomObject({ ...ref(GatewayResource, subNs), body: body(GatewayResource, NODE, {}) });
    // The node: the route agent's chain and kube-proxy's chain of the Service, as on a gateway.
    await runner.run('ip', ['netns', 'add', netns]);
    await runner.run('iptables-restore', ['--noflush'], { netns, input: `*nat\n:SUBMARINER-POSTROUTING - [0:0]\n:${nginxChain} - [0:0]\nCOMMIT\n` });
    agent = new GlobalnetAgent({
      config,
      watches: watchGlobalnet(kc, subNs, log),
      dataplane: dataplane(),
      cniIp: '10.241.0.1',
      metrics: new GlobalIpGauges(),
      log,
      newElection: (callbacks) =>
        new LeaderElector({ identity: `${NODE}-submariner-globalnet`, store: new KubeLeaseStore(kc, subNs, wellKnown.globalnetLease), leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 200, log, ...callbacks }),
    });
    await agent.start();
    await eventually(async () => (agent?.leading ? true : undefined), 30_000, 'the agent leads');
  });

  after(async () => {
    await agent?.stop();
    await dataplane().uninstall().catch(() => undefined);
    await runner.run('ip', ['netns', 'del', netns], { allowFailure: true });
    const core = kc?.makeApiClient(CoreV1Api);
    for (const name of [appNs, subNs]) await core?.deleteNamespace({ name }).catch(() => undefined);
    await custom?.deleteClusterCustomObject({ ...ref(ClusterGlobalEgressIPResource, ''), name: wellKnown.clusterEgressIP }).catch(() => undefined);
  });

  void it("annotates the Gateway with its global IP, creates the default ClusterGlobalEgressIP and SNATs the cluster's CIDRs to it", async () => {
    const gatewayIp = await eventually(async () => {
      const gw = (await custom.getNamespacedCustomObject({ ...ref(GatewayResource, subNs), name: NODE })) as { metadata?: { annotations?: Record<string, string> } };
      return gw.metadata?.annotations?.[annotations.globalIp];
    }, 30_000, 'the Gateway annotated with its global IP');
    assert.ok(cidrContains(parseCidr(globalCidr), parseIp(gatewayIp)), `${gatewayIp} lies in ${globalCidr}`);
    const ips = await eventually(async () => {
      const c = (await custom.getClusterCustomObject({ ...ref(ClusterGlobalEgressIPResource, ''), name: wellKnown.clusterEgressIP }).catch(() => undefined)) as { status?: { allocatedIPs?: string[] } } | undefined;
      return c?.status?.allocatedIPs?.length ? c.status.allocatedIPs : undefined;
    }, 30_000, 'the default ClusterGlobalEgressIP allocated');
    assert.equal(ips.length, 8);
    const snat = `-j SNAT --to-source ${ips[0]}-${ips[7]}`;
    await eventually(async () => ((await nat()).some((l) => l.startsWith('-A SM-GN-EGRESS-CLUSTER -s 10.241.0.0/16 ') && l.endsWith(snat)) ? true : undefined), 30_000, `the cluster's pods leave as ${ips[0]}-${ips[7]}`);
    assert.ok((await nat()).includes(`-A SUBMARINER-GN-INGRESS -d ${gatewayIp}/32 -p icmp -j DNAT --to-destination 10.241.0.1`));
  });

  void it('an exported Service gets a GlobalIngressIP and a DNAT into its kube-proxy chain; withdrawing the export withdraws both', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedService({ namespace: appNs, body: { metadata: { name: 'nginx' }, spec: { ports: [{ name: 'http', protocol: 'TCP', port: 80 }] } } });
    await custom.createNamespacedCustomObject({ ...ref(ServiceExportResource, appNs), body: body(ServiceExportResource, 'nginx', {}) });
    const ip = await eventually(() => ingressIp('nginx'), 30_000, 'the GlobalIngressIP of nginx allocated');
    assert.ok(cidrContains(parseCidr(globalCidr), parseIp(ip)), `${ip} lies in ${globalCidr}`);
    const rule = `-A SUBMARINER-GN-INGRESS -d ${ip}/32 -p tcp -m tcp --dport 80 -j ${nginxChain}`;
    await eventually(async () => ((await nat()).includes(rule) ? true : undefined), 30_000, rule);

    await custom.deleteNamespacedCustomObject({ ...ref(ServiceExportResource, appNs), name: 'nginx' });
    await eventually(async () => ((await custom.getNamespacedCustomObject({ ...ref(GlobalIngressIPResource, appNs), name: 'nginx' }).catch(() => undefined)) === undefined ? true : undefined), 30_000, 'the GlobalIngressIP deleted');
    await eventually(async () => ((await nat()).some((l) => l.includes(`-d ${ip}/32`)) ? undefined : true), 30_000, `no rule for ${ip}`);
  });
});
