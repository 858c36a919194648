import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EndpointSpec } from '../../../../src/api/generated.js';
import { HealthChecker, PING_FAILURE_MESSAGE } from '../../../../src/gateway/health/health-checker.js';
import { captureLogger, remoteEndpoint } from '../../plugins/support.js';

void describe('health checker', () => {
  const west: EndpointSpec = remoteEndpoint();

  function checker(replies: (number | undefined)[]) {
    const pinged: string[] = [];
    const hc = new HealthChecker({
      localIp: () => '10.1.0.1',
      ping: async (dst, src) => {
        pinged.push(`${src}->${dst}`);
        return replies.shift();
      },
      intervalMs: 1000,
      maxPacketLoss: 2,
      log: captureLogger(),
    });
    hc.setEndpoints([west, remoteEndpoint({ cable_name: 'no-ip', healthCheckIP: '' })]);
    return { hc, pinged };
  }

  void it('pings each remote healthCheckIP from ours and reports its latency', async () => {
    const { hc, pinged } = checker([388_079, 1_200_000]);
    await hc.tick();
    await hc.tick();
    assert.deepEqual(pinged, ['10.1.0.1->10.2.0.1', '10.1.0.1->10.2.0.1']);
    assert.deepEqual(hc.health(west.cable_name), {
      healthy: true,
      message: '',
      latency: { last: '1.2ms', min: '388.079µs', average: '794.04µs', max: '1.2ms', stdDev: '405.961µs' },
    });
    assert.equal(hc.health('no-ip'), undefined);
  });

  void it('turns unhealthy after more than the allowed lost pings, and heals on the next reply', async () => {
    const { hc } = checker([1e6, undefined, undefined, undefined, 2e6]);
    for (let i = 0; i < 3; i++) await hc.tick();
    assert.equal(hc.health(west.cable_name)?.healthy, true, 'two lost pings are allowed');
    await hc.tick();
    assert.deepEqual([hc.health(west.cable_name)?.healthy, hc.health(west.cable_name)?.message], [false, PING_FAILURE_MESSAGE]);
    await hc.tick();
    assert.equal(hc.health(west.cable_name)?.healthy, true);
  });

  void it('forgets an endpoint that went away or changed its healthCheckIP', async () => {
    const { hc } = checker([1e6]);
    await hc.tick();
    hc.setEndpoints([{ ...west, healthCheckIP: '10.2.0.9' }]);
    assert.equal(hc.health(west.cable_name)?.latency, undefined);
    hc.setEndpoints([]);
    assert.equal(hc.health(west.cable_name), undefined);
  });

  void it('reports a loss as the ping after the allowed lost ones goes out, as Submariner does, and says so at once', async () => {
    let release: (v: number | undefined) => void = () => undefined;
    const changes: boolean[] = [];
    const replies: (number | undefined)[] = [1e6, undefined, undefined];
    const hc = new HealthChecker({
      localIp: () => '10.1.0.1',
      ping: async () => (replies.length > 0 ? replies.shift() : new Promise<number | undefined>((r) => (release = r))),
      intervalMs: 1000,
      maxPacketLoss: 2,
      log: captureLogger(),
      onChange: () => changes.push(hc.health(west.cable_name)?.healthy ?? false),
    });
    hc.setEndpoints([west]);
    for (let i = 0; i < 3; i++) await hc.tick();
    assert.equal(hc.health(west.cable_name)?.healthy, true);
    const out = hc.tick();
    assert.equal(hc.health(west.cable_name)?.healthy, false, 'a third unanswered ping is out');
    assert.deepEqual(changes, [true, false], 'connecting, connected, then error: each change told');
    await hc.retryLossy();
    release(1e6);
    await out;
    assert.equal(hc.health(west.cable_name)?.healthy, true);
    assert.deepEqual(changes, [true, false, true]);
  });

  void it('retries between rounds only the connections whose last ping was lost', async () => {
    const { hc, pinged } = checker([1e6, undefined]);
    for (let i = 0; i < 2; i++) await hc.tick();
    const before = pinged.length;
    await hc.retryLossy();
    assert.equal(pinged.length, before + 1);
    const healthy = checker([1e6]);
    await healthy.hc.tick();
    await healthy.hc.retryLossy();
    assert.equal(healthy.pinged.length, 1, 'a connection that answered waits for the next round');
  });
});
