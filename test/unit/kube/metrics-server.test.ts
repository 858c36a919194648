import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Counter, Registry } from 'prom-client';
import { MetricsServer } from '../../../src/kube/metrics-server.js';

describe('metrics server', () => {
  describe('HTTP endpoint', () => {
    const registry = new Registry();
    new Counter({ name: 'up_total', help: 'Up.', registers: [registry] }).inc();
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
