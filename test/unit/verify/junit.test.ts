import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { parse } from 'junit2json';
import { renderJUnit, xmlEscape } from '../../../src/verify/junit.js';
import type { VerifyReport } from '../../../src/verify/model.js';

const goldenDir = fileURLToPath(new URL('./golden/', import.meta.url));
const update = process.env.UPDATE_GOLDEN === '1';

/** A run with a passed, a failed and two skipped tests, with the characters XML must escape in a message. */
const report: VerifyReport = {
  context: 'cluster1',
  toContext: 'cluster2',
  startedAt: '2025-03-01T10:00:00.000Z',
  durationMs: 42_500,
  interrupted: false,
  tests: [
    {
      key: 'connectivity',
      title: 'connectivity',
      outcome: 'passed',
      startedAt: '2025-03-01T10:00:00.120Z',
      durationMs: 20_250,
      steps: [
        { name: 'create namespace verify-connectivity-abcde in cluster1 and cluster2', outcome: 'passed', durationMs: 150 },
        { name: 'cluster1 pod on gateway node → cluster2 pod IP', outcome: 'passed', durationMs: 1234 },
        { name: 'remove namespace verify-connectivity-abcde', outcome: 'passed', durationMs: 80 },
      ],
      measurements: {},
    },
    {
      key: 'service-discovery',
      title: 'service discovery',
      outcome: 'failed',
      startedAt: '2025-03-01T10:00:20.400Z',
      durationMs: 22_000,
      steps: [
        { name: 'export Service verify-service-discovery-abcde/verify-server from cluster2', outcome: 'passed', durationMs: 40 },
        {
          name: 'resolve verify-server.verify-service-discovery-abcde.svc.clusterset.local in cluster1',
          outcome: 'failed',
          durationMs: 20_001,
          message: 'not met within 20s; last seen: "NXDOMAIN" <no answer> & \u001b[31mred\u001b[0m',
        },
        { name: 'GET http://verify-server.verify-service-discovery-abcde.svc.clusterset.local/ from cluster1', outcome: 'skipped', durationMs: 0, message: 'not run: an earlier step failed' },
        { name: 'remove namespace verify-service-discovery-abcde', outcome: 'passed', durationMs: 75 },
      ],
      message: 'resolve verify-server.verify-service-discovery-abcde.svc.clusterset.local in cluster1: not met within 20s',
      measurements: {},
    },
    {
      key: 'globalnet',
      title: 'globalnet',
      outcome: 'skipped',
      startedAt: '2025-03-01T10:00:42.400Z',
      durationMs: 0,
      steps: [],
      message: 'GlobalNet is off: neither cluster1 nor cluster2 has a GlobalCIDR',
      measurements: {},
    },
    {
      key: 'gateway-failover',
      title: 'gateway failover',
      outcome: 'skipped',
      startedAt: '2025-03-01T10:00:42.400Z',
      durationMs: 0,
      steps: [],
      message: 'disruptive: run with --disruptive-tests',
      measurements: { 'traffic gap': '2.5 s' },
    },
  ],
};

void describe('JUnit report', () => {
  void it('renders suites per test and cases per step (golden)', () => {
    const file = `${goldenDir}report.xml`;
    const xml = renderJUnit(report);
    if (update || !existsSync(file)) writeFileSync(file, xml);
    assert.equal(xml, readFileSync(file, 'utf8'));
  });

  void it('reads back in a JUnit consumer with the counts, times, failure message and skip reasons', async () => {
    const out = await parse(renderJUnit(report));
    assert.ok(out && 'testsuite' in out, 'a <testsuites> root');
    assert.equal(out.name, 'kubectl submariner verify');
    assert.deepEqual([out.tests, out.failures, out.errors, out.time], [9, 1, 0, 42.5]);
    const suites = out.testsuite ?? [];
    assert.deepEqual(suites.map((s) => [s.name, s.tests, s.failures, s.skipped, s.time]), [
      ['connectivity', 3, 0, 0, 20.25],
      ['service-discovery', 4, 1, 1, 22],
      ['globalnet', 1, 0, 1, 0],
      ['gateway-failover', 1, 0, 1, 0],
    ]);
    const failed = suites[1]?.testcase?.find((c) => c.failure !== undefined);
    assert.equal(failed?.name, 'resolve verify-server.verify-service-discovery-abcde.svc.clusterset.local in cluster1');
    assert.equal(failed?.classname, 'verify.service-discovery');
    assert.equal(failed?.time, 20.001);
    assert.equal(failed?.failure?.[0]?.message, 'not met within 20s; last seen: "NXDOMAIN" <no answer> & [31mred[0m');
    assert.equal(suites[2]?.testcase?.[0]?.skipped?.[0]?.message, 'GlobalNet is off: neither cluster1 nor cluster2 has a GlobalCIDR');
    assert.deepEqual(suites[3]?.properties?.map((p) => [p.name, p.value]), [['context', 'cluster1'], ['tocontext', 'cluster2'], ['traffic gap', '2.5 s']]);
    assert.equal(suites[0]?.timestamp, '2025-03-01T10:00:00');
  });

  void it('escapes markup and drops the control characters XML 1.0 forbids', () => {
    assert.equal(xmlEscape(`a<b>&"c'\u0007\u001b[0m\n`), 'a&lt;b&gt;&amp;&quot;c&apos;[0m\n');
  });
});
