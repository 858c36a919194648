import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fakeFleet, type FakeCluster } from '../../../src/verify/fake/cluster.js';
import { reportPassed, type TestKey, type TestResult } from '../../../src/verify/model.js';
import { runVerify, type VerifyProgress } from '../../../src/verify/runner.js';
import { defaultImages } from '../../../src/verify/workloads.js';

class RecordingProgress implements VerifyProgress {
  readonly lines: string[] = [];
  testStarted(title: string): void {
    this.lines.push(`start ${title}`);
  }
  stepStarted(title: string, step: string): void {
    this.lines.push(`step ${title}: ${step}`);
  }
  testFinished(r: TestResult): void {
    this.lines.push(`${r.outcome} ${r.title}`);
  }
}

function run(c1: FakeCluster, c2: FakeCluster, only: TestKey[], o: { disruptive?: boolean; signal?: AbortSignal; timeoutMs?: number } = {}) {
  const progress = new RecordingProgress();
  const report = runVerify({
    from: c1,
    to: c2,
    only,
    disruptive: o.disruptive ?? false,
    images: defaultImages,
    timeoutMs: o.timeoutMs ?? 5000,
    progress,
    signal: o.signal ?? new AbortController().signal,
    suffix: () => 'abcde',
  });
  return { report, progress };
}

const byKey = (tests: TestResult[], key: TestKey): TestResult => {
  const t = tests.find((x) => x.key === key);
  assert.ok(t, `a result for ${key}`);
  return t;
};

void describe('verify runner', () => {
  void it('passes connectivity, service discovery and failover on two connected clusters, and leaves no namespace behind', async () => {
    const { c1, c2 } = fakeFleet();
    const { report, progress } = run(c1, c2, ['connectivity', 'service-discovery', 'globalnet', 'gateway-failover'], { disruptive: true });
    const r = await report;
    assert.deepEqual(r.tests.map((t) => [t.key, t.outcome]), [
      ['connectivity', 'passed'],
      ['service-discovery', 'passed'],
      ['globalnet', 'skipped'],
      ['gateway-failover', 'passed'],
    ]);
    assert.ok(reportPassed(r));
    const conn = byKey(r.tests, 'connectivity').steps.map((s) => s.name);
    for (const step of [
      'cluster1 pod on gateway node → cluster2 pod IP',
      'cluster1 pod on non-gateway node → cluster2 Service ClusterIP',
      'cluster1 host-network pod → cluster2 pod IP',
      'cluster2 pod on gateway node → cluster1 Service ClusterIP',
      'cluster2 host-network pod → cluster1 Service ClusterIP',
    ]) assert.ok(conn.includes(step), `connectivity runs "${step}"`);
    assert.equal(conn.at(-1), 'remove namespace verify-connectivity-abcde');
    assert.ok(c1.history.includes('pod verify-connectivity-abcde/client-gateway on cluster1-gateway'));
    assert.ok(c1.history.includes('pod verify-connectivity-abcde/client-host on cluster1-worker (host network)'));
    assert.equal(byKey(r.tests, 'globalnet').message, 'GlobalNet is off: neither cluster1 nor cluster2 has a GlobalCIDR');
    assert.ok(byKey(r.tests, 'gateway-failover').measurements['traffic gap']?.endsWith(' s'));
    assert.equal((await c2.activeGateway())?.pod, 'submariner-gateway-1', 'the other gateway took over');
    assert.deepEqual([...c1.namespaces, ...c2.namespaces], []);
    assert.deepEqual([...c2.exports], []);
    assert.ok(progress.lines.includes('passed service discovery'));
  });

  void it('skips gateway-failover without --disruptive-tests', async () => {
    const { c1, c2 } = fakeFleet();
    const r = await run(c1, c2, ['gateway-failover']).report;
    assert.equal(byKey(r.tests, 'gateway-failover').outcome, 'skipped');
    assert.equal(byKey(r.tests, 'gateway-failover').message, 'disruptive: run with --disruptive-tests');
    assert.equal(c2.gateways[0]?.pod, 'submariner-gateway-0', 'the gateway is left alone');
  });

  void it('fails connectivity at the first cross-cluster step when the tunnel drops traffic, names it, and still removes the namespaces', async () => {
    const { net, c1, c2 } = fakeFleet();
    net.partitioned = true;
    const r = await run(c1, c2, ['connectivity', 'service-discovery'], { timeoutMs: 1200 }).report;
    const conn = byKey(r.tests, 'connectivity');
    assert.equal(conn.outcome, 'failed');
    assert.match(conn.message ?? '', /^cluster1 pod on gateway node → cluster2 pod IP: GET http:\/\/10\.2\.1\.\d+\/ from client-gateway in cluster1 answers 200: not met within 1s; last seen: no answer \(curl exit 28\)$/);
    const later = conn.steps.find((s) => s.name === 'cluster2 host-network pod → cluster1 Service ClusterIP');
    assert.deepEqual(later && [later.outcome, later.message], ['skipped', 'not run: an earlier step failed']);
    assert.equal(conn.steps.at(-1)?.outcome, 'passed', 'the cleanup step ran');
    assert.equal(byKey(r.tests, 'service-discovery').outcome, 'failed');
    assert.ok(!reportPassed(r));
    assert.deepEqual([...c1.namespaces, ...c2.namespaces], []);
  });

  void it('on interrupt stops the running step, removes its namespaces and skips the remaining tests', async () => {
    const { net, c1, c2 } = fakeFleet();
    const controller = new AbortController();
    net.onExec = () => {
      controller.abort();
      return new Promise(() => undefined);
    };
    const r = await run(c1, c2, ['connectivity', 'service-discovery'], { signal: controller.signal }).report;
    assert.ok(r.interrupted);
    const conn = byKey(r.tests, 'connectivity');
    assert.equal(conn.outcome, 'failed');
    assert.match(conn.message ?? '', /: interrupted$/);
    assert.deepEqual([byKey(r.tests, 'service-discovery').outcome, byKey(r.tests, 'service-discovery').message], ['skipped', 'not run: interrupted']);
    assert.deepEqual([...c1.namespaces, ...c2.namespaces], []);
    assert.ok(!reportPassed(r));
  });

  void it('removes the namespace made in the first cluster when the second refuses one', async () => {
    const { c1, c2 } = fakeFleet();
    c2.failCreateNamespace = true;
    const r = await run(c1, c2, ['service-discovery']).report;
    const sd = byKey(r.tests, 'service-discovery');
    assert.match(sd.message ?? '', /^create namespace verify-service-discovery-abcde in cluster1 and cluster2: namespaces is forbidden/);
    assert.ok(c1.history.includes('namespace verify-service-discovery-abcde'));
    assert.deepEqual([...c1.namespaces], []);
  });

  void it('with GlobalNet on and no GlobalEgressIP allocated, fails globalnet saying so and skips connectivity with the reason', async () => {
    const { c1, c2 } = fakeFleet({ globalnet: true });
    const r = await run(c1, c2, ['connectivity', 'globalnet'], { timeoutMs: 1200 }).report;
    assert.equal(byKey(r.tests, 'connectivity').outcome, 'skipped');
    assert.match(byKey(r.tests, 'connectivity').message ?? '', /^GlobalNet is on/);
    const g = byKey(r.tests, 'globalnet');
    assert.equal(g.outcome, 'failed');
    assert.match(g.message ?? '', /^cluster1 has a global egress IP allocated: GlobalNet is on in cluster1 \(GlobalCIDR 242\.1\.0\.0\/16\) but no GlobalEgressIP is allocated/);
    assert.deepEqual([...c1.namespaces, ...c2.namespaces], []);
  });

  void it('with GlobalNet allocating, reaches the exported Service through its global IP and sees the egress IP as source', async () => {
    const { c1, c2 } = fakeFleet({ globalnet: true });
    c1.egressIPs = ['242.1.255.1', '242.1.255.2'];
    const r = await run(c1, c2, ['globalnet', 'service-discovery']).report;
    assert.equal(byKey(r.tests, 'globalnet').outcome, 'passed', byKey(r.tests, 'globalnet').message);
    assert.equal(byKey(r.tests, 'service-discovery').outcome, 'passed', byKey(r.tests, 'service-discovery').message);
    c1.egressIPs = [];
  });
});
