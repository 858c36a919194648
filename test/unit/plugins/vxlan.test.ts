import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VxlanDriver, vtepIp } from '../../../plugins/vxlan/vxlan.js';
import { driverContext, localEndpoint, remoteEndpoint } from './support.js';

const remote = remoteEndpoint();
const tunnelRoutes = [
  { dst: '100.2.0.0/16', table: 100, gateway: '241.250.2.2', dev: 'vxlan-tunnel', src: '10.1.0.1' },
  { dst: '10.2.0.0/16', table: 100, gateway: '241.250.2.2', dev: 'vxlan-tunnel', src: '10.1.0.1' },
];

async function started() {
  const t = await driverContext(localEndpoint());
  const driver = new VxlanDriver(t.ctx);
  await driver.init();
  return { ...t, driver, st: t.kernel.state() };
}

const pick = (routes: { dst: string; table?: number; gateway?: string; dev?: string; src?: string }[]) =>
  routes.map(({ dst, table, gateway, dev, src }) => ({ dst, table, gateway, dev, src }));

void describe('vxlan cable driver over the fake kernel', () => {
  void it('derives the VTEP address from the private IP', () => {
    assert.equal(vtepIp('10.250.1.2'), '241.250.1.2');
    assert.throws(() => vtepIp('fd00::1'), /invalid private IP "fd00::1"/);
  });

  void it('init creates vxlan-tunnel (VNI 1000, the udp-port, MTU of the default link - 50), its VTEP address and the table 100 rule', async () => {
    const { st } = await started();
    const link = st.links.get('vxlan-tunnel');
    assert.equal(link?.up, true);
    assert.equal(link?.mtu, 1450);
    assert.equal(link?.address, '02:53:f1:fa:01:02', 'the same MAC address each time, from the VTEP address');
    assert.deepEqual({ vni: link?.vxlan?.vni, port: link?.vxlan?.port }, { vni: 1000, port: 4500 });
    assert.deepEqual(st.addrs.filter((a) => a.dev === 'vxlan-tunnel').map((a) => a.cidr), ['241.250.1.2/8']);
    assert.ok(st.rules.some((r) => r.table === 100 && r.priority === 100 && r.from === undefined));
    assert.equal(st.sysctl.get('net/ipv4/conf/vxlan-tunnel/rp_filter'), '2');
    assert.equal(st.sysctl.get('net/ipv4/conf/vxlan-tunnel/forwarding'), '1');
  });

  void it('steers what vxlan-tunnel receives to every CPU the gateway may use', async () => {
    const t = await driverContext(localEndpoint());
    await new VxlanDriver({ ...t.ctx, cpuMask: 'f' }).init();
    assert.equal(await t.ctx.ip.rpsCpusRead('vxlan-tunnel'), 'f');
  });

  void it('uses the udp-port of the local Endpoint', async () => {
    const t = await driverContext(localEndpoint({ backend_config: { 'udp-port': '4600' } }));
    await new VxlanDriver(t.ctx).init();
    assert.equal(t.kernel.state().links.get('vxlan-tunnel')?.vxlan?.port, 4600);
  });

  void it('connect adds the flood entry to the remote gateway and routes its subnets via its VTEP, once', async () => {
    const { driver, st } = await started();
    assert.equal(await driver.connectToEndpoint({ endpoint: remote, useIP: '10.250.2.2', useNAT: false }), '10.250.2.2');
    await driver.connectToEndpoint({ endpoint: remote, useIP: '10.250.2.2', useNAT: false });
    assert.deepEqual(st.fdb, [{ dev: 'vxlan-tunnel', mac: '00:00:00:00:00:00', dst: '10.250.2.2' }]);
    assert.deepEqual(pick(st.routes.filter((r) => r.table === 100)), tunnelRoutes);
    const [conn] = await driver.getConnections();
    assert.equal(conn?.status, 'connected');
    assert.equal(conn?.usingIP, '10.250.2.2');
    assert.equal(conn?.endpoint.cable_name, remote.cable_name);
  });

  void it('does not connect to its own cluster and rejects a non-IPv4 address', async () => {
    const { driver, st } = await started();
    assert.equal(await driver.connectToEndpoint({ endpoint: localEndpoint(), useIP: '10.250.1.2', useNAT: false }), '');
    await assert.rejects(driver.connectToEndpoint({ endpoint: remote, useIP: 'gw.example', useNAT: false }), /invalid address of endpoint .* "gw.example"/);
    assert.deepEqual(st.fdb, []);
    assert.deepEqual(await driver.getConnections(), []);
  });

  void it('disconnect removes the flood entry and the routes of that remote only', async () => {
    const { driver, st } = await started();
    const third = remoteEndpoint({ cluster_id: 'north', cable_name: 'submariner-cable-north-10-250-3-2', private_ip: '10.250.3.2', subnets: ['10.3.0.0/16'] });
    await driver.connectToEndpoint({ endpoint: remote, useIP: '10.250.2.2', useNAT: false });
    await driver.connectToEndpoint({ endpoint: third, useIP: '10.250.3.2', useNAT: false });
    await driver.disconnectFromEndpoint(remote);
    assert.deepEqual(st.fdb.map((e) => e.dst), ['10.250.3.2']);
    assert.deepEqual(st.routes.filter((r) => r.table === 100).map((r) => r.dst), ['10.3.0.0/16']);
    assert.deepEqual((await driver.getConnections()).map((c) => c.endpoint.cluster_id), ['north']);
  });

  void it('cleanup leaves no interface, rule or table 100 route', async () => {
    const { driver, st } = await started();
    await driver.connectToEndpoint({ endpoint: remote, useIP: '10.250.2.2', useNAT: false });
    await driver.cleanup();
    assert.equal(st.links.has('vxlan-tunnel'), false);
    assert.equal(st.rules.some((r) => r.table === 100), false);
    assert.deepEqual(st.routes.filter((r) => r.table === 100), []);
    assert.deepEqual(st.fdb, []);
    await driver.cleanup();
  });

  void it('cleanup also removes what an earlier run left', async () => {
    const first = await started();
    await first.driver.connectToEndpoint({ endpoint: remote, useIP: '10.250.2.2', useNAT: false });
    const again = new VxlanDriver(first.ctx);
    await again.cleanup();
    assert.equal(first.st.links.has('vxlan-tunnel'), false);
    assert.equal(first.st.rules.some((r) => r.table === 100), false);
  });
});
