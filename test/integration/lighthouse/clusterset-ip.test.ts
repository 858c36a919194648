// Clusterset IPs and the KEP-1645 conflict rules with two and three exporting clusters: cluster1, cluster2, and the
// broker's own apiserver joined as cluster3 (a broker cluster may be a member too), each with its agent in this process.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Service } from '@kubernetes/client-node';
import { ServiceExportResource, ServiceImportResource, type Condition, type ServiceExport, type ServiceImport } from '../../../src/api/index.js';
import type { Logger } from '../../../src/base/log.js';
import { brokerKubeConfigFromEnv } from '../../../src/kube/broker-config.js';
import { mergePatch } from '../../../src/kube/apply.js';
import { LighthouseAgent } from '../../../src/lighthouse/agent/agent.js';
import { parseAgentConfig } from '../../../src/lighthouse/agent/config.js';
import { cidrContains, parseCidr, parseIp } from '../../../src/net/cidr.js';
import { useFleet, type TestFleet } from '../../support/fleet.js';
import { brokerNamespace, deployAndJoin, deploymentEnv } from '../../support/join.js';
import { eventually, kubectlFor } from '../../support/kubectl.js';

const members = ['cluster1', 'cluster2', 'cluster3'] as const;
type Member = (typeof members)[number];
const suffix = randomBytes(3).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'ksub-csip-'));
const kc = {} as Record<Member, KubeConfig>;
const agents = {} as Partial<Record<Member, LighthouseAgent>>;
const blocks = {} as Record<Member, string>;
const namespaces: string[] = [];
const problems: string[] = [];
let fleet: TestFleet;

const log: Logger = {
  debug() {},
  info() {},
  warn: (message, fields) => problems.push(`warn ${message} ${JSON.stringify(fields ?? {})}`),
  error: (message, fields) => problems.push(`error ${message} ${JSON.stringify(fields ?? {})}`),
};

async function startAgent(cluster: Member): Promise<LighthouseAgent> {
  const env = await deploymentEnv(kc[cluster], 'lighthouse-agent');
  const broker = brokerKubeConfigFromEnv(env);
  const agent = new LighthouseAgent({ config: parseAgentConfig(env), local: kc[cluster], broker: broker.kc, brokerNamespace: broker.namespace, log });
  await agent.start();
  await eventually(async () => agent.reconciling || undefined, 30_000, `the ${cluster} agent's watches to sync`);
  return agent;
}

before(async () => {
  fleet = await useFleet();
  for (const c of ['cluster1', 'cluster2'] as const) kc[c] = fleet.kubeConfig(c);
  kc.cluster3 = fleet.kubeConfig('broker');
  await deployAndJoin(
    kc.cluster3,
    {
      cluster1: { kc: kc.cluster1, clusterCidr: '10.241.0.0/16', serviceCidr: '10.141.0.0/16' },
      cluster2: { kc: kc.cluster2, clusterCidr: '10.242.0.0/16', serviceCidr: '10.142.0.0/16' },
      cluster3: { kc: kc.cluster3, clusterCidr: '10.240.0.0/16', serviceCidr: '10.140.0.0/16' },
    },
    dir,
    { enableClustersetIp: true },
  );
  for (const c of members) {
    blocks[c] = (await deploymentEnv(kc[c], 'lighthouse-agent')).SUBMARINER_CLUSTERSET_IP_CIDR ?? '';
    agents[c] = await startAgent(c);
  }
});

after(async () => {
  for (const ns of namespaces) for (const c of members) await kc[c]?.makeApiClient(CoreV1Api).deleteNamespace({ name: ns }).catch(() => undefined);
  await sleep(1000);
  for (const agent of Object.values(agents)) await agent.stop();
  rmSync(dir, { recursive: true, force: true });
  const unexpected = problems.filter((p) => !p.includes('watch stopped, restarting'));
  if (unexpected.length > 0) process.stderr.write(`agent log:\n${unexpected.join('\n')}\n`);
});

// ---------------------------------------------------------------- helpers

async function namespace(prefix: string): Promise<string> {
  const ns = `${prefix}-${suffix}`;
  namespaces.push(ns);
  for (const c of members) await kc[c].makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  return ns;
}

async function createService(c: Member, ns: string, name: string, spec: V1Service['spec']): Promise<void> {
  await kc[c].makeApiClient(CoreV1Api).createNamespacedService({ namespace: ns, body: { metadata: { name }, spec } });
}

const custom = (c: Member) => kc[c].makeApiClient(CustomObjectsApi);
const ref = (r: typeof ServiceExportResource | typeof ServiceImportResource, namespace: string) => ({ group: r.group, version: r.version, plural: r.plural, namespace });

async function exportService(c: Member, ns: string, name: string, annotations?: Record<string, string>): Promise<void> {
  const r = ServiceExportResource;
  await custom(c).createNamespacedCustomObject({ ...ref(r, ns), body: { apiVersion: `${r.group}/${r.version}`, kind: r.kind, metadata: { name, namespace: ns, ...(annotations ? { annotations } : {}) }, spec: {} } });
}

async function unexportService(c: Member, ns: string, name: string): Promise<void> {
  await custom(c).deleteNamespacedCustomObject({ ...ref(ServiceExportResource, ns), name });
}

const get = <T>(c: Member, r: typeof ServiceExportResource | typeof ServiceImportResource, ns: string, name: string): Promise<T | undefined> =>
  (custom(c).getNamespacedCustomObject({ ...ref(r, ns), name }) as Promise<T>).catch(() => undefined);
const serviceImport = (c: Member, ns: string, name: string) => get<ServiceImport>(c, ServiceImportResource, ns, name);
const serviceExport = (c: Member, ns: string, name: string) => get<ServiceExport>(c, ServiceExportResource, ns, name);

function conflictOf(se: ServiceExport | undefined): Pick<Condition, 'status' | 'reason' | 'message'> {
  const c = se?.status?.conditions?.find((x) => x.type === 'Conflict');
  return { status: c?.status ?? 'Unknown', reason: c?.reason ?? '(none)', message: c?.message ?? '' };
}

/** Waits until every listed cluster's export of the service has the Conflict reason (or False), and returns them. */
async function conflicts(where: readonly Member[], ns: string, name: string, reason: string | false): Promise<ReturnType<typeof conflictOf>[]> {
  return Promise.all(
    where.map((c) =>
      eventually(
        async () => {
          const got = conflictOf(await serviceExport(c, ns, name));
          return (reason === false ? got.status === 'False' : got.status === 'True' && got.reason === reason) ? got : undefined;
        },
        20_000,
        `Conflict ${reason === false ? 'False' : reason} on the export of ${ns}/${name} in ${c}`,
      ),
    ),
  );
}

/** The clusterset IP each cluster's import shows, once all of them show one and the same. */
async function sameVip(where: readonly Member[], ns: string, name: string): Promise<string> {
  return eventually(
    async () => {
      const ips = await Promise.all(where.map(async (c) => (await serviceImport(c, ns, name))?.spec.ips?.join(',')));
      return ips.every((ip) => ip !== undefined && ip !== '' && ip === ips[0]) ? ips[0] : undefined;
    },
    20_000,
    `one clusterset IP for ${ns}/${name} in ${where.join(', ')}`,
  );
}

async function brokerVips(ns: string, name: string): Promise<Record<string, string>> {
  const list = (await custom('cluster3').listNamespacedCustomObject({
    ...ref(ServiceImportResource, brokerNamespace),
    labelSelector: `lighthouse.submariner.io/sourceNamespace=${ns},multicluster.kubernetes.io/service-name=${name}`,
  })) as { items: ServiceImport[] };
  return Object.fromEntries(list.items.map((i) => [i.metadata.labels?.['multicluster.kubernetes.io/source-cluster'] ?? '?', i.metadata.annotations?.['lighthouse.submariner.io/clusterset-ip'] ?? '']));
}

const inBlock = (ip: string, block: string): boolean => cidrContains(parseCidr(block), parseIp(ip));

// ---------------------------------------------------------------- tests

void describe('clusterset IPs and conflicts on real apiservers (cluster1, cluster2, cluster3)', () => {
  void it('gives each cluster its own block of 243.0.0.0/8 at join', () => {
    for (const c of members) assert.match(blocks[c], /^243\.\d+\.\d+\.0\/20$/, `${c}: ${blocks[c]}`);
    assert.equal(new Set(Object.values(blocks)).size, 3);
  });

  void it('three exporters: one clusterset IP from the oldest exporter\'s block, the same in every import, kept when that export goes and after restarts, released with the last export', async () => {
    const ns = await namespace('csip-vip');
    for (const c of members) await createService(c, ns, 'web', { ports: [{ name: 'http', protocol: 'TCP', port: 80 }] });
    await exportService('cluster2', ns, 'web');
    const first = await sameVip(['cluster2'], ns, 'web');
    // Exports are ordered by their creation time, in whole seconds (ties go by cluster name): the others come a second later.
    await sleep(1_100);
    await exportService('cluster1', ns, 'web');
    await exportService('cluster3', ns, 'web');
    const vip = await sameVip(members, ns, 'web');
    assert.equal(vip, first);
    assert.ok(inBlock(vip, blocks.cluster2), `${vip} comes from cluster2's block ${blocks.cluster2}`);
    await eventually(async () => (Object.values(await brokerVips(ns, 'web')).filter((v) => v === vip).length === 3 ? true : undefined), 20_000, 'every export to carry the IP');

    const out = await kubectlFor(fleet.kubeconfigPath, 'cluster1')(['get', 'serviceimport', '-A']);
    assert.match(out, new RegExp(`${ns}\\s+web\\s+ClusterSetIP\\s+\\["${vip.replace(/\./g, '\\.')}"\\]`), out);

    await unexportService('cluster2', ns, 'web');
    await eventually(async () => ((await brokerVips(ns, 'web')).cluster2 === undefined ? true : undefined), 20_000, 'cluster2 to withdraw');
    assert.equal(await sameVip(members, ns, 'web'), vip, 'the IP outlives the export that allocated it');

    await agents.cluster1?.stop();
    agents.cluster1 = await startAgent('cluster1');
    await agents.cluster1.idle();
    assert.equal(await sameVip(members, ns, 'web'), vip, 'stable across an agent restart');

    await unexportService('cluster1', ns, 'web');
    await unexportService('cluster3', ns, 'web');
    await eventually(async () => ((await serviceImport('cluster2', ns, 'web')) === undefined ? true : undefined), 20_000, 'the import to go with the last export');
    await createService('cluster2', ns, 'next', { ports: [{ name: 'http', protocol: 'TCP', port: 80 }] });
    await exportService('cluster2', ns, 'next');
    assert.equal(await sameVip(members, ns, 'next'), vip, 'the released IP is handed out again');
  });

  void it('ports [tcp 42] against [tcp 42, sctp 142 "stcp"]: ConflictingPorts on both exports naming the extra port, the union imported, cleared on both once they agree', async () => {
    const ns = await namespace('csip-ports');
    await createService('cluster1', ns, 'sig', { ports: [{ protocol: 'TCP', port: 42 }] });
    await exportService('cluster1', ns, 'sig');
    await sameVip(['cluster1'], ns, 'sig');
    await sleep(1100);
    await createService('cluster2', ns, 'sig', { ports: [{ name: 'tcp', protocol: 'TCP', port: 42 }, { name: 'stcp', protocol: 'SCTP', port: 142 }] });
    await exportService('cluster2', ns, 'sig');
    for (const c of await conflicts(['cluster1', 'cluster2'], ns, 'sig', 'ConflictingPorts')) {
      assert.match(c.message, /"stcp" SCTP\/142 is exported by cluster2 but not by cluster1/);
    }
    for (const c of members) {
      const si = await eventually(async () => {
        const got = await serviceImport(c, ns, 'sig');
        return got?.spec.ports.length === 2 ? got : undefined;
      }, 20_000, `the union of the ports in ${c}`);
      assert.deepEqual(si.spec.ports.map((p) => `${p.protocol}/${p.port}`), ['TCP/42', 'SCTP/142'], c);
    }
    await kc.cluster1.makeApiClient(CoreV1Api).patchNamespacedService(
      { name: 'sig', namespace: ns, body: { spec: { ports: [{ name: 'tcp', protocol: 'TCP', port: 42 }, { name: 'stcp', protocol: 'SCTP', port: 142 }] } } },
      mergePatch,
    );
    await conflicts(['cluster1', 'cluster2'], ns, 'sig', false);
  });

  void it('three exporters, every other conflict on every export, the oldest export deciding the import; clearing one clears it everywhere', async () => {
    const ns = await namespace('csip-kep');
    const ports = [{ name: 'http', protocol: 'TCP', port: 80 }];
    await createService('cluster1', ns, 'api', { ports, sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } });
    await exportService('cluster1', ns, 'api');
    await sameVip(['cluster1'], ns, 'api');
    await sleep(1100);
    await createService('cluster2', ns, 'api', { ports, sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 120 } } });
    await exportService('cluster2', ns, 'api', { 'lighthouse.submariner.io/use-clusterset-ip': 'false' });
    await sleep(1100);
    await createService('cluster3', ns, 'api', { ports });
    await exportService('cluster3', ns, 'api');

    const all = await conflicts(members, ns, 'api', 'ConflictingSessionAffinity,ConflictingSessionAffinityConfig,ConflictingClusterSetIPEnablement');
    for (const c of all) {
      assert.match(c.message, /session affinity: ClientIP in cluster1, cluster2, None in cluster3/);
      assert.match(c.message, /ClientIP session timeout: 60s in cluster1, 120s in cluster2/);
      assert.match(c.message, /clusterset IP: enabled in cluster1, cluster3, disabled in cluster2/);
    }
    for (const c of members) {
      const si = await serviceImport(c, ns, 'api');
      assert.equal(si?.spec.sessionAffinity, 'ClientIP', c);
      assert.deepEqual(si?.spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 60 } }, c);
      assert.equal(si?.spec.ips?.length, 1, `${c}: the oldest export asks for a clusterset IP`);
    }

    // A headless export of the same name is a type conflict; only the oldest type is served.
    await createService('cluster2', ns, 'db', { clusterIP: 'None', ports });
    await exportService('cluster2', ns, 'db');
    await eventually(async () => ((await serviceImport('cluster2', ns, 'db'))?.spec.type === 'Headless' ? true : undefined), 20_000, 'the headless import');
    await sleep(1100);
    await createService('cluster1', ns, 'db', { ports });
    await exportService('cluster1', ns, 'db');
    for (const c of await conflicts(['cluster1', 'cluster2'], ns, 'db', 'ConflictingType')) assert.match(c.message, /Headless in cluster2, ClusterSetIP in cluster1/);
    for (const c of members) {
      const si = await serviceImport(c, ns, 'db');
      assert.equal(si?.spec.type, 'Headless', c);
      assert.equal(si?.spec.ips, undefined, `${c}: a headless import has no clusterset IP`);
    }

    await unexportService('cluster2', ns, 'api');
    await conflicts(members.filter((c) => c !== 'cluster2'), ns, 'api', 'ConflictingSessionAffinity');
    await unexportService('cluster3', ns, 'api');
    await conflicts(['cluster1'], ns, 'api', false);
  });
});
