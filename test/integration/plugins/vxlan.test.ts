import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VxlanDriver } from '../../../plugins/vxlan/vxlan.js';
import { isRoot, tcpEcho, twoNodes, type NetnsNode } from '../../support/netns-node.js';

void describe('vxlan driver between two network namespaces (needs root)', { skip: isRoot ? false : 'needs root (network namespaces)' }, () => {
  let a: NetnsNode;
  let b: NetnsNode;
  let da: VxlanDriver;
  let db: VxlanDriver;

  before(async () => {
    [a, b] = await twoNodes();
    da = new VxlanDriver(a.context(a.endpoint('vxlan')));
    db = new VxlanDriver(b.context(b.endpoint('vxlan')));
  });

  after(async () => {
    await da?.cleanup().catch(() => undefined);
    await db?.cleanup().catch(() => undefined);
    await a?.destroy();
    await b?.destroy();
  });

  void it('carries ping and TCP between the pod subnets once both ends connect', async () => {
    assert.equal(await a.ping(b.podIp, 1), false, 'the pod subnets must not reach each other without the tunnel');
    await da.init();
    await db.init();
    await da.connectToEndpoint({ endpoint: b.endpoint('vxlan'), useIP: b.underlayIp, useNAT: false });
    await db.connectToEndpoint({ endpoint: a.endpoint('vxlan'), useIP: a.underlayIp, useNAT: false });
    assert.equal(await a.ping(b.podIp), true);
    assert.equal(await b.ping(a.podIp), true);
    assert.equal(await tcpEcho(a, b, 'hello through vxlan'), 'hello through vxlan');
    const tunnel = await a.ip.linkGet('vxlan-tunnel');
    assert.deepEqual({ vni: tunnel?.vxlan?.vni, port: tunnel?.vxlan?.port }, { vni: 1000, port: 4500 });
    assert.deepEqual((await da.getConnections()).map((c) => [c.endpoint.cluster_id, c.status]), [['west', 'connected']]);
  });

  void it('stops carrying traffic after disconnect, and cleanup leaves no interface, rule or route', async () => {
    await da.disconnectFromEndpoint(b.endpoint('vxlan'));
    assert.equal(await a.ping(b.podIp, 1), false);
    await da.cleanup();
    await db.cleanup();
    for (const n of [a, b]) {
      assert.deepEqual(await n.links(), ['cni0', 'eth0', 'lo']);
      assert.deepEqual(await n.ip.routeList({ table: 100 }), []);
      assert.equal((await n.ip.ruleList()).some((r) => r.table === 100), false);
    }
  });
});
