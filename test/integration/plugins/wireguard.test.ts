import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EndpointSpec } from '../../../src/api/generated.js';
import { WireGuardDriver } from '../../../plugins/wireguard/wireguard.js';
import { isRoot, tcpEcho, twoNodes, type NetnsNode } from '../../support/netns-node.js';

void describe('wireguard driver (wireguard-go) between two network namespaces (needs root, wireguard-go and wg)', { skip: isRoot ? false : 'needs root (network namespaces)' }, () => {
  let a: NetnsNode;
  let b: NetnsNode;
  let da: WireGuardDriver;
  let db: WireGuardDriver;
  const published = (n: NetnsNode, d: WireGuardDriver): EndpointSpec => {
    const spec = n.endpoint('wireguard');
    return { ...spec, backend_config: { ...spec.backend_config, ...d.backendConfig() } };
  };

  before(async () => {
    [a, b] = await twoNodes();
    da = new WireGuardDriver(a.context(a.endpoint('wireguard')));
    db = new WireGuardDriver(b.context(b.endpoint('wireguard')));
  });

  after(async () => {
    await da?.cleanup().catch(() => undefined);
    await db?.cleanup().catch(() => undefined);
    await a?.destroy();
    await b?.destroy();
  });

  void it('runs wireguard-go for the submariner device when the kernel has no WireGuard module', async () => {
    await da.init();
    await db.init();
    const link = await a.ip.linkGet('submariner');
    assert.ok(link, 'the submariner device exists');
    assert.match(da.backendConfig().publicKey ?? '', /^[A-Za-z0-9+/]{43}=$/);
  });

  void it('carries encrypted ping and TCP between the pod subnets and reports the peer connected', async () => {
    assert.equal(await a.ping(b.podIp, 1), false, 'the pod subnets must not reach each other without the tunnel');
    await da.connectToEndpoint({ endpoint: published(b, db), useIP: b.underlayIp, useNAT: false });
    await db.connectToEndpoint({ endpoint: published(a, da), useIP: a.underlayIp, useNAT: false });
    assert.equal(await a.ping(b.podIp), true);
    assert.equal(await b.ping(a.podIp), true);
    assert.equal(await tcpEcho(b, a, 'hello through wireguard'), 'hello through wireguard');
    const [conn] = await da.getConnections();
    assert.equal(conn?.status, 'connected');
    assert.match(conn?.statusMessage ?? '', /^Rx=[1-9]\d* Bytes, Tx=[1-9]\d* Bytes$/);
  });

  void it('cleanup stops wireguard-go and leaves no interface or route', async () => {
    await da.cleanup();
    await db.cleanup();
    for (const n of [a, b]) {
      assert.deepEqual(await n.links(), ['cni0', 'eth0', 'lo']);
      assert.equal((await n.ip.routeList()).some((r) => r.dev === 'submariner'), false);
    }
    assert.equal(await a.ping(b.podIp, 1), false);
  });
});
