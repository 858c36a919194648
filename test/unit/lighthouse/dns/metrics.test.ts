import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scrapeRegistry, total } from '../../../support/prometheus.js';
import { ask, world } from './fixtures.js';

describe('DNS metrics', () => {
  it('exposes queries, responses and the latency histogram in the Prometheus text format', async () => {
    const w = world();
    ask(w.handler, 'nginx.default.svc.clusterset.local', 'A');
    ask(w.handler, 'missing.default.svc.clusterset.local', 'A');
    const f = await scrapeRegistry(w.metrics.registry);
    assert.equal(total(f, 'lighthouse_dns_queries_total', { proto: 'udp', type: 'A' }), 2);
    assert.equal(total(f, 'lighthouse_dns_responses_total', { rcode: 'NXDOMAIN' }), 1);
    const h = f.get('lighthouse_dns_query_duration_seconds')?.histograms[0];
    assert.equal(h?.count, 2);
    assert.equal(h?.buckets['+Inf'], 2);
  });
});
