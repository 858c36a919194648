import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EndpointSpec } from '../../../../src/api/generated.js';
import { HealthChecker, PING_FAILURE_MESSAGE } from '../../../../src/gateway/health/health-checker.js';
import { parsePingRtt } from '../../../../src/gateway/health/pinger.js';
import { formatGoDuration, RttStats } from '../../../../src/gateway/health/rtt.js';
import { captureLogger, remoteEndpoint } from '../../plugins/support.js';

void describe('round-trip times', () => {
  void it('prints durations as Go does', () => {
    const cases: [number, string][] = [
      [0, '0s'],
      [850, '850ns'],
      [388_079, '388.079µs'],
      [1_000, '1µs'],
      [1_200_000, '1.2ms'],
      [45_000_123, '45.000123ms'],
      [1_500_000_000, '1.5s'],
      [90_000_000_000, '1m30s'],
      [3_723_500_000_000, '1h2m3.5s'],
    ];
    for (const [ns, text] of cases) assert.equal(formatGoDuration(ns), text, `${ns} ns`);
  });

  void it('keeps last, min, average, max and standard deviation', () => {
    const s = new RttStats();
    assert.equal(s.spec(), undefined);
    for (const ms of [2, 4, 4, 4, 5, 5, 7, 9]) s.add(ms * 1e6);
    assert.deepEqual(s.spec(), { last: '9ms', min: '2ms', average: '5ms', max: '9ms', stdDev: '2ms' });
  });

  void it('forgets samples beyond its window', () => {
    const s = new RttStats(3);
    for (const ms of [100, 1, 2, 3]) s.add(ms * 1e6);
    assert.equal(s.spec()?.max, '3ms');
    assert.equal(s.count, 3);
  });

  void it('reads the round trip from ping output', () => {
    assert.equal(parsePingRtt('64 bytes from 10.2.0.1: icmp_seq=1 ttl=64 time=0.045 ms\n'), 45_000);
    assert.equal(parsePingRtt('1 packets transmitted, 0 received, 100% packet loss'), undefined);
  });
});

void describe('health checker', () => {
  const west: EndpointSpec = remoteEndpoint();

  function checker(replies: (number | undefined)[]) {
    const pinged: string[] = [];
    const hc = new HealthChecker({
      localIp: () => '10.1.0.1',
      ping: async (src, dst) => {
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
});
