import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GlobalIpGauges } from '../../../src/globalnet/metrics.js';
import { MetricsServer } from '../../../src/kube/metrics-server.js';

void describe('GlobalNet metrics', () => {
  void it('serves the global IPs available and allocated per CIDR over HTTP, as the text the gauges render', async () => {
    const gauges = new GlobalIpGauges();
    gauges.record('169.254.0.0/19', 8180, 10);
    gauges.record('169.254.0.0/19', 8181, 9);
    const server = new MetricsServer({ registry: gauges.registry });
    try {
      const res = await fetch(`http://127.0.0.1:${await server.listen(0, '127.0.0.1')}/metrics`);
      assert.equal(res.status, 200);
      const body = await res.text();
      assert.match(body, /^submariner_global_IP_availability\{cidr="169\.254\.0\.0\/19"\} 8181$/m);
      assert.match(body, /^submariner_global_IP_allocated\{cidr="169\.254\.0\.0\/19"\} 9$/m);
      const series = (text: string) => text.split('\n').filter((l) => l.startsWith('submariner_')).sort();
      assert.deepEqual(series(body), series(gauges.text()));
    } finally {
      await server.close();
    }
  });
});
