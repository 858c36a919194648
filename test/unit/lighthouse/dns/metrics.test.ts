import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Counter, Histogram, Registry } from '../../../../src/lighthouse/dns/metrics.js';
import { MetricsServer } from '../../../../src/lighthouse/dns/metrics-server.js';

describe('metrics', () => {
  it('renders counters and histograms in the Prometheus text format', () => {
    const registry = new Registry();
    const c = registry.register(new Counter('x_total', 'Things.'));
    const h = registry.register(new Histogram('d_seconds', 'Durations.', [0.1, 1]));
    c.inc({ rcode: 'NOERROR', proto: 'udp' });
    c.inc({ proto: 'udp', rcode: 'NOERROR' }, 2);
    c.inc({ proto: 'tcp', rcode: 'say "hi"\n' });
    h.observe(0.05);
    h.observe(0.5);
    h.observe(5);
    assert.equal(
      registry.render(),
      [
        '# HELP x_total Things.',
        '# TYPE x_total counter',
        'x_total{proto="tcp",rcode="say \\"hi\\"\\n"} 1',
        'x_total{proto="udp",rcode="NOERROR"} 3',
        '# HELP d_seconds Durations.',
        '# TYPE d_seconds histogram',
        'd_seconds_bucket{le="0.1"} 1',
        'd_seconds_bucket{le="1"} 2',
        'd_seconds_bucket{le="+Inf"} 3',
        'd_seconds_sum 5.55',
        'd_seconds_count 3',
        '',
      ].join('\n'),
    );
  });

  describe('HTTP endpoint', () => {
    const registry = new Registry();
    registry.register(new Counter('up_total', 'Up.')).inc();
    let ready = false;
    const server = new MetricsServer({ registry, ready: () => ready });
    let base = '';
    before(async () => {
      base = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
    });
    after(() => server.close());

    it('serves GET /metrics', async () => {
      const res = await fetch(`${base}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      assert.match(await res.text(), /^up_total 1$/m);
    });

    it('reports readiness and health', async () => {
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      assert.equal((await fetch(`${base}/readyz`)).status, 503);
      ready = true;
      assert.equal((await fetch(`${base}/readyz`)).status, 200);
    });

    it('answers 404 and 405 elsewhere', async () => {
      assert.equal((await fetch(`${base}/nope`)).status, 404);
      assert.equal((await fetch(`${base}/metrics`, { method: 'POST' })).status, 405);
    });
  });
});
