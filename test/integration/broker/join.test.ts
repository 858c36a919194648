import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, CustomObjectsApi, KubeConfig, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { decodeBrokerInfo, encodeBrokerInfo } from '../../../src/broker/broker-info.js';
import { joinCluster, type JoinOptions } from '../../../src/broker/join.js';
import { MemoryReporter } from '../../../src/base/reporter.js';
import { renderCluster } from '../../../src/render/index.js';
import { runCli, type CliResult } from '../../support/cli.js';
import { useFleet, type TestFleet } from '../../support/fleet.js';
import { kubectl } from '../../support/binaries.js';
import { inventory, kubectlFor } from '../../support/kubectl.js';
import { joinOptions } from '../../support/join.js';
import { EndpointResource, customObjectRef } from '../../../src/api/index.js';

let fleet: TestFleet;
const dir = mkdtempSync(join(tmpdir(), 'ksub-join-'));
const brokerInfo = join(dir, 'broker-info.subm');
const networks = {
  cluster1: ['--clustercidr', '10.241.0.0/16', '--servicecidr', '10.141.0.0/16'],
  cluster2: ['--clustercidr', '10.242.0.0/16', '--servicecidr', '10.142.0.0/16'],
};

function cli(...args: string[]): CliResult {
  return runCli([...args, '--kubeconfig', fleet.kubeconfigPath], { ...process.env, NO_COLOR: '1' });
}

function ok(r: CliResult): CliResult {
  assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

function joinArgs(context: 'cluster1' | 'cluster2', ...extra: string[]): string[] {
  return ['join', brokerInfo, '--context', context, '--clusterid', context, ...networks[context], '--no-label-gateway', '--cable-driver', 'vxlan', ...extra];
}

/** What `kubectl get all,cm,secret,sa,role,rolebinding,ns,clusterrole,clusterrolebinding -A` lists, by kind/namespace/name. */
async function inventoryOf(context: string): Promise<string[]> {
  const kinds = 'all,cm,secret,sa,role,rolebinding,ns,clusterrole,clusterrolebinding';
  return (await inventory(kubectlFor(fleet.kubeconfigPath, context), context, kinds)).split('\n');
}

async function exists(kc: KubeConfig, group: string, version: string, plural: string, namespace: string, name: string): Promise<boolean> {
  return kc
    .makeApiClient(CustomObjectsApi)
    .getNamespacedCustomObject({ group, version, plural, namespace, name })
    .then(() => true, () => false);
}

const before_: Record<string, string[]> = {};

/** Every field of `want` is in `live` with the same value (the apiserver may add defaults around them). */
function assertSubset(want: unknown, live: unknown, where: string): void {
  if (Array.isArray(want)) {
    assert.ok(Array.isArray(live) && live.length === want.length, `${where}: ${JSON.stringify(live)} should be ${JSON.stringify(want)}`);
    want.forEach((w, i) => assertSubset(w, (live as unknown[])[i], `${where}[${i}]`));
  } else if (want !== null && typeof want === 'object') {
    assert.ok(live !== null && typeof live === 'object', `${where}: missing`);
    for (const [k, v] of Object.entries(want)) assertSubset(v, (live as Record<string, unknown>)[k], `${where}.${k}`);
  } else if (!(want === '' && live === undefined)) {
    // The apiserver drops empty strings (omitempty); every other value is kept as written.
    assert.equal(String(live), String(want), where);
  }
}

/** The namespaces still terminating: uninstall waits for its own to be gone. */
async function terminating(context: string): Promise<string> {
  return (await kubectlFor(fleet.kubeconfigPath, context)(['get', 'ns', '-o', 'jsonpath={.items[?(@.status.phase=="Terminating")].metadata.name}'])).trim();
}

/** The inventory once the apiserver has finished bootstrapping (system namespaces, roles, the kubernetes Service). */
async function settledInventory(context: string): Promise<string[]> {
  let previous = '';
  for (let i = 0; i < 60; i++) {
    const now = await inventoryOf(context);
    const key = JSON.stringify(now);
    if (key === previous && now.includes('namespace/kube-node-lease') && now.includes('service/kubernetes')) return now;
    previous = key;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return inventoryOf(context);
}

before(async () => {
  fleet = await useFleet();
  for (const c of ['cluster1', 'cluster2']) cli('uninstall', '-y', '--context', c);
  cli('uninstall', '-y', '--broker', '--context', 'broker');
  for (const c of ['broker', 'cluster1', 'cluster2']) before_[c] = await settledInventory(c);
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('deploy-broker and join on real apiservers', () => {
  it('deploy-broker writes a broker-info file that carries the broker URL, token, CA and PSK', () => {
    ok(cli('deploy-broker', '--context', 'broker', '--broker-info', brokerInfo));
    const info = decodeBrokerInfo(readFileSync(brokerInfo, 'utf8'));
    assert.match(info.brokerURL, /^https:\/\//);
    assert.ok(info.token.length > 20 && info.ca.length > 100);
    assert.equal(Buffer.from(info.ipsecPsk ?? '', 'base64').length, 48);
    assert.deepEqual(info.components, ['connectivity', 'service-discovery']);
    // Re-running converges and keeps the PSK.
    ok(cli('deploy-broker', '--context', 'broker', '--broker-info', brokerInfo));
    assert.equal(decodeBrokerInfo(readFileSync(brokerInfo, 'utf8')).ipsecPsk, info.ipsecPsk);
  });

  describe('bad input gets one clear message, a non-zero exit and changes nothing', () => {
    const cases: [string, () => string, RegExp][] = [
      ['a missing file', () => join(dir, 'nope.subm'), /nope\.subm.*does not exist/],
      ['a truncated file', () => writeBad('trunc.subm', readFileSync(brokerInfo, 'utf8').slice(0, 100)), /trunc\.subm/],
      ['non-base64 text', () => writeBad('text.subm', 'this is not base64 !!!'), /text\.subm/],
      ['base64 of something that is not JSON', () => writeBad('nojson.subm', Buffer.from('hello world').toString('base64url')), /nojson\.subm/],
    ];
    for (const [what, file, message] of cases) {
      it(what, () => {
        const r = cli('join', file(), '--context', 'cluster1', '--clusterid', 'cluster1', ...networks.cluster1);
        assert.equal(r.code, 1);
        assert.match(r.stderr, message);
        assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace');
      });
    }

    it('an invalid cluster ID', () => {
      const r = cli('join', brokerInfo, '--context', 'cluster1', '--clusterid', 'Not_A_Label', ...networks.cluster1);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Not_A_Label/);
    });

    it('a CIDR that is not one', () => {
      const r = cli('join', brokerInfo, '--context', 'cluster1', '--clusterid', 'cluster1', '--clustercidr', '10.241.0.0/33');
      assert.equal(r.code, 1);
      assert.match(r.stderr, /10\.241\.0\.0\/33/);
    });

    it('a gateway node that does not exist', () => {
      const r = cli(...joinArgs('cluster1', '--gateway-node', 'no-such-node'));
      assert.equal(r.code, 1);
      assert.match(r.stderr, /--gateway-node no-such-node: no such node/);
    });

    it('an unreachable broker', () => {
      const info = decodeBrokerInfo(readFileSync(brokerInfo, 'utf8'));
      const file = writeBad('unreachable.subm', encodeBrokerInfo({ ...info, brokerURL: 'https://127.0.0.1:1' }));
      const r = cli('join', file, '--context', 'cluster1', '--clusterid', 'cluster1', ...networks.cluster1, '--no-label-gateway');
      assert.equal(r.code, 1);
      assert.match(r.stderr, /cannot reach the broker at https:\/\/127\.0\.0\.1:1/);
    });

    it('a revoked token', () => {
      const info = decodeBrokerInfo(readFileSync(brokerInfo, 'utf8'));
      const file = writeBad('revoked.subm', encodeBrokerInfo({ ...info, token: 'revoked-token' }));
      const r = cli('join', file, '--context', 'cluster1', '--clusterid', 'cluster1', ...networks.cluster1, '--no-label-gateway');
      assert.equal(r.code, 1);
      assert.match(r.stderr, /rejected the broker-info token/);
      assert.doesNotMatch(r.stderr, /revoked-token/, 'the token is never printed');
    });

    it('left nothing behind on the member cluster', async () => {
      assert.deepEqual(await inventoryOf('cluster1'), before_.cluster1);
    });
  });

  it('join deploys every component in both clusters and registers them on the broker', async () => {
    ok(cli(...joinArgs('cluster1')));
    ok(cli(...joinArgs('cluster2')));
    for (const c of ['cluster1', 'cluster2'] as const) {
      const kc = fleet.kubeConfig(c);
      const core = kc.makeApiClient(CoreV1Api);
      const sas = (await core.listNamespacedServiceAccount({ namespace: 'submariner-operator' })).items.map((s) => s.metadata?.name);
      for (const sa of ['submariner-gateway', 'submariner-routeagent', 'submariner-lighthouse-agent', 'submariner-lighthouse-coredns']) assert.ok(sas.includes(sa), `${c}: ${sa}`);
      const r = spawnSync(kubectl, ['--kubeconfig', fleet.kubeconfigPath, '--context', c, 'get', 'ds,deploy,svc', '-n', 'submariner-operator', '-l', 'app.kubernetes.io/managed-by=kubectl-submariner', '-o', 'name'], { encoding: 'utf8' });
      assert.deepEqual(r.stdout.trim().split('\n').sort(), [
        'daemonset.apps/submariner-gateway',
        'daemonset.apps/submariner-routeagent',
        'deployment.apps/submariner-lighthouse-agent',
        'deployment.apps/submariner-lighthouse-coredns',
        'deployment.apps/submariner-operator',
        'service/submariner-gateway-metrics',
        'service/submariner-lighthouse-agent-metrics',
        'service/submariner-lighthouse-coredns',
      ]);
      assert.ok(await exists(fleet.kubeConfig('broker'), 'submariner.io', 'v1', 'clusters', 'submariner-k8s-broker', c));
    }
    // Re-running join converges.
    ok(cli(...joinArgs('cluster1')));
  });

  it('join applies exactly what renderCluster returns: every rendered object is in the cluster as rendered, and nothing else', async () => {
    const kc = fleet.kubeConfig('cluster2');
    const cidrs = { clusterCidr: '10.242.0.0/16', serviceCidr: '10.142.0.0/16' };
    const result = await joinCluster(kc, joinOptions(brokerInfo, 'cluster2', cidrs, { natt: true }), new MemoryReporter());
    const rendered = renderCluster(result.values);
    const client = KubernetesObjectApi.makeApiClient(kc);
    const id = (o: KubernetesObject): string => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
    for (const want of rendered) {
      // client-node's CRD model renames the schema's x-kubernetes-* keys: read CRDs as the apiserver sends them.
      const live: KubernetesObject =
        want.kind === 'CustomResourceDefinition'
          ? (JSON.parse(spawnSync(kubectl, ['--kubeconfig', fleet.kubeconfigPath, '--context', 'cluster2', 'get', 'crd', want.metadata.name, '-o', 'json', '--show-managed-fields'], { encoding: 'utf8' }).stdout) as KubernetesObject)
          : await client.read(want);
      const managers = (live.metadata?.managedFields ?? []).filter((f) => f.manager === 'kubectl-submariner' && f.operation === 'Apply');
      assert.ok(managers.length > 0, `${id(want)} is applied by kubectl-submariner`);
      const { metadata: _m, ...body } = want;
      assertSubset(body, live, id(want));
      assertSubset(want.metadata.labels ?? {}, live.metadata?.labels ?? {}, `${id(want)} labels`);
    }
    const kinds = new Map(rendered.map((o) => [`${o.apiVersion} ${o.kind}`, o]));
    const labelled: string[] = [];
    for (const o of kinds.values()) {
      const list = await client.list(o.apiVersion, o.kind, undefined, undefined, undefined, undefined, undefined, 'app.kubernetes.io/managed-by=kubectl-submariner');
      labelled.push(...list.items.map((i) => id({ ...i, apiVersion: o.apiVersion, kind: o.kind })));
    }
    assert.deepEqual(labelled.sort(), rendered.map(id).sort(), 'the cluster holds no object of ours that the render lacks');
  });

  it('an overlapping Pod CIDR without GlobalNet is refused, naming both clusters and both CIDRs', () => {
    const r = cli('join', brokerInfo, '--context', 'cluster2', '--clusterid', 'cluster2', '--clustercidr', '10.241.128.0/17', '--servicecidr', '10.142.0.0/16', '--no-label-gateway');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Pod CIDR 10\.241\.128\.0\/17 of cluster cluster2 overlaps the Pod CIDR 10\.241\.0\.0\/16 of cluster cluster1/);
    assert.match(r.stderr, /--globalnet/);
  });

  it('a cluster ID another member uses is refused', () => {
    const r = cli('join', brokerInfo, '--context', 'broker', '--clusterid', 'cluster1', '--clustercidr', '10.240.0.0/16', '--servicecidr', '10.140.0.0/16', '--no-label-gateway');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cluster ID cluster1 is already used by another cluster/);
  });

  it('with cluster1\'s broker credentials, writing cluster2\'s Endpoint is refused (403); its own is allowed', async () => {
    const core = fleet.kubeConfig('cluster1').makeApiClient(CoreV1Api);
    const secret = await core.readNamespacedSecret({ name: 'submariner-broker-secret', namespace: 'submariner-operator' });
    const info = decodeBrokerInfo(readFileSync(brokerInfo, 'utf8'));
    const member = new KubeConfig();
    member.loadFromOptions({
      clusters: [{ name: 'b', server: info.brokerURL, caData: info.ca }],
      users: [{ name: 'm', token: Buffer.from(secret.data?.token ?? '', 'base64').toString() }],
      contexts: [{ name: 'b', cluster: 'b', user: 'm' }],
      currentContext: 'b',
    });
    const api = member.makeApiClient(CustomObjectsApi);
    const endpoint = (cluster: string) => ({
      apiVersion: 'submariner.io/v1',
      kind: 'Endpoint',
      metadata: { name: `${cluster}-test-cable` },
      spec: { cluster_id: cluster, cable_name: 'test-cable', hostname: 'gw', subnets: ['10.242.0.0/16'], private_ip: '10.0.0.1', nat_enabled: false, backend: 'vxlan' },
    });
    await assert.rejects(
      api.createNamespacedCustomObject({ ...customObjectRef(EndpointResource), namespace: info.namespace, body: endpoint('cluster2') }),
      (err: { code?: number; body?: string }) => err.code === 403 && /cluster1 may only write its own endpoints/.test(String(err.body)),
    );
    await api.createNamespacedCustomObject({ ...customObjectRef(EndpointResource), namespace: info.namespace, body: endpoint('cluster1') });
    await api.deleteNamespacedCustomObject({ ...customObjectRef(EndpointResource), namespace: info.namespace, name: 'cluster1-test-cable' });
    // Nor may it read the broker's secrets.
    await assert.rejects(member.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: info.namespace }), (err: { code?: number }) => err.code === 403);
  });

  it('show networks and brokers, as tables and JSON', () => {
    const json = ok(cli('show', 'networks', '--contexts', 'cluster1,cluster2', '-o', 'json'));
    const rows = JSON.parse(json.stdout) as { context: string; cluster: string; clusterCidrs: string; serviceCidrs: string }[];
    assert.deepEqual(
      rows.map((r) => [r.context, r.cluster, r.clusterCidrs, r.serviceCidrs]),
      [
        ['cluster1', 'cluster1', '10.241.0.0/16', '10.141.0.0/16'],
        ['cluster2', 'cluster2', '10.242.0.0/16', '10.142.0.0/16'],
      ],
    );
    const table = ok(cli('show', 'brokers', '--context', 'broker'));
    assert.match(table.stdout, /^NAMESPACE +NAME +COMPONENTS +GLOBALNET/);
    assert.match(table.stdout, /submariner-k8s-broker +submariner-broker +connectivity, service-discovery +no/);
    const empty = ok(cli('show', 'connections', '--context', 'cluster1'));
    assert.equal(empty.stdout, '');
    assert.match(empty.stderr, /No resources found/);
  });

  it('export and unexport a service', async () => {
    const core = fleet.kubeConfig('cluster2').makeApiClient(CoreV1Api);
    await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'web' }, spec: { ports: [{ port: 80 }], selector: { app: 'web' } } } });
    try {
      ok(cli('export', 'service', 'web', '-n', 'default', '--context', 'cluster2'));
      assert.ok(await exists(fleet.kubeConfig('cluster2'), 'multicluster.x-k8s.io', 'v1beta1', 'serviceexports', 'default', 'web'));
      const missing = cli('export', 'service', 'nope', '-n', 'default', '--context', 'cluster2');
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /service nope not found in namespace default/);
      ok(cli('unexport', 'service', 'web', '-n', 'default', '--context', 'cluster2'));
      assert.equal(await exists(fleet.kubeConfig('cluster2'), 'multicluster.x-k8s.io', 'v1beta1', 'serviceexports', 'default', 'web'), false);
    } finally {
      await core.deleteNamespacedService({ name: 'web', namespace: 'default' });
    }
  });

  it('recover-broker-info rebuilds the same credentials and PSK', () => {
    const out = join(dir, 'recovered.subm');
    ok(cli('recover-broker-info', '--context', 'cluster2', '--broker-context', 'broker', '--broker-info', out));
    const a = decodeBrokerInfo(readFileSync(brokerInfo, 'utf8'));
    const b = decodeBrokerInfo(readFileSync(out, 'utf8'));
    assert.deepEqual({ ...b, brokerURL: a.brokerURL }, a);
  });

  it('uninstall -y returns every cluster to what it was, and is idempotent', async () => {
    const member = ok(cli('uninstall', '-y', '--context', 'cluster2'));
    assert.doesNotMatch(member.stderr, /⚠/, 'uninstall of cluster2 warned');
    assert.ok(!(await inventoryOf('broker')).some((o) => o.includes('cluster-cluster2')), 'cluster2 left its broker account behind');
    ok(cli('uninstall', '-y', '--context', 'cluster1'));
    ok(cli('uninstall', '-y', '--context', 'cluster1'));
    ok(cli('uninstall', '-y', '--broker', '--context', 'broker'));
    for (const c of ['broker', 'cluster1', 'cluster2']) assert.equal(await terminating(c), '', `${c}: uninstall returned before its namespaces were gone`);
    for (const c of ['broker', 'cluster1', 'cluster2']) assert.deepEqual(await inventoryOf(c), before_[c], c);
  });

  it('uninstall without -y and without a terminal asks for -y and changes nothing', () => {
    const r = cli('uninstall', '--context', 'cluster1');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /pass -y/);
  });
});

describe('GlobalNet joins', () => {
  it('two concurrent joins get distinct global CIDRs from the broker range', async () => {
    const gnInfo = join(dir, 'gn.subm');
    ok(cli('deploy-broker', '--context', 'broker', '--globalnet', '--broker-info', gnInfo));
    const opts = (c: 'cluster1' | 'cluster2'): JoinOptions =>
      joinOptions(gnInfo, c, { clusterCidr: '10.244.0.0/16', serviceCidr: '10.96.0.0/16' }, { natt: true });
    const [a, b] = await Promise.all([
      joinCluster(fleet.kubeConfig('cluster1'), opts('cluster1'), new MemoryReporter()),
      joinCluster(fleet.kubeConfig('cluster2'), opts('cluster2'), new MemoryReporter()),
    ]);
    assert.ok(a.globalCidr && b.globalCidr);
    assert.notEqual(a.globalCidr, b.globalCidr);
    for (const g of [a.globalCidr, b.globalCidr]) assert.match(g, /^242\.\d+\.0\.0\/16$/);
    ok(cli('uninstall', '-y', '--context', 'cluster2'));
    ok(cli('uninstall', '-y', '--context', 'cluster1'));
    ok(cli('uninstall', '-y', '--broker', '--context', 'broker'));
    for (const c of ['broker', 'cluster1', 'cluster2']) assert.deepEqual(await inventoryOf(c), before_[c], c);
  });
});

function writeBad(name: string, content: string): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}
