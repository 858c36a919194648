import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Endpoint, EndpointSpec } from '../../../src/api/generated.js';
import { FakeObjects } from '../../../src/gateway/fake/custom-objects.js';
import { StandbyProbe, type StandbyNat } from '../../../src/gateway/standby.js';
import { remoteEndpoint } from '../plugins/support.js';

/** NAT discovery as a standby drives it: the Endpoints being discovered, and how often each was asked again. */
class FakeNat implements StandbyNat {
  readonly discovering = new Map<string, { spec: EndpointSpec; refreshes: number }>();
  addEndpoint(name: string, spec: EndpointSpec): void {
    this.discovering.set(name, { spec, refreshes: this.discovering.get(name)?.refreshes ?? 0 });
  }
  removeEndpoint(name: string): void {
    this.discovering.delete(name);
  }
  refresh(name: string): void {
    const d = this.discovering.get(name);
    if (d) d.refreshes++;
  }
}

/** Lets the fake watch deliver its events. */
const settle = () => new Promise((r) => setImmediate(r));
const endpoint = (name: string, spec: EndpointSpec): Endpoint => ({ apiVersion: 'submariner.io/v1', kind: 'Endpoint', metadata: { name }, spec });

function setup(refreshMs = 60_000) {
  const endpoints = new FakeObjects<Endpoint>();
  const nat = new FakeNat();
  const probe = new StandbyProbe({ endpoints: endpoints.cache, nat, localClusterId: 'east', localDriver: 'vxlan', knownDrivers: ['vxlan', 'wireguard'], refreshMs });
  return { endpoints, nat, probe };
}

void describe('standby probe of a passive gateway', () => {
  void it('discovers every usable remote Endpoint, not its own cluster\'s nor a malformed one, and follows changes', async () => {
    const { endpoints, nat, probe } = setup();
    endpoints.put(endpoint('west-ep', remoteEndpoint()));
    endpoints.put(endpoint('east-ep', remoteEndpoint({ cluster_id: 'east', cable_name: 'submariner-cable-east-10-250-1-2' })));
    endpoints.put(endpoint('bad-ep', remoteEndpoint({ cluster_id: 'north', cable_name: 'north', private_ip: 'nowhere' })));
    probe.start();
    assert.deepEqual([...nat.discovering.keys()], ['west-ep']);
    endpoints.put(endpoint('north-ep', remoteEndpoint({ cluster_id: 'north', cable_name: 'submariner-cable-north-10-250-3-2', private_ip: '10.250.3.2' })));
    endpoints.put(endpoint('west-ep', remoteEndpoint({ public_ip: '192.168.242.9' })));
    await settle();
    assert.equal(nat.discovering.get('west-ep')?.spec.public_ip, '192.168.242.9');
    endpoints.remove('west-ep');
    await settle();
    assert.deepEqual([...nat.discovering.keys()], ['north-ep']);
    probe.stop();
  });

  void it('leaves what it found to the cable engine when it stops, and ignores changes until started again', async () => {
    const { endpoints, nat, probe } = setup();
    endpoints.put(endpoint('west-ep', remoteEndpoint()));
    probe.start();
    probe.stop();
    assert.deepEqual([...nat.discovering.keys()], ['west-ep'], 'the result stays for the new active gateway');
    endpoints.put(endpoint('north-ep', remoteEndpoint({ cluster_id: 'north', cable_name: 'submariner-cable-north-10-250-3-2', private_ip: '10.250.3.2' })));
    await settle();
    assert.deepEqual([...nat.discovering.keys()], ['west-ep']);
    probe.start();
    assert.deepEqual([...nat.discovering.keys()].sort(), ['north-ep', 'west-ep']);
    probe.stop();
  });

  void it('asks the remote gateways again every refresh period', async () => {
    const { endpoints, nat, probe } = setup(20);
    endpoints.put(endpoint('west-ep', remoteEndpoint()));
    probe.start();
    await new Promise((r) => setTimeout(r, 110));
    probe.stop();
    const refreshes = nat.discovering.get('west-ep')?.refreshes ?? 0;
    assert.ok(refreshes >= 2, `asked again ${refreshes} times in 110 ms`);
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(nat.discovering.get('west-ep')?.refreshes, refreshes, 'not after stopping');
  });
});
