import { resolve4 } from 'node:dns/promises';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { ClusterResource, EndpointResource, GatewayResource, SubmarinerResource, type Cluster, type Endpoint, type Gateway, type ObjectOf } from '../api/index.js';
import { uninstallEnv } from '../api/agent-env.js';
import { names, wellKnown } from '../api/names.js';
import { brokerKubeConfigFromEnv } from '../kube/broker-config.js';
import { clientVersion } from '../base/version.js';
import { mergePatch } from '../kube/apply.js';
import { keepAliveClient } from '../kube/keep-alive.js';
import { LeaderElector } from '../kube/lease/elector.js';
import { metricsPortFromEnv, serveAgentMetrics } from '../kube/metrics-server.js';
import { gatewayEnv, ports } from '../api/agent-env.js';
import { KubeLeaseStore, leaseRequestTimeoutMs } from '../kube/lease/store.js';
import { errorText, jsonLogger, type Logger } from '../base/log.js';
import { resourceClient } from '../kube/resource-client.js';
import { watchResource } from '../kube/watch/index.js';
import { ExecRunner } from '../net/command.js';
import { allowedCpuMask } from '../net/cpus.js';
import { Ip } from '../net/iproute2/ip.js';
import { IpRoute2 } from '../net/iproute2/exec.js';
import { commandPing } from '../net/ping/echo.js';
import type { EndpointSpec } from '../api/generated.js';
import type { DriverContext } from '../../plugins/driver.js';
import { defaultDrivers } from '../../plugins/index.js';
import { SpawnStarter } from '../../plugins/process.js';
import { parseGatewayConfig, type GatewayConfig } from './config.js';
import type { SyncedKind } from './datastore-syncer.js';
import { GatewayAgent } from './gateway.js';
import { GatewayMetrics } from './metrics.js';
import { cniInterfaceIp, defaultRouteSourceIp } from './host-info.js';
import { buildLocalEndpoint, publicIpSources, resolvePublicIp, type NodeInfo } from './local-endpoint.js';
import { startNatDiscovery } from './natdiscovery/udp.js';
import type { ObjectClient } from './custom-objects.js';
import { uninstallGateway } from './uninstall.js';

/** The clients and kernel seams the gateway runs on. */
interface Composition {
  config: GatewayConfig;
  log: Logger;
  kc: KubeConfig;
  endpoints: SyncedKind<Endpoint>;
  clusters: SyncedKind<Cluster>;
  gateways: ObjectClient<Gateway>;
  driverContext: (local: EndpointSpec, cniIp: string | undefined) => DriverContext;
  ip: Ip;
  runner: ExecRunner;
}

function compose(env: NodeJS.ProcessEnv): Composition {
  const config = parseGatewayConfig(env);
  const log = jsonLogger('gateway', config.debug);
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const broker = brokerKubeConfigFromEnv(env);
  const kind = <R extends typeof EndpointResource | typeof ClusterResource>(r: R, name: string): SyncedKind<ObjectOf<R>> => ({
    broker: resourceClient(broker.kc, r, { namespace: broker.namespace }),
    brokerCache: watchResource(broker.kc, r, { namespace: broker.namespace, log, name: `broker ${name}` }),
    local: resourceClient(kc, r, { namespace: config.namespace }),
    localCache: watchResource(kc, r, { namespace: config.namespace, log, name: `local ${name}` }),
  });
  const runner = new ExecRunner();
  const ip = new Ip(new IpRoute2(runner));
  const processes = new SpawnStarter();
  return {
    config,
    log,
    kc,
    endpoints: kind(EndpointResource, 'endpoints'),
    clusters: kind(ClusterResource, 'clusters'),
    gateways: resourceClient(kc, GatewayResource, { namespace: config.namespace }),
    driverContext: (local, cniIp) => ({
      localEndpoint: local,
      cniIp,
      settings: config.driver,
      runner,
      ip,
      processes,
      log,
      stateDir: join(config.stateDir, config.cableDriver),
      cpuMask: allowedCpuMask(),
    }),
    ip,
    runner,
  };
}

async function readNode(kc: KubeConfig, name: string): Promise<NodeInfo> {
  const node = await kc.makeApiClient(CoreV1Api).readNode({ name });
  return { name, labels: node.metadata?.labels ?? {}, annotations: node.metadata?.annotations ?? {} };
}

async function publicIp(c: Composition, node: NodeInfo): Promise<string> {
  const sources = publicIpSources(c.config, node);
  if (sources === undefined) return '';
  try {
    return await resolvePublicIp(
      sources,
      {
        resolve4: (host) => resolve4(host),
        httpGet: async (url, timeoutMs) => (await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })).text(),
      },
      c.config.airGapped,
    );
  } catch (err) {
    c.log.warn('no public IP: remote clusters will use the private IP', { error: errorText(err) });
    return '';
  }
}

/** Whether the Submariner object this gateway belongs to is gone (the cluster is being uninstalled). */
async function submarinerDeleted(c: Composition): Promise<boolean> {
  try {
    return (await resourceClient(c.kc, SubmarinerResource, { namespace: c.config.namespace }).get(names.submarinerCR)) === undefined;
  } catch (err) {
    c.log.warn('cannot tell whether Submariner is being uninstalled; keeping what the gateway created', { error: errorText(err) });
    return false;
  }
}

async function runUninstall(c: Composition): Promise<void> {
  const drivers = defaultDrivers();
  const placeholder: EndpointSpec = { cluster_id: c.config.clusterId, cable_name: '', hostname: c.config.nodeName, subnets: [], private_ip: '', nat_enabled: false, backend: 'vxlan' };
  await uninstallGateway({
    clusterId: c.config.clusterId,
    nodeName: c.config.nodeName,
    drivers: drivers.names().map((name) => drivers.create(name, { ...c.driverContext(placeholder, undefined), stateDir: join(c.config.stateDir, name) })),
    gateways: c.gateways,
    endpoints: c.endpoints,
    clusters: c.clusters,
    log: c.log,
  });
}

/** The gateway process: runs until SIGTERM or SIGINT; uninstalls when the Submariner object is gone by then. */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const c = compose(env);
  const { config, log } = c;
  if (config.uninstall) return runUninstall(c);

  const node = await readNode(c.kc, config.nodeName);
  const privateIp = await defaultRouteSourceIp();
  const cniIp = await cniInterfaceIp(c.ip, config.clusterCidrs);
  if (cniIp === undefined) log.warn('no address of this node lies in the cluster CIDR: health checks and host-network traffic will not work', { clusterCidrs: config.clusterCidrs });
  const localEndpoint = buildLocalEndpoint({ config, node, privateIp, cniIp, publicIp: await publicIp(c, node) });

  let fatal: Error | undefined;
  let wakeUp!: (why: string) => void;
  const done = new Promise<string>((r) => (wakeUp = r));
  const podName = config.podName;
  const metrics = new GatewayMetrics();
  const metricsServer = await serveAgentMetrics(metrics.registry, metricsPortFromEnv(env, gatewayEnv.metricsPort, ports.gatewayMetrics), log);
  const core = keepAliveClient(c.kc, CoreV1Api);
  const gateway = new GatewayAgent({
    config,
    log,
    version: clientVersion().gitVersion,
    localEndpoint,
    cniIp,
    drivers: defaultDrivers(),
    driverContext: (local) => c.driverContext(local, cniIp),
    endpoints: c.endpoints,
    clusters: c.clusters,
    gateways: c.gateways,
    setPodLabels: async (labels) => {
      if (podName !== '') await core.patchNamespacedPod({ name: podName, namespace: config.namespace, body: { metadata: { labels } } }, mergePatch);
    },
    newElection: (callbacks) =>
      new LeaderElector({
        identity: `${config.nodeName}-submariner-gateway`,
        store: new KubeLeaseStore(c.kc, config.namespace, wellKnown.gatewayLease, { requestTimeoutMs: leaseRequestTimeoutMs(config.leader) }),
        ...config.leader,
        log,
        ...callbacks,
      }),
    startNatDiscovery: (deps) => startNatDiscovery(deps, log),
    // Answered or lost within a quarter of the interval: one ping per interval, as Submariner sends them, and room
    // for the quicker retries of a connection that lost one.
    ping: commandPing(c.runner, { timeoutMs: config.healthCheck.intervalMs / 4 }),
    metrics,
    onFatal: (err) => {
      fatal = err instanceof Error ? err : new Error(String(err));
      wakeUp('fatal');
    },
  });
  process.once('SIGTERM', () => wakeUp('SIGTERM'));
  process.once('SIGINT', () => wakeUp('SIGINT'));
  await gateway.start();
  const why = await done;
  const uninstalling = why !== 'fatal' && (await submarinerDeleted(c));
  log.info('stopping', { reason: why, uninstall: uninstalling });
  await gateway.stop({ handOver: !uninstalling });
  await metricsServer?.close();
  if (uninstalling) await runUninstall(c);
  if (fatal !== undefined) throw fatal;
}

/** SUBMARINER_UNINSTALL=true: remove what the gateway created on this node, its objects, and exit. */
export async function uninstall(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  await runUninstall(compose({ ...env, [uninstallEnv]: 'true' }));
}
