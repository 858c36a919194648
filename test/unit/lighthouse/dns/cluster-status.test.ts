import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayClusterStatus } from '../../../../src/lighthouse/dns/cluster-status.js';
import type { Gateway } from '../../../../src/lighthouse/dns/types.js';

function gateway(name: string, haStatus: string, connections: [string, string][]): Gateway {
  return {
    metadata: { name, namespace: 'submariner-operator' },
    status: { haStatus, connections: connections.map(([cluster_id, status]) => ({ status, endpoint: { cluster_id } })) },
  };
}

describe('cluster status from Gateways', () => {
  it('counts the local cluster and the active gateway’s connected clusters', () => {
    const s = new GatewayClusterStatus('east');
    s.upsertGateway(gateway('gw-1', 'active', [['west', 'connected'], ['north', 'connecting'], ['south', 'error']]));
    s.upsertGateway(gateway('gw-2', 'passive', [['north', 'connected']]));
    assert.deepEqual(['east', 'west', 'north', 'south'].map((c) => s.isConnected(c)), [true, true, false, false]);
  });

  it('follows updates and deletions', () => {
    const s = new GatewayClusterStatus('east');
    s.upsertGateway(gateway('gw-1', 'active', [['west', 'connected']]));
    s.upsertGateway(gateway('gw-1', 'active', [['west', 'error'], ['north', 'connected']]));
    assert.deepEqual([s.isConnected('west'), s.isConnected('north')], [false, true]);
    s.upsertGateway(gateway('gw-2', 'active', [['west', 'connected']]));
    s.deleteGateway(gateway('gw-1', 'active', []));
    assert.deepEqual([s.isConnected('west'), s.isConnected('north'), s.isConnected('east')], [true, false, true]);
  });

  it('counts every cluster as connected while no gateway is active, as the Lighthouse agent serves them', () => {
    const s = new GatewayClusterStatus('east');
    assert.equal(s.isConnected('west'), true);
    s.upsertGateway(gateway('gw-1', 'passive', [['north', 'connected']]));
    assert.deepEqual([s.isConnected('west'), s.isConnected('north')], [true, true]);
    s.upsertGateway(gateway('gw-2', 'active', [['north', 'connected']]));
    assert.deepEqual([s.isConnected('west'), s.isConnected('north')], [false, true]);
    s.deleteGateway(gateway('gw-2', 'active', []));
    assert.equal(s.isConnected('west'), true);
  });

  it('counts every cluster as connected without the Gateway API', () => {
    const s = new GatewayClusterStatus('east');
    s.upsertGateway(gateway('gw-1', 'active', [['west', 'connected']]));
    assert.equal(s.isConnected('anything'), false);
    s.setGatewayApiPresent(false);
    assert.equal(s.isConnected('anything'), true);
    s.setGatewayApiPresent(true);
    assert.equal(s.isConnected('anything'), false);
  });
});
