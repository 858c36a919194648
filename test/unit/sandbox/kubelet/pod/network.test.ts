import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { FakeIptables, FakeKernel, FakeRunner } from '../../../../../src/net/fake/index.js';
import { Ip } from '../../../../../src/net/iproute2/ip.js';
import { PodNetwork, podNetnsName, podVethName } from '../../../../../src/sandbox/kubelet/pod/network.js';
import { fleetTopology } from '../../../../../src/sandbox/topology.js';

const dir = mkdtempSync(join(tmpdir(), 'ksub-podnet-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const topo = fleetTopology({ clusters: 1, nodes: 2, gateways: 1, overlapping: false, hub: false });
const cluster = topo.clusters[0]!;
const node = cluster.nodes[0]!;
const uid = '3f2a9c1b-4d5e-6f70-8192-a3b4c5d6e7f8';

void describe('pod network (fake kernel)', () => {
  let kernel: FakeKernel;
  let iptables: FakeIptables;
  let net: PodNetwork;

  beforeEach(async () => {
    kernel = new FakeKernel();
    const runner = new FakeRunner();
    iptables = new FakeIptables().install(runner);
    await kernel.netnsAdd(node.netns);
    await kernel.linkAdd({ kind: 'dummy', name: 'eth0', up: true }, { netns: node.netns });
    await kernel.addrAdd({ dev: 'eth0', cidr: `${node.ip}/24` }, { netns: node.netns });
    net = new PodNetwork({ ip: new Ip(kernel), runner, node, cluster, apiCidr: topo.apiCidr, dir: mkdtempSync(join(dir, 'n-')) });
  });

  void it('sets the node up for its podCIDR: cni0 with the first address, forwarding, masquerade to the apiservers', async () => {
    await net.setup('10.241.1.0/24');
    await net.ready();
    const ns = { netns: node.netns };
    const bridge = await kernel.linkGet('cni0', ns);
    assert.equal(bridge?.kind, 'bridge');
    assert.equal(bridge?.up, true);
    assert.deepEqual((await kernel.addrList({ ...ns, dev: 'cni0' })).map((a) => a.cidr), ['10.241.1.1/24']);
    assert.equal(await kernel.sysctlRead('net.ipv4.ip_forward', ns), '1');
    assert.deepEqual(iptables.rules('nat', 'KSUB-POD-MASQ', ns), [['-s', '10.241.1.0/24', '-d', '10.250.255.0/24', '-j', 'MASQUERADE']]);
    assert.deepEqual(iptables.rules('nat', 'POSTROUTING', ns), [['-j', 'KSUB-POD-MASQ']]);
    assert.deepEqual(iptables.rules('filter', 'KSUB-SVC-REJECT', ns), [
      ['-d', cluster.serviceCidr, '-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset'],
      ['-d', cluster.serviceCidr, '-j', 'REJECT', '--reject-with', 'icmp-port-unreachable'],
    ]);
    assert.deepEqual(iptables.rules('filter', 'FORWARD', ns), [['-j', 'KSUB-SVC-REJECT']]);
    assert.deepEqual(iptables.rules('filter', 'OUTPUT', ns), [['-j', 'KSUB-SVC-REJECT']]);
    await net.setup('10.241.1.0/24');
    assert.deepEqual(iptables.rules('nat', 'POSTROUTING', ns), [['-j', 'KSUB-POD-MASQ']]);
    await assert.rejects(net.setup('10.241.9.0/24'), /changed podCIDR/);
  });

  void it('gives a pod its netns, veth on cni0, address and default route, and removes them', async () => {
    await net.setup('10.241.1.0/24');
    const a = await net.attach(uid);
    assert.deepEqual(a, { netns: 'ksub-p-3f2a9c1b-4', ip: '10.241.1.2', gateway: '10.241.1.1' });
    assert.equal(podNetnsName(uid), 'ksub-p-3f2a9c1b-4');
    const hostSide = await kernel.linkGet(podVethName(uid), { netns: node.netns });
    assert.equal(hostSide?.master, 'cni0');
    const pod = { netns: a.netns };
    assert.deepEqual((await kernel.addrList({ ...pod, dev: 'eth0' })).map((x) => x.cidr), ['10.241.1.2/24']);
    assert.ok((await kernel.routeList(pod)).some((r) => r.dst === 'default' && r.gateway === '10.241.1.1'));
    assert.equal((await kernel.linkGet('lo', pod))?.up, true);

    const again = await net.attach(uid);
    assert.equal(again.ip, '10.241.1.2', 'a re-attached pod keeps its address');
    await net.detach(uid, true);
    assert.ok(!(await kernel.netnsList()).includes(a.netns));
    assert.equal(await kernel.linkGet(podVethName(uid), { netns: node.netns }), undefined);
    assert.equal(net.addressOf(uid), undefined);
  });

  void it('routes other nodes\' podCIDRs through their InternalIPs and drops routes of nodes that left', async () => {
    const ns = { netns: node.netns };
    await net.syncRoutes([
      { name: node.name, podCidr: '10.241.0.0/24', ip: node.ip },
      { name: 'w1', podCidr: '10.241.1.0/24', ip: '10.250.1.12' },
      { name: 'w2', podCidr: '10.241.2.0/24', ip: '10.250.1.13' },
    ]);
    const via = async () => (await kernel.routeList(ns)).filter((r) => r.gateway).map((r) => `${r.dst} via ${r.gateway ?? ''}`).sort();
    assert.deepEqual(await via(), ['10.241.1.0/24 via 10.250.1.12', '10.241.2.0/24 via 10.250.1.13']);
    await net.syncRoutes([{ name: 'w2', podCidr: '10.241.2.0/24', ip: '10.250.1.13' }]);
    assert.deepEqual(await via(), ['10.241.2.0/24 via 10.250.1.13']);
  });
});
