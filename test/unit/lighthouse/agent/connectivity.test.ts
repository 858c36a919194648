import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConnectionStatus, Gateway, HAStatus } from '../../../../src/api/generated.js';
import { ClusterConnectivity } from '../../../../src/lighthouse/agent/connectivity.js';

function gateway(name: string, haStatus: HAStatus, connections: Record<string, ConnectionStatus>): Gateway {
  const endpoint = (id: string) => ({ cluster_id: id, cable_name: `c-${id}`, hostname: id, subnets: [], private_ip: '192.0.2.1', nat_enabled: false, backend: 'vxlan' as const });
  return {
    apiVersion: 'submariner.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace: 'submariner-operator' },
    status: {
      version: 'v',
      haStatus,
      localEndpoint: endpoint('east'),
      connections: Object.entries(connections).map(([id, status]) => ({ status, statusMessage: '', endpoint: endpoint(id) })),
    },
  };
}

function harness(graceMs = 60_000) {
  let clock = 1_000_000;
  const conn = new ClusterConnectivity({ localClusterId: 'east', graceMs, now: () => clock });
  return {
    conn,
    advance: (ms: number) => {
      clock += ms;
    },
    now: () => clock,
    served: (...ids: string[]) => ids.filter((id) => conn.served(id)),
  };
}

describe('which clusters are served', () => {
  it('serves every cluster when there is no active Gateway or the Gateway API is missing', () => {
    const h = harness();
    h.conn.setMembers(['east', 'west', 'north']);
    assert.deepEqual(h.served('east', 'west', 'north'), ['east', 'west', 'north']);
    h.conn.upsertGateway(gateway('gw-passive', 'passive', {}));
    assert.deepEqual(h.served('west', 'north'), ['west', 'north']);
    h.conn.setGatewayApiPresent(false);
    h.conn.upsertGateway(gateway('gw', 'active', { west: 'error' }));
    h.advance(120_000);
    assert.deepEqual(h.served('west', 'north'), ['west', 'north']);
  });

  it('keeps serving a disconnected cluster for the grace period, then stops until it connects again', () => {
    const h = harness(60_000);
    h.conn.setMembers(['east', 'west', 'north']);
    assert.deepEqual(h.conn.upsertGateway(gateway('gw', 'active', { west: 'connected', north: 'connected' })), []);
    assert.deepEqual(h.conn.upsertGateway(gateway('gw', 'active', { west: 'connected', north: 'error' })), [], 'north is within its grace period');
    assert.equal(h.conn.nextExpiry(), h.now() + 60_000);
    h.advance(59_999);
    assert.deepEqual(h.conn.tick(), []);
    assert.deepEqual(h.served('east', 'west', 'north'), ['east', 'west', 'north']);
    h.advance(1);
    assert.deepEqual(h.conn.tick(), ['north']);
    assert.deepEqual(h.served('east', 'west', 'north'), ['east', 'west']);
    assert.equal(h.conn.nextExpiry(), undefined);
    assert.deepEqual(h.conn.upsertGateway(gateway('gw', 'active', { west: 'connected', north: 'connected' })), ['north']);
    assert.deepEqual(h.served('north'), ['north']);
  });

  it('counts a cluster missing from the active Gateway\'s connections as disconnected, and always serves the local cluster', () => {
    const h = harness(0);
    h.conn.setMembers(['east', 'west']);
    assert.deepEqual(h.conn.upsertGateway(gateway('gw', 'active', {})), ['west']);
    assert.deepEqual(h.served('east', 'west'), ['east']);
    assert.deepEqual(h.conn.deleteGateway(gateway('gw', 'active', {})), ['west'], 'no active Gateway any more');
  });

  it('reports clusters joining and leaving the clusterset', () => {
    const h = harness();
    assert.deepEqual(h.conn.setMembers(['east', 'west']), ['east', 'west']);
    assert.deepEqual(h.conn.setMembers(['east', 'west', 'north']), ['north']);
    assert.deepEqual(h.conn.setMembers(['east', 'north']), ['west']);
  });
});
