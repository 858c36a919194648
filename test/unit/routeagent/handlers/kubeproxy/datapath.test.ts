import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Node } from '@kubernetes/client-node';
import type { FakeIptables, FakeKernel, FakeRunner } from '../../../../../src/net/fake/index.js';
import type { Iptables } from '../../../../../src/net/packetfilter/iptables.js';
import type { Ip } from '../../../../../src/net/iproute2/ip.js';
import { KubeProxyHandler } from '../../../../../src/routeagent/handlers/kubeproxy/handler.js';
import type { ClusterView } from '../../../../../src/routeagent/model.js';
import { buildView, localCidrs } from '../../../../../src/routeagent/view.js';
import { vtepMac } from '../../../../../src/routeagent/handlers/kubeproxy/plan.js';
import { allowedCpuMask } from '../../../../../src/net/cpus.js';
import { allNodes, config, endpoint, fakeNode, localEndpoint, memoryLog, node, NODES, north, west, type NodeName } from '../../fixtures.js';

interface Rig {
  kernel: FakeKernel;
  ip: Ip;
  runner: FakeRunner;
  ipt: FakeIptables;
  iptables: Iptables;
  handler: KubeProxyHandler;
  log: ReturnType<typeof memoryLog>;
  /** Rebuilds the view from these objects and syncs; returns the iptables-restore inputs it ran. */
  sync(endpoints: unknown[], nodes?: V1Node[]): Promise<string[]>;
}

async function rig(self: NodeName, o: { cable?: string; globalCidrs?: string[] } = {}): Promise<Rig> {
  const fake = await fakeNode(self, o);
  const cfg = { ...config, nodeName: self, globalCidrs: o.globalCidrs ?? config.globalCidrs };
  let view: ClusterView | undefined;
  const log = memoryLog();
  const handler = new KubeProxyHandler({ ip: fake.ip, packetFilter: fake.iptables, clusterCidrs: cfg.clusterCidrs, localCidrs: localCidrs(cfg), log });
  handler.setState({ view: () => view! });
  return {
    ...fake,
    handler,
    log,
    async sync(endpoints, nodes = allNodes()) {
      view = buildView(cfg, endpoints, nodes).view;
      const before = fake.runner.calls.length;
      await handler.handle();
      return fake.runner.calls.slice(before).filter((c) => c.file === 'iptables-restore').map((c) => c.input ?? '');
    },
  };
}

/** Everything the kernel holds, as text, for before/after comparisons. */
function snapshot(r: Rig, withSysctls = true): string {
  const st = r.kernel.state();
  return JSON.stringify({ links: [...st.links.values()], addrs: st.addrs, routes: st.routes, rules: st.rules, fdb: st.fdb, sysctl: withSysctls ? [...st.sysctl] : [], ipt: (['nat', 'filter', 'mangle'] as const).map((t) => r.ipt.saveText(t)) });
}

const routesVia = (r: Rig, dev: string) => r.kernel.state().routes.filter((x) => x.dev === dev);

void describe('route agent data plane over FakeKernel and FakeIptables', () => {
  void it('programs a non-gateway node, and a second sync changes nothing and runs no iptables-restore', async () => {
    const r = await rig('east-worker');
    const restores = await r.sync([localEndpoint('east-gw'), west()]);
    assert.deepEqual(restores.map((i) => i.split('\n')[0]), ['*nat', '*filter', '*mangle'], 'one iptables-restore per table');
    const vx = r.kernel.state().links.get('vx-submariner');
    assert.deepEqual(vx?.vxlan, { vni: 100, port: 4800, dev: 'eth0', remote: '10.250.1.10', group: undefined, local: undefined });
    assert.equal(vx?.mtu, 1450);
    assert.deepEqual(r.kernel.state().addrs.filter((a) => a.dev === 'vx-submariner').map((a) => a.cidr), ['240.250.1.11/8']);
    assert.deepEqual(routesVia(r, 'vx-submariner').map((x) => `${x.dst} via ${x.gateway}`), ['10.97.0.0/16 via 240.250.1.10', '10.245.0.0/16 via 240.250.1.10']);
    assert.equal(await r.ip.sysctlRead('net.ipv4.conf.vx-submariner.rp_filter'), '2');
    assert.equal(await r.ip.sysctlRead('net.ipv4.conf.cni0.rp_filter'), '2');
    assert.deepEqual(r.ipt.rules('nat', 'POSTROUTING'), [['-j', 'SUBMARINER-POSTROUTING']]);
    assert.deepEqual(r.ipt.rules('filter', 'INPUT'), [['-p', 'udp', '-j', 'SUBMARINER-INPUT']]);
    assert.deepEqual(r.ipt.rules('filter', 'FORWARD'), [['-j', 'SUBMARINER-FORWARD']]);
    assert.deepEqual(r.ipt.rules('mangle', 'POSTROUTING'), [['-j', 'SUBMARINER-POSTROUTING']]);
    assert.equal(r.kernel.state().rules.some((x) => x.table === 150), false);

    const first = snapshot(r);
    const writesBefore = r.runner.calls.length;
    assert.deepEqual(await r.sync([localEndpoint('east-gw'), west()]), []);
    assert.equal(snapshot(r), first);
    assert.deepEqual(r.runner.calls.slice(writesBefore).map((c) => c.file), ['iptables-save', 'iptables-save', 'iptables-save'], 'only reads, one per table');
  });

  void it('spreads what vx-submariner receives over every CPU; a node whose /sys is read-only still forwards, with one warning', async () => {
    const r = await rig('east-worker');
    await r.sync([localEndpoint('east-gw'), west()]);
    assert.equal(await r.ip.rpsCpusRead('vx-submariner'), allowedCpuMask());
    // A vx-submariner deleted behind the agent's back comes back, steered again.
    await r.ip.linkDel('vx-submariner');
    await r.sync([localEndpoint('east-gw'), west()]);
    assert.equal(await r.ip.rpsCpusRead('vx-submariner'), allowedCpuMask());

    const ro = await rig('east-worker');
    ro.kernel.sysReadOnly = true;
    await ro.sync([localEndpoint('east-gw'), west()]);
    await ro.sync([localEndpoint('east-gw'), west(), north()]);
    assert.equal(await ro.ip.rpsCpusRead('vx-submariner'), '0');
    assert.equal(routesVia(ro, 'vx-submariner').length, 4, 'routes to the pod and service CIDRs of both remote clusters');
    const warnings = ro.log.lines.filter((l) => l.level === 'warn');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]?.message ?? '', /cannot spread what vx-submariner receives over the node's CPUs; traffic still flows/);
  });

  void it('re-points vx-submariner and the routes when the gateway fails over, leaving no route to the old one', async () => {
    const r = await rig('east-worker');
    await r.sync([localEndpoint('east-gw'), west()]);
    const restores = await r.sync([localEndpoint('east-gw2'), west()]);
    assert.deepEqual(restores, [], 'the packet filter does not depend on which node is the gateway');
    assert.equal(r.kernel.state().links.get('vx-submariner')?.vxlan?.remote, '10.250.1.12');
    assert.deepEqual(routesVia(r, 'vx-submariner').map((x) => x.gateway), ['240.250.1.12', '240.250.1.12']);
    assert.equal(r.kernel.state().routes.some((x) => x.gateway === '240.250.1.10'), false);
    assert.deepEqual(r.kernel.state().addrs.filter((a) => a.dev === 'vx-submariner').map((a) => a.cidr), ['240.250.1.11/8']);
    assert.equal(await r.ip.sysctlRead('net.ipv4.conf.vx-submariner.rp_filter'), '2');
  });

  void it('adds and removes routes and rules as remote clusters come and go, one restore per changed table', async () => {
    const r = await rig('east-worker');
    await r.sync([localEndpoint('east-gw'), west()]);
    const added = await r.sync([localEndpoint('east-gw'), west(), north()]);
    assert.deepEqual(added.map((i) => i.split('\n')[0]), ['*nat', '*mangle']);
    assert.equal(routesVia(r, 'vx-submariner').length, 4);
    const removed = await r.sync([localEndpoint('east-gw'), north()]);
    assert.deepEqual(removed.map((i) => i.split('\n')[0]), ['*nat', '*mangle']);
    assert.deepEqual(routesVia(r, 'vx-submariner').map((x) => x.dst), ['10.98.0.0/16', '10.246.0.0/16']);
    assert.doesNotMatch(r.ipt.saveText(), /10\.97\.0\.0|10\.245\.0\.0/);
  });

  void it('programs the gateway node: flood list of the other nodes, rule 150 and table 150 through the cable interface', async () => {
    const r = await rig('east-gw', { cable: 'submariner' });
    const local = () => localEndpoint('east-gw', { backend: 'wireguard', backend_config: { 'interface-name': 'submariner' } });
    await r.sync([local(), west()]);
    const st = r.kernel.state();
    assert.equal(st.links.get('vx-submariner')?.vxlan?.remote, undefined);
    assert.deepEqual(st.fdb.map((e) => `${e.mac} ${e.dst}`), ['00:00:00:00:00:00 10.250.1.11', '00:00:00:00:00:00 10.250.1.12']);
    assert.deepEqual(st.rules.filter((x) => x.table === 150), [{ priority: 150, table: 150 }]);
    assert.deepEqual(st.routes.filter((x) => x.table === 150).map((x) => `${x.dst} dev ${x.dev} src ${x.src}`), [
      '10.97.0.0/16 dev submariner src 10.244.0.1',
      '10.245.0.0/16 dev submariner src 10.244.0.1',
    ]);
    assert.deepEqual(routesVia(r, 'vx-submariner'), []);
    const first = snapshot(r);
    assert.deepEqual(await r.sync([local(), west()]), []);
    assert.equal(snapshot(r), first);

    await r.sync([local(), west()], [node('east-gw'), node('east-worker')]);
    assert.deepEqual(r.kernel.state().fdb.map((e) => e.dst), ['10.250.1.11'], 'a Node that leaves is dropped from the flood list');
  });

  void it('hands over cleanly when the gateway moves away from and back to this node', async () => {
    const r = await rig('east-gw');
    await r.sync([localEndpoint('east-gw'), west()]);
    assert.equal(r.kernel.state().routes.filter((x) => x.table === 150).length, 2);
    const mac = r.kernel.state().links.get('vx-submariner')?.address;
    assert.equal(mac, vtepMac(NODES['east-gw'].ip));
    await r.sync([localEndpoint('east-gw2'), west()]);
    assert.equal(r.kernel.state().links.get('vx-submariner')?.address, mac, 'the rebuilt device keeps its MAC');
    const st = r.kernel.state();
    assert.equal(st.rules.some((x) => x.table === 150), false);
    assert.deepEqual(st.routes.filter((x) => x.table === 150), []);
    assert.equal(st.links.get('vx-submariner')?.vxlan?.remote, '10.250.1.12');
    assert.deepEqual(routesVia(r, 'vx-submariner').map((x) => x.gateway), ['240.250.1.12', '240.250.1.12']);
    await r.sync([localEndpoint('east-gw'), west()]);
    assert.equal(r.kernel.state().links.get('vx-submariner')?.vxlan?.remote, undefined);
    assert.equal(r.kernel.state().links.get('vx-submariner')?.address, mac);
    assert.deepEqual(routesVia(r, 'vx-submariner'), []);
    assert.equal(r.kernel.state().routes.filter((x) => x.table === 150).length, 2);
  });

  void it("keeps globalnet's jump at the top of nat SUBMARINER-POSTROUTING", async () => {
    const r = await rig('east-worker');
    await r.sync([localEndpoint('east-gw'), west()]);
    r.ipt.load('*nat\n:SUBMARINER-GN-EGRESS - [0:0]\n-I SUBMARINER-POSTROUTING 1 -j SUBMARINER-GN-EGRESS\nCOMMIT\n');
    assert.deepEqual(await r.sync([localEndpoint('east-gw'), west()]), []);
    const restores = await r.sync([localEndpoint('east-gw'), west(), north()]);
    assert.equal(restores.length, 2);
    assert.deepEqual(r.ipt.rules('nat', 'SUBMARINER-POSTROUTING')?.[0], ['-j', 'SUBMARINER-GN-EGRESS']);
  });

  void it('with Globalnet on clusters whose CIDRs are the same: routes the remote global CIDR to the gateway and never masquerades towards it', async () => {
    const gn = { globalCidrs: ['169.254.0.0/19'] };
    // The remote cluster has our very Pod and Service CIDRs, and publishes only its global CIDR.
    const remote = () => endpoint('west', 'west-gw', ['169.254.32.0/19'], { healthCheckIP: '169.254.32.30' });
    const local = (gw: NodeName) => localEndpoint(gw, { subnets: ['169.254.0.0/19'], healthCheckIP: '169.254.0.30' });
    const worker = await rig('east-worker', gn);
    await worker.sync([local('east-gw'), remote()]);
    assert.deepEqual(routesVia(worker, 'vx-submariner').map((x) => `${x.dst} via ${x.gateway}`), ['169.254.32.0/19 via 240.250.1.10']);
    const nat = worker.ipt.rules('nat', 'SUBMARINER-POSTROUTING') ?? [];
    for (const src of ['10.244.0.0/16', '10.96.0.0/16']) {
      assert.ok(nat.some((r) => r.join(' ') === `-s ${src} -d 169.254.32.0/19 -j ACCEPT`), `pods and services reach the remote global CIDR unmasqueraded: ${JSON.stringify(nat)}`);
    }
    assert.doesNotMatch(worker.ipt.saveText('nat'), /MASQUERADE/);

    const gateway = await rig('east-gw', { ...gn, cable: 'submariner' });
    await gateway.sync([local('east-gw'), remote()].map((e) => ({ ...e, spec: { ...e.spec, backend_config: { 'interface-name': 'submariner' } } })));
    assert.deepEqual(gateway.ipt.rules('nat', 'POSTROUTING')?.[0], ['-j', 'SUBMARINER-POSTROUTING'], "GlobalNet's egress chain hangs from this one");
    assert.deepEqual(gateway.kernel.state().routes.filter((x) => x.table === 150).map((x) => `${x.dst} dev ${x.dev}`), ['169.254.32.0/19 dev submariner']);
    assert.doesNotMatch(gateway.ipt.saveText('nat'), /MASQUERADE/);
  });

  void it('uninstall leaves nothing of the route agent: no chain, jump, rule, route, FDB entry or link', async () => {
    for (const self of ['east-worker', 'east-gw'] as const) {
      const r = await rig(self, { cable: 'submariner' });
      const pristine = snapshot(r, false);
      await r.sync([localEndpoint('east-gw', { backend_config: { 'interface-name': 'submariner' } }), west(), north()]);
      assert.notEqual(snapshot(r, false), pristine);
      await r.handler.uninstall();
      const text = r.ipt.saveText();
      assert.doesNotMatch(text, /SUBMARINER/);
      const st = r.kernel.state();
      assert.equal(st.links.has('vx-submariner'), false);
      assert.equal(st.rules.some((x) => x.table === 150), false);
      assert.equal(st.routes.some((x) => x.table === 150 || x.dev === 'vx-submariner'), false);
      assert.deepEqual(st.fdb, []);
      assert.equal(snapshot(r, false), pristine, `${self}: the kernel is as it was before the agent ran`);
      await r.handler.uninstall();
    }
  });
});
