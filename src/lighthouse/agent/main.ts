import { KubeConfig } from '@kubernetes/client-node';
import { brokerKubeConfigFromEnv } from '../../kube/broker-config.js';
import { errorText, jsonLogger } from '../../base/log.js';
import { metricsPortFromEnv, serveAgentMetrics } from '../../kube/metrics-server.js';
import { lighthouseAgentEnv, ports } from '../../api/agent-env.js';
import { LighthouseAgent } from './agent.js';
import { parseAgentConfig, type AgentConfig } from './config.js';
import { LighthouseAgentMetrics } from './metrics.js';

/** The Lighthouse agent process: exports and imports services until SIGTERM or SIGINT. */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let config: AgentConfig;
  let broker: ReturnType<typeof brokerKubeConfigFromEnv>;
  try {
    config = parseAgentConfig(env);
    broker = brokerKubeConfigFromEnv(env);
  } catch (err) {
    process.stderr.write(`lighthouse-agent: ${errorText(err)}\n`);
    process.exit(1);
  }
  const log = jsonLogger('lighthouse-agent', config.debug);
  const local = new KubeConfig();
  local.loadFromDefault();
  const metrics = new LighthouseAgentMetrics();
  const agent = new LighthouseAgent({ config, local, broker: broker.kc, brokerNamespace: broker.namespace, log, metrics });
  log.info('starting', { clusterId: config.clusterId, brokerNamespace: broker.namespace, excludedNamespaces: config.excludeNamespaces, globalnet: config.globalnetEnabled });
  await agent.start();
  const metricsServer = await serveAgentMetrics(metrics.registry, metricsPortFromEnv(env, lighthouseAgentEnv.metricsPort, ports.lighthouseAgentMetrics), log);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info('stopping', { signal });
  await agent.stop();
  await metricsServer?.close();
}
