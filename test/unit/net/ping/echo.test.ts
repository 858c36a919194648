import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeRunner } from '../../../../src/net/fake/index.js';
import { commandPing, parsePingRtt } from '../../../../src/net/ping/echo.js';

void describe('health-check pings', () => {
  void it('reads the round trip from ping output', () => {
    assert.equal(parsePingRtt('64 bytes from 10.2.0.1: icmp_seq=1 ttl=64 time=0.045 ms\n'), 45_000);
    assert.equal(parsePingRtt('1 packets transmitted, 0 received, 100% packet loss'), undefined);
  });

  void it('runs one ping through the command runner and reads the round-trip time', async () => {
    const runner = new FakeRunner()
      .on('ping -n -q -c 1 -W 1 10.245.0.1', { stdout: '1 packets transmitted, 1 received, 0% packet loss, time 0ms\nrtt min/avg/max/mdev = 0.061/0.061/0.061/0.000 ms\n' })
      .on('ping -n -q -c 1 -W 1 10.245.0.2', { code: 1, stdout: '1 packets transmitted, 0 received, 100% packet loss, time 0ms\n' });
    const ping = commandPing(runner, { timeoutMs: 1000, netns: 'node-a' });
    assert.equal(await ping('10.245.0.1'), 61_000);
    assert.equal(await ping('10.245.0.2'), undefined);
    assert.equal(runner.calls[0]?.netns, 'node-a');
  });

  void it('pings from the given source address', async () => {
    const runner = new FakeRunner().on('ping -n -q -c 1 -W 2 -I 10.1.0.1 10.2.0.1', { stdout: '64 bytes from 10.2.0.1: icmp_seq=1 ttl=64 time=0.045 ms\n' });
    assert.equal(await commandPing(runner, { timeoutMs: 1500 })('10.2.0.1', '10.1.0.1'), 45_000);
  });

  void it('waits a fraction of a second when the timeout is under one', async () => {
    const runner = new FakeRunner().on('ping -n -q -c 1 -W 0.5 10.2.0.1', { code: 1, stdout: '1 packets transmitted, 0 received, 100% packet loss, time 0ms\n' });
    assert.equal(await commandPing(runner, { timeoutMs: 500 })('10.2.0.1'), undefined);
  });
});
