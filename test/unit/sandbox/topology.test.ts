import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultSandboxOptions, fleetTopology } from '../../../src/sandbox/topology.js';

describe('sandbox topology', () => {
  it('gives the default fleet two clusters with a gateway and a worker each, non-overlapping CIDRs', () => {
    const t = fleetTopology(defaultSandboxOptions);
    assert.deepEqual(
      t.clusters.map((c) => [c.name, c.podCidr, c.serviceCidr, c.nodes.map((n) => n.name)]),
      [
        ['cluster1', '10.241.0.0/16', '10.141.0.0/16', ['cluster1-gateway', 'cluster1-worker']],
        ['cluster2', '10.242.0.0/16', '10.142.0.0/16', ['cluster2-gateway', 'cluster2-worker']],
      ],
    );
    const gw = t.clusters[1]?.nodes[0];
    assert.equal(gw?.publicIp, '192.168.242.11');
    assert.equal(t.clusters[1]?.nodes[1]?.publicIp, undefined);
  });

  it('--overlapping gives every cluster the same CIDRs and --hub adds a hub with one node that is no gateway', () => {
    const t = fleetTopology({ ...defaultSandboxOptions, clusters: 3, overlapping: true, hub: true });
    assert.deepEqual(new Set(t.clusters.filter((c) => !c.hub).map((c) => c.podCidr)), new Set(['10.241.0.0/16']));
    const hub = t.clusters.at(-1);
    assert.equal(hub?.name, 'hub');
    assert.deepEqual(hub?.nodes.map((n) => [n.name, n.ip, n.gateway, n.publicIp]), [['hub-node', '10.250.100.11', false, undefined]]);
    assert.notEqual(hub?.podCidr, '10.241.0.0/16');
    assert.deepEqual(t.clusters.filter((c) => !c.hub).map((c) => c.nodes.length), [2, 2, 2]);
  });

  it('keeps every host link name within the kernel limit of 15 characters and unique', () => {
    const t = fleetTopology({ clusters: 8, nodes: 20, gateways: 20, overlapping: false, hub: true });
    const links = t.clusters.flatMap((c) => [c.bridge, ...c.nodes.flatMap((n) => [n.hostLink, n.publicHostLink ?? ''])]).filter(Boolean);
    assert.ok(links.every((l) => l.length <= 15), links.find((l) => l.length > 15));
    assert.equal(new Set(links).size, links.length);
  });

  it('rejects impossible fleets with a message naming the flag', () => {
    assert.throws(() => fleetTopology({ ...defaultSandboxOptions, gateways: 3 }), /--gateways 3 is more than --nodes 2/);
    assert.throws(() => fleetTopology({ ...defaultSandboxOptions, clusters: 0 }), /--clusters 0 is out of range/);
    assert.throws(() => fleetTopology({ ...defaultSandboxOptions, runtime: 'docker' as 'runc' }), /--runtime docker is not a container runtime of the sandbox: use runc or process/);
  });
});
