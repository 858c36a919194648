// Every agent's Prometheus metrics on the shared sandbox, scraped from a pod the way Prometheus would and read
// with a Prometheus text-format parser: the gateway's connection, latency and byte series follow the traffic
// and the Gateway status, the route agent reports its health checks, the Lighthouse agent its exports and
// imports, the DNS server its queries.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Gateway } from '../../../src/api/generated.js';
import { parseGoDuration } from '../../../src/base/duration.js';
import { ports } from '../../../src/api/agent-env.js';
import { connectClusters, disconnectClusters, submariner } from '../../support/submariner.js';
import { eventually, kubectlFor, type Kubectl } from '../../support/kubectl.js';
import { useFleet, type TestFleet } from '../../support/fleet.js';
import { startNginxAndToolbox } from '../../support/workloads.js';
import { parseExposition, samplesOf, total, type Family } from '../../support/prometheus.js';

type ClusterName = 'cluster1' | 'cluster2';
const SUBM_NS = 'submariner-operator';
const ns = `metrics-${process.pid}`;
let fleet: TestFleet;
const k: Record<ClusterName, Kubectl> = {} as never;

/** GET http://<hostPort>/metrics from cluster's toolbox pod, parsed. */
async function scrape(cluster: ClusterName, hostPort: string): Promise<Map<string, Family>> {
  const text = await k[cluster](['-n', ns, 'exec', 'toolbox', '--', 'curl', '-sf', '--max-time', '5', `http://${hostPort}/metrics`]);
  return parseExposition(text);
}

async function nodeIp(cluster: ClusterName, node: string): Promise<string> {
  return (await k[cluster](['get', 'node', node, '-o', 'jsonpath={.status.addresses[?(@.type=="InternalIP")].address}'])).trim();
}

async function podIp(cluster: ClusterName, namespace: string, selector: string): Promise<string> {
  return (await k[cluster](['-n', namespace, 'get', 'pods', '-l', selector, '-o', 'jsonpath={.items[0].status.podIP}'])).trim();
}

async function activeGateway(cluster: ClusterName): Promise<{ node: string; gateway: Gateway }> {
  const list = JSON.parse(await k[cluster](['-n', SUBM_NS, 'get', 'gateways.submariner.io', '-o', 'json'])) as { items: Gateway[] };
  const gateway = list.items.find((g) => g.status?.haStatus === 'active');
  assert.ok(gateway, `${cluster} has an active Gateway`);
  return { node: gateway.metadata?.name ?? '', gateway };
}

before(async () => {
  fleet = await useFleet();
  k.cluster1 = kubectlFor(fleet.kubeconfigPath, 'cluster1');
  k.cluster2 = kubectlFor(fleet.kubeconfigPath, 'cluster2');
  await startNginxAndToolbox(k, ns);
  connectClusters(fleet.kubeconfigPath, 'vxlan');
});

after(async () => {
  disconnectClusters(fleet.kubeconfigPath);
  for (const c of ['cluster1', 'cluster2'] as const) await k[c]?.(['delete', 'namespace', ns, '--wait=false']).catch(() => undefined);
});

describe('agent metrics', () => {
  it('the active gateway serves submariner_connections and a latency equal to the Gateway status RTT', async () => {
    await eventually(async () => {
      const { node, gateway: before } = await activeGateway('cluster1');
      const conn = before.status?.connections?.find((c) => c.endpoint.cluster_id === 'cluster2');
      if (conn?.status !== 'connected' || conn.latencyRTT?.last === undefined) return undefined;
      const f = await scrape('cluster1', `${await nodeIp('cluster1', node)}:${ports.gatewayMetrics}`);
      const { gateway: afterScrape } = await activeGateway('cluster1');
      // The gateway sets its metrics from the status it writes: compare when no status write fell between the reads.
      const same = afterScrape.status?.connections?.find((c) => c.endpoint.cluster_id === 'cluster2')?.latencyRTT?.last === conn.latencyRTT.last;
      if (!same) return undefined;
      const labels = { cable_driver: 'vxlan', local_cluster: 'cluster1', remote_cluster: 'cluster2' };
      assert.equal(total(f, 'submariner_connections', { ...labels, status: 'connected' }), 1);
      const [latency] = samplesOf(f, 'submariner_connection_latency_seconds', labels);
      assert.ok(latency, 'a latency sample for cluster2');
      assert.ok(Math.abs(latency.value - (parseGoDuration(conn.latencyRTT.last) ?? NaN) / 1e9) < 1e-6, `metric ${latency.value} s, status ${conn.latencyRTT.last}`);
      assert.ok(total(f, 'submariner_connection_established_timestamp', labels) > 0);
      assert.ok(total(f, 'submariner_gateways') >= 1);
      assert.ok(total(f, 'submariner_gateway_sync_iterations') >= 1);
      return true;
    }, 90_000, 'cluster1 connected to cluster2 with a latency in both the status and the metrics');
  });

  it('the gateway rx/tx bytes grow under iperf3 load between the clusters', async () => {
    const { node } = await activeGateway('cluster1');
    const target = `${await nodeIp('cluster1', node)}:${ports.gatewayMetrics}`;
    const bytes = async () => {
      const f = await scrape('cluster1', target);
      return { rx: total(f, 'submariner_gateway_rx_bytes', { remote_cluster: 'cluster2' }), tx: total(f, 'submariner_gateway_tx_bytes', { remote_cluster: 'cluster2' }) };
    };
    const start = await bytes();
    const server = (await k.cluster2(['-n', ns, 'get', 'pod', 'toolbox', '-o', 'jsonpath={.status.podIP}'])).trim();
    await k.cluster2(['-n', ns, 'exec', 'toolbox', '--', 'iperf3', '-s', '-1', '-D']);
    await eventually(async () => {
      const out = await k.cluster1(['-n', ns, 'exec', 'toolbox', '--', 'iperf3', '-c', server, '-t', '3', '-b', '20M']).catch(() => '');
      return /sender/.test(out) ? out : undefined;
    }, 60_000, 'iperf3 from cluster1 to cluster2');
    // The counters reach the metrics at the next status sync (every 5 s).
    const grown = await eventually(async () => {
      const now = await bytes();
      return now.tx - start.tx > 1_000_000 && now.rx > start.rx ? now : undefined;
    }, 30_000, 'tx bytes grew by more than the 1 MB iperf3 sent');
    assert.ok(grown.tx > start.tx);
  });

  it('the route agent on a worker reports its health checks of cluster2\'s gateway', async () => {
    const f = await eventually(async () => {
      const m = await scrape('cluster1', `${await nodeIp('cluster1', 'cluster1-worker')}:${ports.routeAgentMetrics}`);
      return total(m, 'submariner_routeagent_connections', { remote_cluster: 'cluster2', status: 'connected' }) === 1 ? m : undefined;
    }, 60_000, 'the route agent health check of cluster2 connected');
    assert.equal(samplesOf(f, 'submariner_routeagent_connection_latency_seconds', { local_hostname: 'cluster1-worker', remote_cluster: 'cluster2' }).length, 1);
  });

  it('the Lighthouse agent counts an export and the import, and the DNS server the queries', async () => {
    submariner(fleet.kubeconfigPath, 'export', 'service', 'nginx', '-n', ns, '--context', 'cluster2');
    const agent2 = `${await podIp('cluster2', SUBM_NS, 'app=submariner-lighthouse-agent')}:${ports.lighthouseAgentMetrics}`;
    const agent1 = `${await podIp('cluster1', SUBM_NS, 'app=submariner-lighthouse-agent')}:${ports.lighthouseAgentMetrics}`;
    await eventually(async () => (total(await scrape('cluster2', agent2), 'submariner_service_export', { direction: 'localToRemote' }) > 0 ? true : undefined), 60_000, 'cluster2 exported');
    await eventually(async () => (total(await scrape('cluster1', agent1), 'submariner_service_import', { direction: 'remoteToLocal' }) > 0 ? true : undefined), 60_000, 'cluster1 imported');

    const name = `nginx.${ns}.svc.clusterset.local`;
    await eventually(async () => ((await k.cluster1(['-n', ns, 'exec', 'toolbox', '--', 'dig', '+short', name]).catch(() => '')).trim() !== '' ? true : undefined), 60_000, `${name} resolves`);
    // CoreDNS spreads the queries over the DNS server's replicas: count them all.
    const replicas = (await k.cluster1(['-n', SUBM_NS, 'get', 'pods', '-l', 'app=submariner-lighthouse-coredns', '-o', 'jsonpath={.items[*].status.podIP}'])).trim().split(/\s+/);
    const scraped = await Promise.all(replicas.map((ip) => scrape('cluster1', `${ip}:${ports.dnsMetrics}`)));
    assert.ok(scraped.reduce((n, f) => n + total(f, 'lighthouse_dns_queries_total', { type: 'A' }), 0) > 0);
    assert.ok(scraped.reduce((n, f) => n + (f.get('lighthouse_dns_query_duration_seconds')?.histograms.reduce((c, h) => c + h.count, 0) ?? 0), 0) > 0);
    submariner(fleet.kubeconfigPath, 'unexport', 'service', 'nginx', '-n', ns, '--context', 'cluster2');
  });
});
