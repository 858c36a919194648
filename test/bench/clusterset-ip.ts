// Clusterset IP data plane costs, beside kube-proxy's iptables mode in the same run:
// - rule programming: 1,000 imported services with 10 ready endpoints each, programmed by the route agent's planner in
//   one iptables-restore into an empty network namespace, against kube-proxy (the cached Kubernetes build) programming
//   1,000 ClusterIP Services with 10 endpoints each from cluster1's apiserver into another empty namespace (its own
//   sync-duration metric for the sync that wrote them all);
// - connection latency: a client two routers away from its server, through the clusterset IP (DNAT on the client's
//   router by the route agent's chains) against the same connection to the ClusterIP directly (DNAT on the server's
//   router by that kube-proxy), each router holding its 1,000 services.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { KubeConfig, type V1EndpointSlice } from '@kubernetes/client-node';
import type { ServiceImport } from '../../src/api/generated.js';
import { labels, lighthouseManagedBy } from '../../src/api/names.js';
import { ExecRunner } from '../../src/net/command.js';
import { Iptables } from '../../src/net/packetfilter/iptables.js';
import { planClustersetIpRules } from '../../src/routeagent/clusterset-ip/plan.js';
import { vipServices } from '../../src/routeagent/clusterset-ip/services.js';
import { binaries } from '../../src/sandbox/binaries/versions.js';
import type { LighthouseFleet } from './lighthouse-fleet.js';
import { freePort, pool, stopChild } from './process.js';
import { ms, percentile, type BenchRow } from './table.js';

const services = 1000;
const endpoints = 10;
const connections = 400;
const ns = { client: 'ksub-bcsip-c', vipRouter: 'ksub-bcsip-a', proxyRouter: 'ksub-bcsip-b', server: 'ksub-bcsip-s' } as const;
const serverAddresses = Array.from({ length: endpoints }, (_, i) => `10.99.3.${i + 2}`);
const runner = new ExecRunner();
const sh = (args: string[]) => runner.run(args[0] ?? '', args.slice(1));
const inNs = (n: string, ...args: string[]) => sh(['ip', 'netns', 'exec', n, ...args]);
const progress = (message: string) => process.stderr.write(`discovery benchmark: clusterset IPs: ${message}\n`);

/** Endpoint `e` of service `i`: service 0's are the server's addresses, the others unreachable pod IPs. */
const endpointAddress = (i: number, e: number): string => (i === 0 ? (serverAddresses[e] ?? '') : `10.${100 + (i % 50)}.${Math.floor(i / 50)}.${e + 1}`);

/** The imports and Lighthouse slices the route agent's caches would hold for the benchmark services. */
function importedObjects(): { imports: ServiceImport[]; slices: V1EndpointSlice[] } {
  const imports: ServiceImport[] = [];
  const slices: V1EndpointSlice[] = [];
  for (let i = 0; i < services; i++) {
    const name = `svc-${i}`;
    imports.push({
      apiVersion: 'multicluster.x-k8s.io/v1beta1',
      kind: 'ServiceImport',
      metadata: { name, namespace: 'bench', labels: { [labels.appManagedBy]: lighthouseManagedBy } },
      spec: { type: 'ClusterSetIP', ips: [`243.0.${Math.floor((i + 1) / 256)}.${(i + 1) % 256}`], ports: [{ name: 'http', protocol: 'TCP', port: 80 }] },
    });
    slices.push({
      metadata: {
        name: `${name}-pods-bench-cluster2`,
        namespace: 'bench',
        labels: { [labels.managedBy]: lighthouseManagedBy, [labels.serviceName]: name, [labels.sourceCluster]: 'cluster2', [labels.sourceNamespace]: 'bench', [labels.podEndpoints]: 'true' },
      },
      addressType: 'IPv4',
      endpoints: Array.from({ length: endpoints }, (_, e) => ({ addresses: [endpointAddress(i, e)], conditions: { ready: true } })),
      ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
    });
  }
  return { imports, slices };
}

/** client — vipRouter — proxyRouter — server, on veths; the routers forward. */
async function topology(): Promise<void> {
  await teardown();
  for (const n of Object.values(ns)) await sh(['ip', 'netns', 'add', n]);
  const link = async (a: string, aIf: string, aIp: string, b: string, bIf: string, bIp: string) => {
    await sh(['ip', 'link', 'add', aIf, 'netns', a, 'type', 'veth', 'peer', 'name', bIf, 'netns', b]);
    for (const [n, i, ip] of [[a, aIf, aIp], [b, bIf, bIp]] as const) {
      await inNs(n, 'ip', 'addr', 'add', ip, 'dev', i);
      await inNs(n, 'ip', 'link', 'set', 'dev', i, 'up');
      await inNs(n, 'ip', 'link', 'set', 'dev', 'lo', 'up');
    }
  };
  await link(ns.client, 'eth0', '10.99.1.2/24', ns.vipRouter, 'lan', '10.99.1.1/24');
  await link(ns.vipRouter, 'wan', '10.99.2.1/24', ns.proxyRouter, 'lan', '10.99.2.2/24');
  await link(ns.proxyRouter, 'wan', '10.99.3.1/24', ns.server, 'eth0', `${serverAddresses[0] ?? ''}/24`);
  for (const a of serverAddresses.slice(1)) await inNs(ns.server, 'ip', 'addr', 'add', `${a}/24`, 'dev', 'eth0');
  await inNs(ns.client, 'ip', 'route', 'add', 'default', 'via', '10.99.1.1');
  await inNs(ns.vipRouter, 'ip', 'route', 'add', 'default', 'via', '10.99.2.2');
  await inNs(ns.proxyRouter, 'ip', 'route', 'add', '10.99.1.0/24', 'via', '10.99.2.1');
  await inNs(ns.server, 'ip', 'route', 'add', 'default', 'via', '10.99.3.1');
  for (const r of [ns.vipRouter, ns.proxyRouter]) await inNs(r, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
}

async function teardown(): Promise<void> {
  for (const n of Object.values(ns)) await sh(['ip', 'netns', 'del', n]).catch(() => undefined);
  await sh(['ip', 'link', 'del', 'ksub-bcsip-h']).catch(() => undefined);
}

/** Creates `services` ClusterIP Services with `endpoints` ready endpoints each in cluster1's namespace `bench-kp`. */
async function kubeProxyServices(f: LighthouseFleet): Promise<string> {
  const api = f.api.cluster1;
  await api.core.createNamespace({ body: { metadata: { name: 'bench-kp' } } });
  let target = '';
  await pool(
    Array.from({ length: services }, (_, i) => i),
    16,
    async (i) => {
      const name = `svc-${i}`;
      const svc = await api.core.createNamespacedService({ namespace: 'bench-kp', body: { metadata: { name }, spec: { ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }] } } });
      if (i === 0) target = svc.spec?.clusterIP ?? '';
      await api.discovery.createNamespacedEndpointSlice({
        namespace: 'bench-kp',
        body: {
          metadata: { name: `${name}-pods`, labels: { 'kubernetes.io/service-name': name, [labels.managedBy]: 'bench.kubectl-submariner.io' } },
          addressType: 'IPv4',
          endpoints: Array.from({ length: endpoints }, (_, e) => ({ addresses: [endpointAddress(i, e)], conditions: { ready: true } })),
          ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
        },
      });
    },
  );
  return target;
}

interface SyncMetrics {
  count: number;
  sum: number;
}

async function kubeSvcChains(): Promise<number> {
  const out = (await inNs(ns.proxyRouter, 'iptables-save', '-t', 'nat')).stdout;
  return out.split('\n').filter((l) => l.startsWith(':KUBE-SVC-')).length;
}

/**
 * cluster1's apiserver as the proxy router's namespace reaches it: a veth to the host and a TCP relay from its host
 * end to the apiserver's loopback address (the relay's address is not in the serving certificate: not verified).
 */
async function apiserverForRouter(f: LighthouseFleet, dir: string): Promise<{ kubeconfig: string; relay: Server }> {
  await sh(['ip', 'link', 'add', 'ksub-bcsip-h', 'type', 'veth', 'peer', 'name', 'host', 'netns', ns.proxyRouter]);
  await sh(['ip', 'addr', 'add', '10.99.9.1/30', 'dev', 'ksub-bcsip-h']);
  await sh(['ip', 'link', 'set', 'dev', 'ksub-bcsip-h', 'up']);
  await inNs(ns.proxyRouter, 'ip', 'addr', 'add', '10.99.9.2/30', 'dev', 'host');
  await inNs(ns.proxyRouter, 'ip', 'link', 'set', 'dev', 'host', 'up');
  const kc = new KubeConfig();
  kc.loadFromFile(f.kubeconfigs.cluster1);
  const cluster = kc.getCurrentCluster();
  const target = new URL(cluster?.server ?? '');
  const relay = createServer((c) => {
    const up = connect(Number(target.port), target.hostname);
    c.pipe(up).pipe(c);
    const close = () => {
      c.destroy();
      up.destroy();
    };
    c.on('error', close);
    up.on('error', close);
  });
  const port = await new Promise<number>((resolve) => relay.listen(0, '10.99.9.1', () => resolve((relay.address() as AddressInfo).port)));
  const routed = new KubeConfig();
  routed.loadFromOptions({
    clusters: [{ name: 'cluster1', server: `https://10.99.9.1:${port}`, skipTLSVerify: true }],
    users: kc.users,
    contexts: [{ name: 'cluster1', cluster: 'cluster1', user: kc.getCurrentUser()?.name ?? '' }],
    currentContext: 'cluster1',
  });
  const kubeconfig = join(dir, 'kube-proxy.kubeconfig');
  writeFileSync(kubeconfig, routed.exportConfig(), { mode: 0o600 });
  return { kubeconfig, relay };
}

/** Starts kube-proxy in the proxy router's namespace; resolves with the duration of the sync that programmed every service. */
async function runKubeProxy(kubeconfig: string): Promise<{ child: ChildProcess; syncMs: number }> {
  const metricsPort = await freePort();
  const child = spawn(
    'ip',
    [
      'netns', 'exec', ns.proxyRouter, binaries().kubeProxy,
      '--kubeconfig', kubeconfig, '--proxy-mode', 'iptables', '--hostname-override', 'bench-node',
      '--metrics-bind-address', `127.0.0.1:${metricsPort}`, '--healthz-bind-address', '', '--iptables-min-sync-period', '0s',
      '--conntrack-max-per-core', '0', '--conntrack-tcp-timeout-established', '0', '--conntrack-tcp-timeout-close-wait', '0', '--v', '2',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    // kube-proxy's complaints about nfacct counters the namespace lacks say nothing about its sync.
    const lines = d.toString().split('\n').filter((l) => l !== '' && !l.includes('nfacct'));
    if (lines.length > 0) stderr = `${stderr}\n${lines.join('\n')}`.slice(-4000);
  });
  let prev: SyncMetrics = { count: 0, sum: 0 };
  const deadline = Date.now() + 900_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`kube-proxy exited ${child.exitCode}: ${stderr}`);
    if (Date.now() > deadline) throw new Error(`kube-proxy did not program ${services} services within 900 s: ${stderr}`);
    // kube-proxy serves its metrics in the router's namespace: read them from there.
    const m = await inNs(ns.proxyRouter, 'curl', '-s', '--max-time', '2', `http://127.0.0.1:${metricsPort}/metrics`)
      .then((r) => parseSync(r.stdout))
      .catch(() => undefined);
    if (m !== undefined && m.count > prev.count) {
      const perSync = (m.sum - prev.sum) / (m.count - prev.count);
      prev = m;
      if ((await kubeSvcChains()) >= services) return { child, syncMs: perSync * 1000 };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function parseSync(text: string): SyncMetrics | undefined {
  // The IPv4 proxier's series (labelled ip_family since kube-proxy runs both families).
  const value = (name: string) => Number(text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{ip_family="IPv4"} `))?.split(' ')[1] ?? NaN);
  const count = value('kubeproxy_sync_proxy_rules_duration_seconds_count');
  return Number.isFinite(count) ? { count, sum: value('kubeproxy_sync_proxy_rules_duration_seconds_sum') } : undefined;
}

/** `connections` sequential TCP connections from the client to `host:port`, each sending a line and reading the reply: ms each. */
async function connectTimes(host: string, port: number): Promise<number[]> {
  const script = `
const net = require('node:net');
const out = [];
(async () => {
  for (let i = 0; i < ${connections}; i++) {
    const t = process.hrtime.bigint();
    await new Promise((resolve, reject) => {
      const s = net.connect(${port}, ${JSON.stringify(host)}, () => s.write('x'));
      s.setTimeout(3000, () => reject(new Error('timeout')));
      s.once('data', () => { s.destroy(); resolve(); });
      s.once('error', reject);
    });
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(e.message); process.exit(1); });`;
  const r = await inNs(ns.client, process.execPath, '-e', script);
  return JSON.parse(r.stdout) as number[];
}

export async function clustersetIpRows(f: LighthouseFleet, dir: string): Promise<BenchRow[]> {
  progress('building the router namespaces');
  await topology();
  let kubeProxy: ChildProcess | undefined;
  let server: ChildProcess | undefined;
  let relay: Server | undefined;
  try {
    const { imports, slices } = importedObjects();
    const ipt = new Iptables(runner, { netns: ns.vipRouter, timeoutMs: 600_000 });
    progress(`programming ${services} clusterset IPs × ${endpoints} endpoints`);
    const t0 = process.hrtime.bigint();
    await ipt.apply(planClustersetIpRules(vipServices(imports, slices, 'cluster1')));
    const ourMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const t1 = process.hrtime.bigint();
    const again = await ipt.apply(planClustersetIpRules(vipServices(imports, slices, 'cluster1')));
    const resyncMs = Number(process.hrtime.bigint() - t1) / 1e6;
    if (again.changed) throw new Error('programming the same clusterset IPs twice rewrote the rules');

    progress(`creating ${services} ClusterIP Services × ${endpoints} endpoints for kube-proxy`);
    const clusterIp = await kubeProxyServices(f);
    const api = await apiserverForRouter(f, dir);
    relay = api.relay;
    const kp = await runKubeProxy(api.kubeconfig);
    kubeProxy = kp.child;
    await inNs(ns.vipRouter, 'ip', 'route', 'add', '10.141.0.0/16', 'via', '10.99.2.2');

    progress(`latency: ${connections} connections through the clusterset IP and to the ClusterIP directly`);
    server = spawn('ip', ['netns', 'exec', ns.server, process.execPath, '-e', "require('node:net').createServer((s) => s.on('data', () => s.end('ok'))).listen(8080)"], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 500));
    const vip = imports[0]?.spec.ips?.[0] ?? '';
    // Alternate the two, so that load from elsewhere on the host falls on both alike.
    const viaVip: number[] = [];
    const direct: number[] = [];
    for (let round = 0; round < 4; round++) {
      viaVip.push(...(await connectTimes(vip, 80)));
      direct.push(...(await connectTimes(clusterIp, 80)));
    }
    const p = (v: number[], q: number) => ms(percentile(v, q), 3);
    return [
      { metric: `programming ${services} services × ${endpoints} endpoints into an empty node (route agent: plan + one iptables-restore; kube-proxy: its sync)`, value: ms(ourMs), baseline: ms(kp.syncMs), target: 'no slower than kube-proxy' },
      { metric: 'programming the same services again (nothing to change: one iptables-save, no restore)', value: ms(resyncMs), baseline: '-' },
      { metric: `connection + one round trip through the clusterset IP, p50 (baseline: to the ClusterIP directly, DNAT by kube-proxy on the far router)`, value: p(viaVip, 50), baseline: p(direct, 50), target: 'within 10%' },
      { metric: 'connection + one round trip, p99', value: p(viaVip, 99), baseline: p(direct, 99) },
      { metric: `connections measured each way (4 alternating rounds of ${connections})`, value: String(viaVip.length), baseline: String(direct.length) },
    ];
  } finally {
    if (server) await stopChild(server);
    if (kubeProxy) await stopChild(kubeProxy);
    relay?.close();
    await teardown();
  }
}
