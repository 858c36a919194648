import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import {
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  type KubeConfig,
  type V1EndpointSlice,
  type V1Service,
} from '@kubernetes/client-node';
import { ClusterResource, GatewayResource, ServiceExportResource, ServiceImportResource, customObjectRef, type Condition, type ServiceExport, type ServiceImport } from '../../../src/api/index.js';
import { brokerKubeConfigFromEnv } from '../../../src/kube/broker-config.js';
import { mergePatch } from '../../../src/kube/apply.js';
import type { Logger } from '../../../src/base/log.js';
import { LighthouseAgent } from '../../../src/lighthouse/agent/agent.js';
import { parseAgentConfig } from '../../../src/lighthouse/agent/config.js';
import { useFleet } from '../../support/fleet.js';
import { brokerNamespace, deployAndJoin, deploymentEnv } from '../../support/join.js';
import { names } from '../../../src/api/names.js';

const clusters = ['cluster1', 'cluster2'] as const;
type ClusterName = (typeof clusters)[number];
const networks: Record<ClusterName, { clusterCidr: string; serviceCidr: string }> = {
  cluster1: { clusterCidr: '10.241.0.0/16', serviceCidr: '10.141.0.0/16' },
  cluster2: { clusterCidr: '10.242.0.0/16', serviceCidr: '10.142.0.0/16' },
};
const suffix = randomBytes(3).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'ksub-lighthouse-'));
const kc = {} as Record<ClusterName | 'broker', KubeConfig>;
const agents = {} as Record<ClusterName, LighthouseAgent>;
const graceMs = 1500;
const namespaces: string[] = [];
const problems: string[] = [];

const log: Logger = {
  debug() {},
  info() {},
  warn: (message, fields) => problems.push(`warn ${message} ${JSON.stringify(fields ?? {})}`),
  error: (message, fields) => problems.push(`error ${message} ${JSON.stringify(fields ?? {})}`),
};

/** Runs the agent of a cluster in this process, configured as its Deployment is; a short disconnect grace keeps the tests quick. */
async function startAgent(cluster: ClusterName): Promise<LighthouseAgent> {
  const env = await deploymentEnv(kc[cluster], 'lighthouse-agent');
  const broker = brokerKubeConfigFromEnv(env);
  const config = { ...parseAgentConfig(env), disconnectGraceMs: graceMs };
  const agent = new LighthouseAgent({ config, local: kc[cluster], broker: broker.kc, brokerNamespace: broker.namespace, log });
  await agent.start();
  await waitFor(`the ${cluster} agent's watches to sync`, () => agent.reconciling, 30_000);
  return agent;
}

before(async () => {
  const fleet = await useFleet();
  kc.broker = fleet.kubeConfig('broker');
  for (const c of clusters) kc[c] = fleet.kubeConfig(c);
  // Clusterset IPs off, Submariner's opt-out: imports answer each cluster's own service IP (clusterset-ip.test.ts has them on).
  await deployAndJoin(kc.broker, { cluster1: { kc: kc.cluster1, ...networks.cluster1 }, cluster2: { kc: kc.cluster2, ...networks.cluster2 } }, dir, { enableClustersetIp: false });
  for (const c of clusters) agents[c] = await startAgent(c);
  // The CRDs were just installed and initialise for a while (watches restart, first writes can wait): one export
  // goes all the way through first, so that the timed tests measure the agents rather than that.
  const ns = await namespace('lh-warmup');
  await createService('cluster2', ns, 'warmup', { type: 'ClusterIP', ports: [{ name: 'http', protocol: 'TCP', port: 80 }] });
  await exportService('cluster2', ns, 'warmup');
  for (const c of clusters) {
    await waitFor(`the warm-up ServiceImport's status in ${c}`, async () => ((await serviceImport(c, ns, 'warmup'))?.status?.clusters?.length ?? 0) > 0, 30_000);
  }
});

after(async () => {
  for (const ns of namespaces) {
    for (const c of clusters) await kc[c]?.makeApiClient(CoreV1Api).deleteNamespace({ name: ns }).catch(() => undefined);
  }
  // The agents withdraw the deleted namespaces' exports from the broker before they stop.
  if (kc.broker !== undefined && clusters.every((c) => agents[c] !== undefined)) {
    await waitFor('the broker to hold nothing of the test namespaces', async () => (await brokerObjects(...namespaces)).length === 0, 30_000).catch((err: unknown) =>
      problems.push(String(err)),
    );
  }
  for (const agent of Object.values(agents)) await agent.stop();
  rmSync(dir, { recursive: true, force: true });
  // Watches restart while freshly installed CRDs initialise; anything else is worth seeing.
  const unexpected = problems.filter((p) => !p.includes('watch stopped, restarting'));
  if (unexpected.length > 0) process.stderr.write(`agent log:\n${unexpected.join('\n')}\n`);
});

// ---------------------------------------------------------------- helpers

async function waitFor<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 10_000, intervalMs = 10): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (err) {
      last = `: ${err instanceof Error ? err.message : JSON.stringify(err)}`;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last}`);
    await sleep(intervalMs);
  }
}

/** A fresh namespace, created in the given clusters and deleted after the suite. */
async function namespace(prefix: string, where: readonly ClusterName[] = clusters): Promise<string> {
  const ns = `${prefix}-${suffix}`;
  namespaces.push(ns);
  for (const c of where) await kc[c].makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  return ns;
}

async function createService(cluster: ClusterName, ns: string, name: string, spec: V1Service['spec']): Promise<V1Service> {
  return kc[cluster].makeApiClient(CoreV1Api).createNamespacedService({ namespace: ns, body: { metadata: { name }, spec } });
}

async function createSlice(cluster: ClusterName, ns: string, service: string, name: string, slice: Omit<V1EndpointSlice, 'metadata'>): Promise<void> {
  await kc[cluster].makeApiClient(DiscoveryV1Api).createNamespacedEndpointSlice({
    namespace: ns,
    body: { ...slice, metadata: { name, labels: { 'kubernetes.io/service-name': service, 'endpointslice.kubernetes.io/managed-by': 'test.example.com' } } },
  });
}

async function exportService(cluster: ClusterName, ns: string, name: string, spec: ServiceExport['spec'] = {}): Promise<void> {
  const r = ServiceExportResource;
  await kc[cluster].makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group: r.group,
    version: r.version,
    plural: r.plural,
    namespace: ns,
    body: { apiVersion: `${r.group}/${r.version}`, kind: r.kind, metadata: { name, namespace: ns }, spec },
  });
}

async function unexportService(cluster: ClusterName, ns: string, name: string): Promise<void> {
  const r = ServiceExportResource;
  await kc[cluster].makeApiClient(CustomObjectsApi).deleteNamespacedCustomObject({ group: r.group, version: r.version, plural: r.plural, namespace: ns, name });
}

async function getCustom<T>(context: ClusterName | 'broker', r: { group: string; version: string; plural: string }, ns: string, name: string): Promise<T | undefined> {
  return (kc[context].makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ group: r.group, version: r.version, plural: r.plural, namespace: ns, name }) as Promise<T>).catch(
    () => undefined,
  );
}

const serviceImport = (cluster: ClusterName, ns: string, name: string) => getCustom<ServiceImport>(cluster, ServiceImportResource, ns, name);
const serviceExport = (cluster: ClusterName, ns: string, name: string) => getCustom<ServiceExport>(cluster, ServiceExportResource, ns, name);

/** The Lighthouse EndpointSlices of a service in a cluster's namespace. */
async function lighthouseSlices(cluster: ClusterName, ns: string, service: string): Promise<V1EndpointSlice[]> {
  const list = await kc[cluster].makeApiClient(DiscoveryV1Api).listNamespacedEndpointSlice({
    namespace: ns,
    labelSelector: `endpointslice.kubernetes.io/managed-by=lighthouse-agent.submariner.io,multicluster.kubernetes.io/service-name=${service}`,
  });
  return list.items.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

/** `<kind>/<name>` of the broker's ServiceImports and EndpointSlices from the given namespaces. */
async function brokerObjects(...sourceNamespaces: string[]): Promise<string[]> {
  if (sourceNamespaces.length === 0) return [];
  const selector = `lighthouse.submariner.io/sourceNamespace in (${sourceNamespaces.join(',')})`;
  const r = ServiceImportResource;
  const imports = (await kc.broker.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
    group: r.group,
    version: r.version,
    plural: r.plural,
    namespace: brokerNamespace,
    labelSelector: selector,
  })) as { items: ServiceImport[] };
  const slices = await kc.broker.makeApiClient(DiscoveryV1Api).listNamespacedEndpointSlice({ namespace: brokerNamespace, labelSelector: selector });
  return [...imports.items.map((i) => `ServiceImport/${i.metadata.name}`), ...slices.items.map((s) => `EndpointSlice/${s.metadata?.name}`)].sort();
}

function condition(se: ServiceExport | undefined, type: string): Pick<Condition, 'status' | 'reason'> & { message: string } {
  const c = se?.status?.conditions?.find((x) => x.type === type);
  return { status: c?.status ?? 'Unknown', reason: c?.reason ?? '(none)', message: c?.message ?? '' };
}

function conditionsOf(se: ServiceExport | undefined): Record<string, string> {
  return Object.fromEntries((se?.status?.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]));
}

/** A Gateway object in a cluster's Submariner namespace, reporting itself active and one connection's status. */
class ActiveGateway {
  private readonly api: CustomObjectsApi;
  private readonly ref: { group: string; version: string; plural: string; namespace: string; name: string };

  constructor(kc: KubeConfig, name: string) {
    this.api = kc.makeApiClient(CustomObjectsApi);
    this.ref = { ...customObjectRef(GatewayResource), namespace: names.defaultNamespace, name };
  }

  async report(cluster: string, status: 'connected' | 'error'): Promise<void> {
    const endpoint = (id: string, ip: string) => ({
      cluster_id: id,
      cable_name: `submariner-cable-${id}-${ip.replace(/\./g, '-')}`,
      hostname: `${id}-gw`,
      subnets: [],
      private_ip: ip,
      nat_enabled: false,
      backend: 'vxlan',
    });
    const { group, version, plural, namespace, name } = this.ref;
    await this.api.createNamespacedCustomObject({ group, version, plural, namespace, body: { apiVersion: 'submariner.io/v1', kind: 'Gateway', metadata: { name } } }).catch(() => undefined);
    await this.api.patchNamespacedCustomObjectStatus(
      {
        ...this.ref,
        body: {
          status: {
            version: 'test',
            haStatus: 'active',
            localEndpoint: endpoint('cluster1', '192.0.2.1'),
            connections: [{ status, statusMessage: '', endpoint: endpoint(cluster, '192.0.2.2') }],
          },
        },
      },
      mergePatch,
    );
  }

  async delete(): Promise<void> {
    await this.api.deleteNamespacedCustomObject(this.ref).catch(() => undefined);
  }
}

// ---------------------------------------------------------------- tests

void describe('Lighthouse agent on real apiservers (broker, cluster1, cluster2)', () => {
  void it('exports a ClusterIP service from cluster2 into both clusters within a second', async () => {
    const ns = await namespace('lh-export');
    const svc = await createService('cluster2', ns, 'web', { type: 'ClusterIP', ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }] });
    const clusterIP = svc.spec?.clusterIP ?? '';
    await createSlice('cluster2', ns, 'web', 'web-abcde', {
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.242.1.5'], conditions: { ready: true } }],
      ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
    });

    const started = Date.now();
    await exportService('cluster2', ns, 'web');
    await Promise.all(clusters.map((c) => waitFor(`the ServiceImport in ${c}`, () => serviceImport(c, ns, 'web'), 5000, 5)));
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 1000, `the ServiceImports took ${elapsed} ms to appear in both clusters`);

    for (const c of clusters) {
      const si = await waitFor(`the status of the ServiceImport in ${c}`, async () => {
        const got = await serviceImport(c, ns, 'web');
        return got?.status?.clusters?.length ? got : undefined;
      });
      assert.equal(si.spec.type, 'ClusterSetIP');
      assert.deepEqual(si.spec.ports, [{ name: 'http', protocol: 'TCP', port: 80 }]);
      assert.deepEqual(si.spec.ipFamilies, ['IPv4']);
      assert.deepEqual(si.status?.clusters, [{ cluster: 'cluster2' }]);
    }

    // Each cluster serves cluster2's endpoint: the Service's cluster IP, ready since the Service has a ready backend.
    for (const c of clusters) {
      const [slice] = await waitFor(`cluster2's EndpointSlice in ${c}`, async () => {
        const found = await lighthouseSlices(c, ns, 'web');
        return found.length > 0 ? found : undefined;
      });
      assert.equal(slice?.metadata?.labels?.['multicluster.kubernetes.io/source-cluster'], 'cluster2');
      assert.equal(slice?.metadata?.labels?.['kubernetes.io/service-name'], undefined, 'kube-proxy must not pick the copy up');
      assert.deepEqual(
        slice?.endpoints.map((e) => ({ addresses: e.addresses, ready: e.conditions?.ready })),
        [{ addresses: [clusterIP], ready: true }],
      );
      assert.deepEqual(slice?.ports?.map((p) => `${p.name}/${p.protocol}/${p.port}`), ['http/TCP/80']);
    }

    const published = await getCustom<ServiceImport>('broker', ServiceImportResource, brokerNamespace, `web-${ns}-cluster2`);
    assert.deepEqual(published?.metadata.labels, {
      'multicluster.kubernetes.io/service-name': 'web',
      'lighthouse.submariner.io/sourceNamespace': ns,
      'multicluster.kubernetes.io/source-cluster': 'cluster2',
    });
    assert.match(published?.metadata.annotations?.['timestamp.submariner.io/cluster2'] ?? '', /^\d{19}$/);
    assert.deepEqual(published?.spec.ips, [clusterIP]);

    const se = await waitFor('the ServiceExport conditions', async () => {
      const got = await serviceExport('cluster2', ns, 'web');
      return got?.status?.conditions?.length === 3 ? got : undefined;
    });
    assert.deepEqual(conditionsOf(se), { Valid: 'True/Valid', Ready: 'True/Exported', Conflict: 'False/NoConflicts' });
  });

  void it('imports only where the namespace exists, and as soon as it is created', async () => {
    const ns = await namespace('lh-onlyns', ['cluster2']);
    await createService('cluster2', ns, 'api', { type: 'ClusterIP', ports: [{ port: 443, protocol: 'TCP' }] });
    await exportService('cluster2', ns, 'api');
    await waitFor('the ServiceImport in cluster2', () => serviceImport('cluster2', ns, 'api'));
    await waitFor('the broker copy', async () => (await brokerObjects(ns)).length === 2);
    assert.equal(await serviceImport('cluster1', ns, 'api'), undefined);

    await kc.cluster1.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
    const si = await waitFor('the ServiceImport in cluster1', () => serviceImport('cluster1', ns, 'api'));
    assert.deepEqual(si.spec.ports, [{ protocol: 'TCP', port: 443 }]);
  });

  void it('reports conflicting ports and session affinity on both exports; the oldest export wins, ports are merged', async () => {
    const ns = await namespace('lh-conflict');
    await createService('cluster2', ns, 'db', { type: 'ClusterIP', ports: [{ name: 'sql', protocol: 'TCP', port: 5432 }] });
    await exportService('cluster2', ns, 'db');
    await waitFor('cluster2 to publish db', async () => (await brokerObjects(ns)).length === 2);
    await sleep(1100); // creation timestamps have a resolution of one second
    await createService('cluster1', ns, 'db', {
      type: 'ClusterIP',
      sessionAffinity: 'ClientIP',
      ports: [
        { name: 'sql', protocol: 'TCP', port: 5433 },
        { name: 'metrics', protocol: 'TCP', port: 9090 },
      ],
    });
    await exportService('cluster1', ns, 'db');

    for (const c of clusters) {
      const se = await waitFor(`the Conflict condition in ${c}`, async () => {
        const got = await serviceExport(c, ns, 'db');
        return condition(got, 'Conflict').status === 'True' ? got : undefined;
      });
      const conflict = condition(se, 'Conflict');
      assert.equal(conflict.reason, 'ConflictingPorts,ConflictingSessionAffinity', `${c}: ${conflict.message}`);
      assert.match(conflict.message, /port "sql" is TCP\/5432 in cluster2 but TCP\/5433 in cluster1/);
      assert.match(conflict.message, /session affinity: None in cluster2, ClientIP in cluster1/);
      assert.deepEqual(conditionsOf(se), { Valid: 'True/Valid', Ready: 'True/Exported', Conflict: 'True/ConflictingPorts,ConflictingSessionAffinity' });
    }
    for (const c of clusters) {
      const si = await waitFor(`the merged ServiceImport in ${c}`, async () => {
        const got = await serviceImport(c, ns, 'db');
        return got?.spec.ports.length === 2 ? got : undefined;
      });
      assert.deepEqual(si.spec.ports, [
        { name: 'sql', protocol: 'TCP', port: 5432 },
        { name: 'metrics', protocol: 'TCP', port: 9090 },
      ]);
      assert.equal(si.spec.sessionAffinity, 'None');
      assert.deepEqual(si.status?.clusters, [{ cluster: 'cluster2' }, { cluster: 'cluster1' }]);
    }
  });

  void it('reports a type conflict on both exports, serves only the oldest type, and clears it on unexport', async () => {
    const ns = await namespace('lh-type');
    await createService('cluster1', ns, 'cache', { clusterIP: 'None', ports: [{ name: 'redis', protocol: 'TCP', port: 6379 }] });
    await exportService('cluster1', ns, 'cache');
    await waitFor('cluster1 to publish cache', async () => (await brokerObjects(ns)).length >= 1);
    await sleep(1100);
    await createService('cluster2', ns, 'cache', { type: 'ClusterIP', ports: [{ name: 'redis', protocol: 'TCP', port: 6379 }] });
    await exportService('cluster2', ns, 'cache');

    const exports = await Promise.all(
      clusters.map((c) =>
        waitFor(`the ConflictingType in ${c}`, async () => {
          const got = await serviceExport(c, ns, 'cache');
          return condition(got, 'Conflict').reason === 'ConflictingType' ? got : undefined;
        }),
      ),
    );
    assert.match(condition(exports[0], 'Conflict').message, /Headless in cluster1, ClusterSetIP in cluster2/);
    assert.deepEqual(conditionsOf(exports[0]), { Valid: 'True/Valid', Ready: 'True/Exported', Conflict: 'True/ConflictingType' });
    const loser = await waitFor('cluster2 to be told it is not served', async () => {
      const got = await serviceExport('cluster2', ns, 'cache');
      return condition(got, 'Ready').status === 'False' ? got : undefined;
    });
    assert.equal(condition(loser, 'Ready').reason, 'Failed');
    assert.match(condition(loser, 'Ready').message, /not served/);
    for (const c of clusters) {
      const si = await waitFor(`the Headless import in ${c}`, () => serviceImport(c, ns, 'cache'));
      assert.equal(si.spec.type, 'Headless');
      assert.deepEqual(
        (await lighthouseSlices(c, ns, 'cache')).map((s) => s.metadata?.labels?.['multicluster.kubernetes.io/source-cluster']),
        [],
        'the headless service has no endpoints, and cluster2 is not served',
      );
    }

    await unexportService('cluster1', ns, 'cache');
    const se = await waitFor('the conflict to clear in cluster2', async () => {
      const got = await serviceExport('cluster2', ns, 'cache');
      return condition(got, 'Conflict').status === 'False' ? got : undefined;
    });
    assert.deepEqual(conditionsOf(se), { Valid: 'True/Valid', Ready: 'True/Exported', Conflict: 'False/NoConflicts' });
    for (const c of clusters) {
      await waitFor(`the ClusterSetIP import in ${c}`, async () => (await serviceImport(c, ns, 'cache'))?.spec.type === 'ClusterSetIP');
    }
  });

  void it('removes the imports, broker objects and copied slices when the service is unexported', async () => {
    const ns = await namespace('lh-unexport');
    await createService('cluster2', ns, 'web', { type: 'ClusterIP', ports: [{ name: 'http', protocol: 'TCP', port: 80 }] });
    await exportService('cluster2', ns, 'web');
    for (const c of clusters) {
      await waitFor(`the import and slice in ${c}`, async () => (await serviceImport(c, ns, 'web')) !== undefined && (await lighthouseSlices(c, ns, 'web')).length === 1);
    }
    assert.deepEqual(await brokerObjects(ns), [`EndpointSlice/web-${ns}-cluster2`, `ServiceImport/web-${ns}-cluster2`]);

    await unexportService('cluster2', ns, 'web');
    await waitFor('the broker objects to go', async () => (await brokerObjects(ns)).length === 0);
    for (const c of clusters) {
      await waitFor(`the import and slices in ${c} to go`, async () => (await serviceImport(c, ns, 'web')) === undefined && (await lighthouseSlices(c, ns, 'web')).length === 0);
    }
  });

  void it('publishes an export deleted and created again at once, with no failed write on the way', async () => {
    const ns = await namespace('lh-reexport');
    await createService('cluster2', ns, 'web', { type: 'ClusterIP', ports: [{ name: 'http', protocol: 'TCP', port: 80 }] });
    await exportService('cluster2', ns, 'web');
    await waitFor('the import in cluster1', () => serviceImport('cluster1', ns, 'web'));
    const logged = problems.length;

    await unexportService('cluster2', ns, 'web');
    await exportService('cluster2', ns, 'web');
    const se = await waitFor('the new export to be Ready', async () => {
      const found = await getCustom<ServiceExport>('cluster2', ServiceExportResource, ns, 'web');
      return condition(found, 'Ready').status === 'True' && found?.metadata.uid !== undefined ? found : undefined;
    });
    await waitFor('the import and slice in cluster1', async () => (await serviceImport('cluster1', ns, 'web')) !== undefined && (await lighthouseSlices('cluster1', ns, 'web')).length === 1);
    assert.deepEqual(await brokerObjects(ns), [`EndpointSlice/web-${ns}-cluster2`, `ServiceImport/web-${ns}-cluster2`]);
    assert.equal(condition(se, 'Ready').status, 'True');
    assert.deepEqual(problems.slice(logged).filter((p) => p.includes(ns)), []);
  });

  void it('withdraws the export when its Service is deleted, saying so on the ServiceExport', async () => {
    const ns = await namespace('lh-nosvc');
    await createService('cluster2', ns, 'gone', { type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP' }] });
    await exportService('cluster2', ns, 'gone');
    await waitFor('the import in cluster1', () => serviceImport('cluster1', ns, 'gone'));
    await kc.cluster2.makeApiClient(CoreV1Api).deleteNamespacedService({ name: 'gone', namespace: ns });
    await waitFor('the import in cluster1 to go', async () => (await serviceImport('cluster1', ns, 'gone')) === undefined);
    assert.deepEqual(await brokerObjects(ns), []);
    const se = await waitFor('Valid=False', async () => {
      const got = await serviceExport('cluster2', ns, 'gone');
      return condition(got, 'Valid').status === 'False' ? got : undefined;
    });
    assert.deepEqual(conditionsOf(se), { Valid: 'False/NoService', Ready: 'False/Failed' });
  });

  void it('exports a headless service with one record per ready backend: hostname, addresses and node', async () => {
    const ns = await namespace('lh-headless');
    await createService('cluster2', ns, 'peers', { clusterIP: 'None', ports: [{ name: 'peer', protocol: 'TCP', port: 7000 }] });
    await createSlice('cluster2', ns, 'peers', 'peers-x7k2p', {
      addressType: 'IPv4',
      endpoints: [
        { addresses: ['10.242.0.10'], hostname: 'peer-0', nodeName: 'worker-a', conditions: { ready: true } },
        { addresses: ['10.242.0.11'], hostname: 'peer-1', nodeName: 'worker-b', conditions: { ready: true } },
        { addresses: ['10.242.0.12'], hostname: 'peer-2', nodeName: 'worker-b', conditions: { ready: false } },
      ],
      ports: [{ name: 'peer', protocol: 'TCP', port: 7000 }],
    });
    await exportService('cluster2', ns, 'peers');

    const si = await waitFor('the import in cluster1', () => serviceImport('cluster1', ns, 'peers'));
    assert.equal(si.spec.type, 'Headless');
    assert.equal(si.spec.ips, undefined);
    const [slice] = await waitFor('the headless slice in cluster1', async () => {
      const found = await lighthouseSlices('cluster1', ns, 'peers');
      return found.length > 0 ? found : undefined;
    });
    assert.equal(slice?.metadata?.name, `peers-x7k2p-${ns}-cluster2`);
    assert.equal(slice?.metadata?.labels?.['lighthouse.submariner.io/is-headless'], 'true');
    assert.equal(slice?.metadata?.labels?.['lighthouse.submariner.io/source-name'], 'peers-x7k2p');
    assert.deepEqual(
      slice?.endpoints.map((e) => ({ addresses: e.addresses, hostname: e.hostname, nodeName: e.nodeName, ready: e.conditions?.ready })),
      [
        { addresses: ['10.242.0.10'], hostname: 'peer-0', nodeName: 'worker-a', ready: true },
        { addresses: ['10.242.0.11'], hostname: 'peer-1', nodeName: 'worker-b', ready: true },
      ],
    );
    assert.deepEqual(slice?.ports?.map((p) => `${p.name}/${p.protocol}/${p.port}`), ['peer/TCP/7000']);
    assert.deepEqual(slice?.metadata?.ownerReferences?.map((o) => `${o.kind}/${o.name}/${o.uid}`), [`ServiceImport/peers/${si.metadata.uid}`]);
  });

  void it('keeps each copy as the exporting cluster publishes it: what no longer applies goes, a hand edit is put back at the next change', async () => {
    const ns = await namespace('lh-copies');
    await createService('cluster2', ns, 'cache', { clusterIP: 'None', publishNotReadyAddresses: true, ports: [{ name: 'redis', protocol: 'TCP', port: 6379 }] });
    await createSlice('cluster2', ns, 'cache', 'cache-abcde', {
      addressType: 'IPv4',
      endpoints: [
        { addresses: ['10.242.0.20'], conditions: { ready: true } },
        { addresses: ['10.242.0.21'], conditions: { ready: false } },
      ],
      ports: [{ name: 'redis', protocol: 'TCP', port: 6379 }],
    });
    await exportService('cluster2', ns, 'cache');
    const addresses = (s: V1EndpointSlice | undefined) => (s?.endpoints ?? []).flatMap((e) => e.addresses).sort();
    const [first] = await waitFor('the copy in cluster1, not-ready backend included', async () => {
      const found = await lighthouseSlices('cluster1', ns, 'cache');
      return addresses(found[0]).length === 2 ? found : undefined;
    });
    assert.equal(first?.metadata?.annotations?.['lighthouse.submariner.io/publish-not-ready-addresses'], 'true');

    const discovery = kc.cluster1.makeApiClient(DiscoveryV1Api);
    await discovery.patchNamespacedEndpointSlice({ name: first?.metadata?.name ?? '', namespace: ns, body: { metadata: { labels: { 'edited-by': 'hand' } } } }, mergePatch);
    await kc.cluster2.makeApiClient(CoreV1Api).patchNamespacedService({ name: 'cache', namespace: ns, body: { spec: { publishNotReadyAddresses: false } } }, mergePatch);

    const [copy] = await waitFor('the copy in cluster1 without the not-ready backend', async () => {
      const found = await lighthouseSlices('cluster1', ns, 'cache');
      return addresses(found[0]).length === 1 ? found : undefined;
    });
    assert.deepEqual(addresses(copy), ['10.242.0.20']);
    assert.equal(copy?.metadata?.annotations?.['lighthouse.submariner.io/publish-not-ready-addresses'], undefined);
    assert.equal(copy?.metadata?.labels?.['edited-by'], undefined);
    const onBroker = await kc.broker.makeApiClient(DiscoveryV1Api).readNamespacedEndpointSlice({ name: `cache-abcde-${ns}-cluster2`, namespace: brokerNamespace });
    assert.equal(onBroker.metadata?.annotations?.['lighthouse.submariner.io/publish-not-ready-addresses'], undefined);
    assert.deepEqual(addresses(onBroker), ['10.242.0.20']);
  });

  void it('survives malformed exports, reporting each on its ServiceExport, and keeps exporting', async () => {
    const ns = await namespace('lh-bad');
    await exportService('cluster2', ns, 'ghost');
    await createService('cluster2', ns, 'ext', { type: 'ExternalName', externalName: 'example.com' });
    await exportService('cluster2', ns, 'ext');
    await createService('cluster2', ns, 'np', { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP' }] });
    await exportService('cluster2', ns, 'np');
    await createService('cluster2', ns, 'labelled', { type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP' }] });
    await exportService('cluster2', ns, 'labelled', { exportedLabels: { 'not a label!': 'x' } });

    const state = async (name: string) => conditionsOf(await serviceExport('cluster2', ns, name));
    await waitFor('the ServiceExport conditions', async () => Object.keys(await state('labelled')).length === 2);
    assert.deepEqual(await waitFor('ghost', async () => ((await state('ghost')).Valid ? state('ghost') : undefined)), { Valid: 'False/NoService', Ready: 'False/Failed' });
    assert.deepEqual(await waitFor('ext', async () => ((await state('ext')).Valid ? state('ext') : undefined)), { Valid: 'False/InvalidServiceType', Ready: 'False/Failed' });
    assert.deepEqual(await waitFor('np', async () => ((await state('np')).Valid ? state('np') : undefined)), { Valid: 'False/InvalidServiceType', Ready: 'False/Failed' });
    assert.deepEqual(await state('labelled'), { Valid: 'True/Valid', Ready: 'False/Failed' });
    assert.match(condition(await serviceExport('cluster2', ns, 'labelled'), 'Ready').message, /exportedLabels holds the invalid label key "not a label!"/);
    assert.deepEqual(await brokerObjects(ns), []);

    await createService('cluster2', ns, 'fine', { type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP' }] });
    await exportService('cluster2', ns, 'fine');
    await waitFor('the import of a good export in cluster1', () => serviceImport('cluster1', ns, 'fine'));
  });
  void it('stops serving a cluster whose gateway connection stays down past the grace period, and serves it again once connected', async () => {
    const ns = await namespace('lh-connect');
    for (const c of clusters) await createService(c, ns, 'echo', { type: 'ClusterIP', ports: [{ name: 'echo', protocol: 'TCP', port: 7 }] });
    for (const c of clusters) await exportService(c, ns, 'echo');
    const sources = async () => (await lighthouseSlices('cluster1', ns, 'echo')).map((s) => s.metadata?.labels?.['multicluster.kubernetes.io/source-cluster']);
    await waitFor('both clusters\' slices in cluster1', async () => (await sources()).length === 2);

    const gateway = new ActiveGateway(kc.cluster1, `lh-test-${suffix}`);
    try {
      await gateway.report('cluster2', 'connected');
      await sleep(graceMs + 500);
      assert.deepEqual((await sources()).sort(), ['cluster1', 'cluster2'], 'a connected cluster stays served');

      await gateway.report('cluster2', 'error');
      const down = Date.now();
      await waitFor('cluster2\'s slice to go from cluster1', async () => (await sources()).length === 1, graceMs + 5000);
      assert.ok(Date.now() - down >= graceMs - 100, `cluster2 stopped being served after ${Date.now() - down} ms, before the grace period ended`);
      assert.deepEqual(await sources(), ['cluster1']);
      assert.ok(await serviceImport('cluster1', ns, 'echo'), 'the import stays while cluster1 exports it');

      await gateway.report('cluster2', 'connected');
      await waitFor('cluster2\'s slice to come back', async () => (await sources()).length === 2);
    } finally {
      await gateway.delete();
    }
  });

  void it('stops serving a cluster that leaves the clusterset (its broker Cluster is removed)', async () => {
    const ns = await namespace('lh-leave');
    await createService('cluster2', ns, 'web', { type: 'ClusterIP', ports: [{ name: 'http', protocol: 'TCP', port: 80 }] });
    await exportService('cluster2', ns, 'web');
    await waitFor('the slice in cluster1', async () => (await lighthouseSlices('cluster1', ns, 'web')).length === 1);

    const api = kc.broker.makeApiClient(CustomObjectsApi);
    const ref = { ...customObjectRef(ClusterResource), namespace: brokerNamespace, name: 'cluster2' };
    const saved = (await api.getNamespacedCustomObject(ref)) as { metadata: Record<string, unknown> };
    await api.deleteNamespacedCustomObject(ref);
    try {
      await waitFor('cluster2\'s import and slice to go from cluster1', async () => (await serviceImport('cluster1', ns, 'web')) === undefined && (await lighthouseSlices('cluster1', ns, 'web')).length === 0);
    } finally {
      const { name, namespace: objNs, labels } = saved.metadata;
      await api.createNamespacedCustomObject({ ...ref, body: { ...saved, metadata: { name, namespace: objNs, labels } } });
    }
    await waitFor('cluster2 to be served again once it is back', async () => (await lighthouseSlices('cluster1', ns, 'web')).length === 1);
  });

  void it('cleans up after exports deleted while the agent was down', async () => {
    const ns = await namespace('lh-restart');
    await createService('cluster2', ns, 'web', { type: 'ClusterIP', ports: [{ name: 'http', protocol: 'TCP', port: 80 }] });
    await exportService('cluster2', ns, 'web');
    await waitFor('the import in cluster1', () => serviceImport('cluster1', ns, 'web'));

    await agents.cluster2.stop();
    await unexportService('cluster2', ns, 'web');
    await sleep(300);
    assert.equal((await brokerObjects(ns)).length, 2, 'nothing withdraws the export while the agent is down');
    agents.cluster2 = await startAgent('cluster2');
    await waitFor('the broker objects to go', async () => (await brokerObjects(ns)).length === 0);
    for (const c of clusters) await waitFor(`the import in ${c} to go`, async () => (await serviceImport(c, ns, 'web')) === undefined);
  });
});
