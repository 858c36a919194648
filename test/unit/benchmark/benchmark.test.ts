import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { latencyView, placements, runBenchmark, throughputView, type BenchmarkOptions } from '../../../src/benchmark/benchmark.js';
import { MemoryReporter } from '../../../src/base/reporter.js';
import { defaultImages } from '../../../src/verify/workloads.js';
import { bitRate, curlTimingCommand, parseCurlTimings, parseIperf } from '../../../src/benchmark/parse.js';
import { formatTable } from '../../../src/cli/output.js';
import { fakeFleet } from '../../../src/verify/fake/cluster.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

void describe('benchmark', () => {
  void it('reads the totals of a recorded iperf3 -J run over 2 streams', () => {
    const r = parseIperf(fixture('iperf3-client.json'));
    assert.equal(r.streams, 2);
    assert.equal(Math.round(r.receivedBps), 5394027515);
    assert.equal(Math.round(r.sentBps), 5449805568);
    assert.equal(r.retransmits, 1);
    assert.equal(bitRate(r.receivedBps), '5.39 Gbit/s');
  });

  void it('fails with iperf3\'s own error', () => {
    assert.throws(() => parseIperf(fixture('iperf3-refused.json')), /^Error: iperf3: unable to connect to server: Connection refused$/);
    assert.throws(() => parseIperf('iperf3: error - unable to connect'), /^Error: iperf3 printed no JSON report/);
  });

  void it('reads per-request timings from recorded curl output, the bodies in between ignored', () => {
    assert.deepEqual(parseCurlTimings(fixture('curl-timings.txt')).map((t) => [t.code, t.connectMs.toFixed(3), t.totalMs.toFixed(3)]), [
      [200, '0.120', '7.861'],
      [200, '0.069', '0.530'],
      [200, '0.044', '2.048'],
    ]);
    const cmd = curlTimingCommand('http://10.2.1.5/', 2);
    assert.deepEqual(cmd.slice(-2), ['http://10.2.1.5/?n=0', 'http://10.2.1.5/?n=1']);
    assert.ok(cmd.includes('Connection: close'), 'a new connection per request');
  });

  void it('measures gateway and non-gateway paths across the clusters, and a same-cluster baseline', async () => {
    const { c1, c2 } = fakeFleet();
    const [f1, f2] = [await c1.facts(), await c2.facts()];
    assert.deepEqual(placements(c1, f1, c2, f2, false).map((p) => [p.name, `${p.client.cluster.context}/${p.client.node}`, `${p.server.cluster.context}/${p.server.node}`, p.baseline]), [
      ['inter-cluster gateway → gateway', 'cluster1/cluster1-gateway', 'cluster2/cluster2-gateway', false],
      ['inter-cluster non-gateway → non-gateway', 'cluster1/cluster1-worker', 'cluster2/cluster2-worker', false],
      ['same cluster non-gateway → gateway', 'cluster1/cluster1-worker', 'cluster1/cluster1-gateway', true],
    ]);
    assert.deepEqual(placements(c1, f1, c2, f2, true).map((p) => p.name), ['same cluster non-gateway → gateway']);
    assert.deepEqual(placements(c1, { ...f1, otherNodes: [] }, c2, f2, false).map((p) => p.name), ['inter-cluster gateway → gateway', 'same cluster gateway → gateway']);
  });

  void it('prints each path beside the baseline', () => {
    const path = { from: 'cluster1/cluster1-gateway', to: 'cluster2/cluster2-gateway' };
    const tput = formatTable(throughputView([
      { ...path, name: 'inter-cluster gateway → gateway', baseline: false, receivedBps: 9.5e8, sentBps: 9.6e8, retransmits: 3, streams: 10 },
      { ...path, name: 'same cluster non-gateway → gateway', baseline: true, receivedBps: 1.9e9, sentBps: 1.9e9, retransmits: undefined, streams: 10 },
    ]));
    assert.equal(tput.split('\n')[0], 'PATH                                 FROM                        TO                          THROUGHPUT    RETRANSMITS   VS BASELINE');
    assert.match(tput, /inter-cluster gateway → gateway .* 950 Mbit\/s +3 +50%\n/);
    assert.match(tput, /same cluster non-gateway → gateway .* 1\.90 Gbit\/s +- +baseline\n/);
    const lat = formatTable(latencyView([
      { ...path, name: 'inter-cluster gateway → gateway', baseline: false, requests: 100, connectP50Ms: 0.5, connectP99Ms: 1.25, totalP50Ms: 1.5, totalP99Ms: 3 },
      { ...path, name: 'same cluster non-gateway → gateway', baseline: true, requests: 100, connectP50Ms: 0.1, connectP99Ms: 0.2, totalP50Ms: 0.5, totalP99Ms: 0.9 },
    ]));
    assert.match(lat, /^PATH +FROM +TO +CONNECT P50 +CONNECT P99 +REQUEST P50 +REQUEST P99 +VS BASELINE\n/);
    assert.match(lat, /inter-cluster gateway → gateway .* 0\.50 ms +1\.25 ms +1\.50 ms +3\.00 ms +300%\n/);
  });

  const options = (c1: BenchmarkOptions['from'], c2: BenchmarkOptions['to'], reporter: MemoryReporter): BenchmarkOptions => ({
    kind: 'throughput', from: c1, to: c2, intraCluster: false, images: defaultImages, timeoutMs: 50, streams: 2, seconds: 1, requests: 10,
    reporter, signal: new AbortController().signal, suffix: () => 'abcde',
  });

  void it('runs iperf3 on every path in its own namespaces and removes them', async () => {
    const { net, c1, c2 } = fakeFleet();
    const commands: string[] = [];
    net.onExec = async (_c, pod, command) => {
      commands.push(`${pod.name}: ${command.join(' ')}`);
      return { code: 0, stdout: fixture('iperf3-client.json'), stderr: '' };
    };
    const reporter = new MemoryReporter();
    const r = await runBenchmark(options(c1, c2, reporter));
    assert.equal(r.kind, 'throughput');
    assert.deepEqual(r.rows.map((x) => [x.name, x.baseline, bitRate(x.receivedBps)]), [
      ['inter-cluster gateway → gateway', false, '5.39 Gbit/s'],
      ['inter-cluster non-gateway → non-gateway', false, '5.39 Gbit/s'],
      ['same cluster non-gateway → gateway', true, '5.39 Gbit/s'],
    ]);
    assert.match(commands[0] ?? '', /^client-toolbox-gw: iperf3 -c 10\.2\.1\.\d+ -p 5201 -P 2 -t 1 -J$/);
    assert.ok(c2.history.includes('pod benchmark-abcde/server-iperf-gw on cluster2-gateway'));
    assert.deepEqual([...c1.namespaces, ...c2.namespaces], []);
    assert.deepEqual(reporter.steps.map((s) => s.ok), [true, true, true, true]);
  });

  void it('fails with iperf3\'s error when the server never answers, and still removes the namespaces', async () => {
    const { net, c1, c2 } = fakeFleet();
    net.onExec = async () => ({ code: 1, stdout: fixture('iperf3-refused.json'), stderr: '' });
    await assert.rejects(runBenchmark(options(c1, c2, new MemoryReporter())), /iperf3 from client-toolbox-gw to 10\.2\.1\.\d+: not met within 0s; last seen: iperf3: unable to connect to server: Connection refused/);
    assert.deepEqual([...c1.namespaces, ...c2.namespaces], []);
  });
});
