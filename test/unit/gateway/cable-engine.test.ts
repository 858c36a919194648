import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EndpointSpec } from '../../../src/api/generated.js';
import { CableEngine, type NatLookup } from '../../../src/gateway/cable-engine.js';
import type { NatResult } from '../../../src/gateway/natdiscovery/nat-discovery.js';
import { FakeCableDriver } from '../../../plugins/fake/driver.js';
import { captureLogger, remoteEndpoint } from '../plugins/support.js';

/** NAT discovery that answers with the private IP, unless told to hold an Endpoint back. */
class FakeNat implements NatLookup {
  readonly held = new Set<string>();
  readonly specs = new Map<string, EndpointSpec>();
  addEndpoint(name: string, spec: EndpointSpec): void {
    this.specs.set(name, spec);
  }
  removeEndpoint(name: string): void {
    this.specs.delete(name);
  }
  result(name: string): NatResult | undefined {
    const s = this.specs.get(name);
    return s && !this.held.has(name) ? { useIP: s.nat_enabled ? (s.public_ip ?? '') : s.private_ip, useNAT: s.nat_enabled, via: 'private' } : undefined;
  }
}

function engine() {
  const driver = new FakeCableDriver();
  const nat = new FakeNat();
  return { driver, nat, engine: new CableEngine(driver, nat, 'east', captureLogger()) };
}

const west = remoteEndpoint();
const westNew = remoteEndpoint({ cable_name: 'submariner-cable-west-10-250-2-3', private_ip: '10.250.2.3' });

void describe('cable engine', () => {
  void it('connects once per remote cluster and ignores its own cluster', async () => {
    const { engine: e, driver } = engine();
    assert.equal(await e.installCable('west-a', west, 1), 'installed');
    assert.equal(await e.installCable('west-a', west, 1), 'unchanged');
    assert.equal(await e.installCable('east-a', { ...west, cluster_id: 'east' }, 1), 'own-cluster');
    assert.deepEqual(driver.history, [`connect ${west.cable_name} 10.250.2.2`]);
  });

  void it('replaces a cluster cable with a newer Endpoint and refuses an older one', async () => {
    const { engine: e, driver } = engine();
    await e.installCable('west-a', west, 100);
    assert.equal(await e.installCable('west-b', westNew, 200), 'installed');
    assert.equal(await e.installCable('west-a', west, 100), 'refused-older');
    assert.deepEqual(driver.history, [`connect ${west.cable_name} 10.250.2.2`, `disconnect ${west.cable_name}`, `connect ${westNew.cable_name} 10.250.2.3`]);
    assert.deepEqual(e.remoteEndpoints().map((s) => s.cable_name), [westNew.cable_name]);
  });

  void it('reinstalls when the address, NAT or backend_config change', async () => {
    const { engine: e, driver } = engine();
    await e.installCable('west-a', west, 1);
    await e.installCable('west-a', { ...west, nat_enabled: true }, 1);
    await e.installCable('west-a', { ...west, nat_enabled: true, backend_config: { 'udp-port': '4501' } }, 1);
    assert.equal(driver.history.filter((h) => h.startsWith('connect')).length, 3);
    assert.equal(driver.history[2], `connect ${west.cable_name} 192.168.242.2`);
  });

  void it('waits for NAT discovery before connecting', async () => {
    const { engine: e, driver, nat } = engine();
    nat.held.add('west-a');
    assert.equal(await e.installCable('west-a', west, 1), 'pending-nat');
    assert.deepEqual(driver.history, []);
  });

  void it('lists a failed or malformed Endpoint as an error next to the working connections', async () => {
    const { engine: e, driver } = engine();
    await e.installCable('west-a', west, 1);
    driver.failConnect.set('north', 'peer key rejected');
    const north = remoteEndpoint({ cluster_id: 'north', cable_name: 'north-cable' });
    await assert.rejects(e.installCable('north-a', north, 1), /peer key rejected/);
    await e.reportError('south-a', remoteEndpoint({ cluster_id: 'south', cable_name: 'south-cable' }), 'subnet "x" is not a valid IPv4 CIDR');
    const conns = await e.connections();
    assert.deepEqual(
      conns.map((c) => [c.endpoint.cluster_id, c.status, c.statusMessage]),
      [['west', 'connected', ''], ['north', 'error', 'cannot connect: peer key rejected'], ['south', 'error', 'subnet "x" is not a valid IPv4 CIDR']],
    );
  });

  void it('applies health-check results: latency, and error when pings fail', async () => {
    const { engine: e } = engine();
    await e.installCable('west-a', west, 1);
    const latency = { last: '1ms', min: '1ms', average: '1ms', max: '1ms', stdDev: '0s' };
    const [ok] = await e.connections(() => ({ healthy: true, message: '', latency }));
    assert.deepEqual([ok?.status, ok?.latencyRTT], ['connected', latency]);
    const [bad] = await e.connections(() => ({ healthy: false, message: 'Failed to successfully ping the remote endpoint IP', latency }));
    assert.deepEqual([bad?.status, bad?.statusMessage], ['error', 'Failed to successfully ping the remote endpoint IP']);
  });

  void it('removes a cable and, on stop, cleans the driver up', async () => {
    const { engine: e, driver } = engine();
    await e.installCable('west-a', west, 1);
    await e.removeCable('west-a');
    assert.deepEqual(await e.connections(), []);
    await e.installCable('west-a', west, 1);
    await e.stop();
    assert.equal(driver.cleanedUp, true);
    assert.deepEqual(e.remoteEndpoints(), []);
  });
});
