import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { microTime, nodeCapacity, nodeCpuShare, nodeLease, nodeObject, nodeStatus } from '../../../../../src/sandbox/kubelet/node/status.js';
import { fleetTopology } from '../../../../../src/sandbox/topology.js';

const cluster = fleetTopology({ clusters: 1, nodes: 2, gateways: 1, overlapping: false, hub: false }).clusters[0]!;
const [gateway, worker] = cluster.nodes as [typeof cluster.nodes[0] & object, typeof cluster.nodes[0] & object];

void describe('node registration', () => {
  void it('labels every node and annotates gateways with their public IP', () => {
    const g = nodeObject(gateway) as { metadata: { labels: Record<string, string>; annotations: Record<string, string> } };
    assert.equal(g.metadata.labels['kubernetes.io/hostname'], 'cluster1-gateway');
    assert.equal(g.metadata.labels['kubernetes.io/os'], 'linux');
    assert.deepEqual(g.metadata.annotations, { 'gateway.submariner.io/public-ip': 'ipv4:192.168.241.11' });
    const w = nodeObject(worker) as { metadata: { annotations: Record<string, string> } };
    assert.deepEqual(w.metadata.annotations, {});
  });

  void it('reports Ready, no pressure, its addresses, kubelet port and WebSocket exec support', () => {
    const s = (nodeStatus(gateway, cluster, nodeCapacity(1), 'since', 'now') as { status: Record<string, unknown> }).status as {
      conditions: { type: string; status: string; reason: string; lastHeartbeatTime: string; lastTransitionTime: string }[];
      addresses: unknown[]; daemonEndpoints: unknown; nodeInfo: { kubeletVersion: string }; declaredFeatures: string[]; capacity: Record<string, string>;
    };
    const ready = s.conditions.find((c) => c.type === 'Ready');
    assert.deepEqual([ready?.status, ready?.reason, ready?.lastHeartbeatTime, ready?.lastTransitionTime], ['True', 'KubeletReady', 'now', 'since']);
    for (const t of ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable']) {
      assert.equal(s.conditions.find((c) => c.type === t)?.status, 'False', t);
    }
    assert.deepEqual(s.addresses, [{ type: 'InternalIP', address: '10.250.1.11' }, { type: 'Hostname', address: 'cluster1-gateway' }]);
    assert.deepEqual(s.daemonEndpoints, { kubeletEndpoint: { Port: 10250 } });
    assert.equal(s.nodeInfo.kubeletVersion, 'v1.36.3');
    assert.deepEqual(s.declaredFeatures, ['ExtendWebSocketsToKubelet']);
    assert.ok(Number(s.capacity.pods) > 0);
    assert.equal(s.capacity.cpu, '1');
  });

  void it('gives each node its share of the host CPUs, and at least one', () => {
    // The benchmark's fleet (two clusters of three nodes) on this machine kind's two cores, and on larger hosts.
    assert.deepEqual([nodeCpuShare(2, 6), nodeCpuShare(16, 6), nodeCpuShare(64, 4), nodeCpuShare(2, 1), nodeCpuShare(1, 0)], [1, 2, 16, 2, 1]);
  });

  void it('writes the Lease with a MicroTime renewTime, owned by the Node', () => {
    assert.equal(microTime(new Date('2026-11-27T08:00:00.123Z')), '2026-11-27T08:00:00.123000Z');
    const lease = nodeLease('cluster1-gateway', 'uid-1', new Date('2026-11-27T08:00:00.123Z'), '42') as {
      metadata: { namespace: string; resourceVersion: string; ownerReferences: { kind: string; uid: string }[] }; spec: Record<string, unknown>;
    };
    assert.equal(lease.metadata.namespace, 'kube-node-lease');
    assert.equal(lease.metadata.resourceVersion, '42');
    assert.deepEqual(lease.metadata.ownerReferences.map((o) => `${o.kind}/${o.uid}`), ['Node/uid-1']);
    assert.deepEqual(lease.spec, { holderIdentity: 'cluster1-gateway', leaseDurationSeconds: 40, renewTime: '2026-11-27T08:00:00.123000Z' });
  });
});
