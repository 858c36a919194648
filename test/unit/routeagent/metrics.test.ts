import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RouteAgentStatus } from '../../../src/api/generated.js';
import { RouteAgentMetrics } from '../../../src/routeagent/metrics.js';
import { samplesOf, scrapeRegistry, total } from '../../support/prometheus.js';
import { CLUSTER, north, west } from './fixtures.js';

describe('route agent metrics', () => {
  it('mirrors the RouteAgent status it writes: one series per remote gateway, with the last RTT', async () => {
    const m = new RouteAgentMetrics(CLUSTER, 'worker-1');
    const written: RouteAgentStatus[] = [];
    const writer = m.recording({ write: async (s) => void written.push(s), remove: async () => undefined });
    await writer.write({
      version: 'v1',
      remoteEndpoints: [
        { status: 'connected', statusMessage: '', spec: west().spec, latencyRTT: { last: '388.079µs' } },
        { status: 'error', statusMessage: 'Failed to successfully ping the remote endpoint IP', spec: north().spec },
      ],
    });
    assert.equal(written.length, 1, 'the status still reaches the API');
    const f = await scrapeRegistry(m.registry);
    const westLabels = { local_cluster: CLUSTER, local_hostname: 'worker-1', remote_cluster: 'west', remote_hostname: west().spec.hostname };
    assert.equal(total(f, 'submariner_routeagent_connections', { ...westLabels, status: 'connected' }), 1);
    assert.equal(total(f, 'submariner_routeagent_connections', { remote_cluster: 'north', status: 'error' }), 1);
    assert.equal(total(f, 'submariner_routeagent_connection_latency_seconds', westLabels), 0.000388079);
    assert.equal(samplesOf(f, 'submariner_routeagent_connection_latency_seconds', { remote_cluster: 'north' }).length, 0);
    assert.equal(total(f, 'submariner_routeagent_sync_iterations'), 1);

    await writer.write({ version: 'v1', remoteEndpoints: [] });
    assert.equal(samplesOf(await scrapeRegistry(m.registry), 'submariner_routeagent_connections').length, 0, 'gone with the endpoints');
  });
});
