// verify and benchmark on the shared sandbox joined with vxlan: the tests pass, write a JUnit report a JUnit
// consumer reads, leave no test namespace behind, and benchmark prints its table with the baseline.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { parse } from 'junit2json';
import { runCli, type CliResult } from '../../support/cli.js';
import { useFleet, type TestFleet } from '../../support/fleet.js';
import { eventually } from '../../support/kubectl.js';
import { connectClusters, disconnectClusters } from '../../support/submariner.js';
import { sandboxImageFlags } from '../../support/workloads.js';

let fleet: TestFleet;
const dir = mkdtempSync(join(tmpdir(), 'ksub-verify-'));

function cli(...args: string[]): CliResult {
  const images = args[0] === 'verify' || args[0] === 'benchmark' ? sandboxImageFlags : [];
  return runCli([...args, ...images, '--kubeconfig', fleet.kubeconfigPath], { ...process.env, NO_COLOR: '1' }, undefined, 900_000);
}

/** Namespaces verify or benchmark made that are not being deleted. */
async function leftovers(context: string): Promise<string[]> {
  const list = await fleet.kubeConfig(context).makeApiClient(CoreV1Api).listNamespace({ labelSelector: 'app.kubernetes.io/managed-by=kubectl-submariner' });
  // The namespaces verify and benchmark make for their pods (Submariner's own carry the same label).
  return list.items
    .filter((n) => n.metadata?.deletionTimestamp === undefined)
    .map((n) => n.metadata?.name ?? '')
    .filter((n) => /^(verify|benchmark)-/.test(n));
}

before(async () => {
  fleet = await useFleet();
  connectClusters(fleet.kubeconfigPath, 'vxlan');
  // The tunnel is up once show connections reports it; verify's own waits cover the rest.
  await eventually(async () => {
    const r = cli('show', 'connections', '--contexts', 'cluster1,cluster2', '-o', 'json');
    const rows = JSON.parse(r.stdout || '[]') as { status: string }[];
    return rows.length === 2 && rows.every((x) => x.status === 'connected') ? true : undefined;
  }, 120_000, 'both connections connected');
});
after(() => {
  if (fleet) disconnectClusters(fleet.kubeconfigPath);
});

void describe('verify', () => {
  void it('--only connectivity,service-discovery passes, prints the summary, writes JUnit a consumer reads and removes its namespaces', async () => {
    const report = join(dir, 'verify.xml');
    const r = cli('verify', '--context', 'cluster1', '--tocontext', 'cluster2', '--only', 'connectivity,service-discovery', '--junit-report', report);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^TEST +RESULT +DURATION +DETAILS\nconnectivity +passed +[\d.]+s +-\nservice-discovery +passed +[\d.]+s +-\n$/);
    assert.match(r.stderr, /✓ connectivity \(/);
    assert.match(r.stderr, /✓ service discovery \(/);
    const junit = await parse(readFileSync(report, 'utf8'));
    assert.ok(junit && 'testsuite' in junit);
    assert.equal(junit.failures, 0);
    assert.deepEqual(junit.testsuite?.map((s) => s.name), ['connectivity', 'service-discovery']);
    const names = junit.testsuite?.flatMap((s) => s.testcase ?? []).map((c) => c.name) ?? [];
    assert.ok(names.includes('cluster1 host-network pod → cluster2 pod IP'), names.join('\n'));
    assert.ok(names.includes('cluster2 pod on gateway node → cluster1 Service ClusterIP'), names.join('\n'));
    assert.ok(names.some((n) => /^resolve cluster2\.verify-server\.verify-service-discovery-\w+\.svc\.clusterset\.local in cluster1$/.test(n ?? '')), names.join('\n'));
    assert.deepEqual([...(await leftovers('cluster1')), ...(await leftovers('cluster2'))], []);
  });

  void it('-o json reports gateway-failover skipped without --disruptive-tests, and globalnet skipped as GlobalNet is off', () => {
    const r = cli('verify', '--context', 'cluster1', '--tocontext', 'cluster2', '--only', 'globalnet,gateway-failover', '-o', 'json');
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { tests: { key: string; outcome: string; message: string }[] };
    assert.deepEqual(report.tests.map((t) => [t.key, t.outcome, t.message]), [
      ['globalnet', 'skipped', 'GlobalNet is off: neither cluster1 nor cluster2 has a GlobalCIDR'],
      ['gateway-failover', 'skipped', 'disruptive: run with --disruptive-tests'],
    ]);
  });

  void it('names an unknown test and exits 2', () => {
    const r = cli('verify', '--context', 'cluster1', '--tocontext', 'cluster2', '--only', 'dns');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--only: unknown test dns: choose from connectivity, service-discovery, globalnet, gateway-failover/);
  });
});

void describe('benchmark', () => {
  void it('throughput prints gateway and non-gateway paths beside the same-cluster baseline', async () => {
    const r = cli('benchmark', 'throughput', '--context', 'cluster1', '--tocontext', 'cluster2', '--seconds', '2', '--streams', '2');
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^PATH +FROM +TO +THROUGHPUT +RETRANSMITS +VS BASELINE$/);
    assert.match(lines[1] ?? '', /^inter-cluster gateway → gateway +cluster1\/cluster1-gateway2? +cluster2\/cluster2-gateway2? +[\d.]+ [MG]bit\/s +\S+ +\d+%$/);
    assert.match(lines[2] ?? '', /^inter-cluster non-gateway → non-gateway +cluster1\/cluster1-worker +cluster2\/cluster2-worker +[\d.]+ [MG]bit\/s +\S+ +\d+%$/);
    assert.match(lines[3] ?? '', /^same cluster non-gateway → gateway +cluster1\/cluster1-worker +cluster1\/cluster1-gateway2? +[\d.]+ [MG]bit\/s +\S+ +baseline$/);
    assert.deepEqual([...(await leftovers('cluster1')), ...(await leftovers('cluster2'))], []);
  });
});
