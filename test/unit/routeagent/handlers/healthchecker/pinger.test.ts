import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeRunner } from '../../../../../src/net/fake/index.js';
import { execPing, goDuration } from '../../../../../src/routeagent/handlers/healthchecker/pinger.js';

void describe('health-check pings', () => {
  void it('formats durations as Go does', () => {
    assert.equal(goDuration(0.000512), '512ns');
    assert.equal(goDuration(0.388079), '388.079µs');
    assert.equal(goDuration(1.5), '1.5ms');
    assert.equal(goDuration(12.3456789), '12.345679ms');
    assert.equal(goDuration(2000), '2s');
  });

  void it('runs one ping through the command runner and reads the round-trip time', async () => {
    const runner = new FakeRunner()
      .on('ping -n -q -c 1 -W 1 10.245.0.1', { stdout: '1 packets transmitted, 1 received, 0% packet loss, time 0ms\nrtt min/avg/max/mdev = 0.061/0.061/0.061/0.000 ms\n' })
      .on('ping -n -q -c 1 -W 1 10.245.0.2', { code: 1, stdout: '1 packets transmitted, 0 received, 100% packet loss, time 0ms\n' });
    const ping = execPing(runner, { netns: 'node-a' });
    assert.deepEqual(await ping('10.245.0.1'), { ok: true, rttMs: 0.061 });
    assert.deepEqual(await ping('10.245.0.2'), { ok: false });
    assert.equal(runner.calls[0]?.netns, 'node-a');
  });
});
