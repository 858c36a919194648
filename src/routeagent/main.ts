import { KubeConfig } from '@kubernetes/client-node';
import { clientVersion } from '../base/version.js';
import { jsonLogger, type Logger } from '../base/log.js';
import { metricsPortFromEnv, serveAgentMetrics } from '../kube/metrics-server.js';
import { ExecRunner } from '../net/command.js';
import { Ip } from '../net/iproute2/ip.js';
import { IpRoute2 } from '../net/iproute2/exec.js';
import { Iptables } from '../net/packetfilter/iptables.js';
import { uninstallEnv } from '../api/agent-env.js';
import { commandPing } from '../net/ping/echo.js';
import { parseRouteAgentConfig, type RouteAgentConfig } from './config.js';
import { RouteAgentController, ViewState } from './controller.js';
import { Registry } from './event/registry.js';
import { HealthCheckerHandler } from './handlers/healthchecker/handler.js';
import { KubeRouteAgentStatusWriter } from './handlers/healthchecker/status-writer.js';
import { KubeProxyHandler } from './handlers/kubeproxy/handler.js';
import { RouteAgentMetrics } from './metrics.js';
import { ClustersetIpController, watchVipSources } from './clusterset-ip/controller.js';
import { ports, routeAgentEnv } from '../api/agent-env.js';
import { localCidrs } from './view.js';
import { watchCluster } from './watch.js';

/** The route agent: programs this node for multi-cluster traffic until SIGTERM or SIGINT (state stays in place). */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = parseRouteAgentConfig(env);
  const log = jsonLogger('routeagent', config.debug);
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const state = new ViewState(config);
  const metrics = new RouteAgentMetrics(config.clusterId, config.nodeName);
  // One packet filter for every handler: its read-modify-writes of a table never interleave.
  const runner = new ExecRunner();
  // A node with thousands of clusterset IP backends takes seconds to program on a loaded host: allow two minutes.
  const packetFilter = new Iptables(runner, { timeoutMs: 120_000 });
  const registry = await compose(config, kc, state, log, metrics, runner, packetFilter);
  if (config.uninstall) {
    await registry.uninstall();
    await ClustersetIpController.uninstall(packetFilter);
    log.info('uninstalled', { node: config.nodeName });
    return;
  }

  const notify: { changed?: () => void } = {};
  const watches = watchCluster(kc, config.namespace, () => notify.changed?.(), log);
  const controller = new RouteAgentController({ config, source: watches, state, registry, log });
  notify.changed = () => controller.changed();
  const vip: { changed?: () => void } = {};
  const vipWatches = watchVipSources(kc, () => vip.changed?.(), log);
  const clustersetIps = new ClustersetIpController({ clusterId: config.clusterId, source: vipWatches, packetFilter, log });
  vip.changed = () => clustersetIps.changed();
  log.info('starting', { node: config.nodeName, clusterId: config.clusterId, handlers: registry.names() });
  await Promise.all([watches.start(), vipWatches.start()]);
  const metricsServer = await serveAgentMetrics(metrics.registry, metricsPortFromEnv(env, routeAgentEnv.metricsPort, ports.routeAgentMetrics), log);

  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info('stopping; the node keeps its routes and rules', { signal });
  controller.stop();
  clustersetIps.stop();
  await Promise.all([watches.stop(), vipWatches.stop()]);
  await registry.stop();
  await metricsServer?.close();
}

/** Removes everything the route agent put on this node and its RouteAgent object (SUBMARINER_UNINSTALL=true does the same). */
export async function uninstall(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  await main({ ...env, [uninstallEnv]: 'true' });
}

/** The handlers, in order, for the configured network plugin. */
async function compose(
  config: RouteAgentConfig,
  kc: KubeConfig,
  state: ViewState,
  log: Logger,
  metrics: RouteAgentMetrics,
  runner: ExecRunner,
  packetFilter: Iptables,
): Promise<Registry> {
  if (config.unknownNetworkPlugin !== undefined) {
    log.warn(`unknown network plugin "${config.unknownNetworkPlugin}": treating it as generic`);
  }
  const registry = new Registry(config.networkPlugin, state, log);
  await registry.add(
    new KubeProxyHandler({
      ip: new Ip(new IpRoute2(runner)),
      packetFilter,
      clusterCidrs: config.clusterCidrs,
      localCidrs: localCidrs(config),
      log,
    }),
    new HealthCheckerHandler({
      enabled: config.healthCheck.enabled,
      intervalMs: config.healthCheck.intervalSeconds * 1000,
      maxPacketLossCount: config.healthCheck.maxPacketLossCount,
      version: clientVersion().gitVersion,
      ping: commandPing(runner, { timeoutMs: 1000 }),
      writer: metrics.recording(new KubeRouteAgentStatusWriter(kc, config.namespace, config.nodeName)),
      log,
    }),
  );
  return registry;
}
