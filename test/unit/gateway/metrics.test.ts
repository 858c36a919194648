import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Connection, EndpointSpec } from '../../../src/api/generated.js';
import { GatewayMetrics } from '../../../src/gateway/metrics.js';
import { samplesOf, scrapeRegistry, total } from '../../support/prometheus.js';

const local: EndpointSpec = {
  cluster_id: 'east',
  cable_name: 'submariner-cable-east-172-18-0-2',
  hostname: 'east-gw',
  subnets: ['10.244.0.0/16'],
  private_ip: '172.18.0.2',
  public_ip: '203.0.113.2',
  nat_enabled: false,
  backend: 'wireguard',
};
const remote = (cluster: string, ip: string): EndpointSpec => ({
  ...local,
  cluster_id: cluster,
  cable_name: `submariner-cable-${cluster}-${ip.replaceAll('.', '-')}`,
  hostname: `${cluster}-gw`,
  private_ip: ip,
  public_ip: `198.51.100.${ip.split('.')[3]}`,
});
const west = remote('west', '172.18.0.3');
const north = remote('north', '172.18.0.4');
const cableOf = (r: EndpointSpec) => ({
  cable_driver: 'wireguard',
  local_cluster: 'east',
  local_hostname: 'east-gw',
  local_endpoint_ip: '203.0.113.2',
  remote_cluster: r.cluster_id,
  remote_hostname: r.hostname,
  remote_endpoint_ip: r.public_ip ?? '',
});

describe('gateway metrics', () => {
  it('exposes connections, latency, bytes and times with Submariner names and labels', async () => {
    const m = new GatewayMetrics();
    m.recordCreation(local, 1_700_000_000_000);
    m.recordGateways(2);
    const connections: Connection[] = [
      { status: 'connected', statusMessage: '', endpoint: west, latencyRTT: { last: '1.5ms', average: '2ms' } },
      { status: 'error', statusMessage: 'Failed to successfully ping the remote endpoint IP', endpoint: north },
    ];
    m.recordSync({ driver: 'wireguard', local, connections, traffic: new Map([[west.cable_name, { rxBytes: 1000, txBytes: 2500 }]]) }, 1_700_000_010_000);

    const f = await scrapeRegistry(m.registry);
    assert.equal(total(f, 'submariner_gateways'), 2);
    assert.equal(total(f, 'submariner_gateway_creation_timestamp', { local_cluster: 'east', local_hostname: 'east-gw' }), 1_700_000_000);
    assert.equal(total(f, 'submariner_gateway_sync_iterations'), 1);
    assert.deepEqual(samplesOf(f, 'submariner_connections').map((s) => s.labels).sort((a, b) => (a.remote_cluster ?? '').localeCompare(b.remote_cluster ?? '')), [
      { ...cableOf(north), status: 'error' },
      { ...cableOf(west), status: 'connected' },
    ]);
    assert.equal(total(f, 'submariner_connection_latency_seconds', cableOf(west)), 0.0015);
    assert.equal(samplesOf(f, 'submariner_connection_latency_seconds', cableOf(north)).length, 0, 'no RTT, no latency sample');
    assert.equal(total(f, 'submariner_gateway_rx_bytes', cableOf(west)), 1000);
    assert.equal(total(f, 'submariner_gateway_tx_bytes', cableOf(west)), 2500);
    assert.equal(total(f, 'submariner_connection_established_timestamp', cableOf(west)), 1_700_000_010);
    assert.equal(samplesOf(f, 'submariner_connection_established_timestamp', cableOf(north)).length, 0);
    assert.equal(total(f, 'submariner_requested_connections', { remote_cluster: 'north', remote_hostname: 'north-gw', status: 'error' }), 1);
    assert.equal(f.get('submariner_gateway_rx_bytes')?.type, 'gauge');
  });

  it('keeps the establishment time while connected and drops a connection that is gone', async () => {
    const m = new GatewayMetrics();
    const up: Connection = { status: 'connected', statusMessage: '', endpoint: west, latencyRTT: { last: '800µs' } };
    m.recordSync({ driver: 'wireguard', local, connections: [up], traffic: new Map() }, 1_000_000);
    m.recordSync({ driver: 'wireguard', local, connections: [{ ...up, latencyRTT: { last: '2ms' } }], traffic: new Map([[west.cable_name, { rxBytes: 5, txBytes: 6 }]]) }, 9_000_000);
    let f = await scrapeRegistry(m.registry);
    assert.equal(total(f, 'submariner_connection_established_timestamp', cableOf(west)), 1000);
    assert.equal(total(f, 'submariner_connection_latency_seconds', cableOf(west)), 0.002);
    assert.equal(total(f, 'submariner_gateway_sync_iterations'), 2);

    m.recordSync({ driver: 'wireguard', local, connections: [], traffic: new Map() }, 10_000_000);
    f = await scrapeRegistry(m.registry);
    for (const name of ['submariner_connections', 'submariner_connection_latency_seconds', 'submariner_gateway_rx_bytes', 'submariner_connection_established_timestamp']) {
      assert.equal(samplesOf(f, name).length, 0, name);
    }
  });
});
