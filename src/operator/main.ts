import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { ConfigMapResource, GatewayResource, NodeResource, ServiceResource, SubmarinerResource } from '../api/index.js';
import { jsonLogger } from '../base/log.js';
import { watchResource, type ResourceWatch } from '../kube/watch/index.js';
import { WorkQueue } from '../kube/work-queue.js';
import { uninstallEnv } from '../api/agent-env.js';
import { names } from '../api/names.js';
import { parseOperatorConfig } from './config.js';
import { corednsConfigMap } from '../api/names.js';
import { KubeOperatorCluster } from './kube-cluster.js';
import { Operator, reconcileKeys } from './operator.js';

/** The operator: labels the gateway nodes and keeps CoreDNS forwarding to Lighthouse, until SIGTERM or SIGINT. */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = parseOperatorConfig(env);
  const log = jsonLogger('operator', config.debug);
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const operator = new Operator(new KubeOperatorCluster(kc), config, log);
  if (config.uninstall) {
    await operator.uninstall();
    log.info('uninstalled');
    return;
  }

  const queue = new WorkQueue(async (key) => operator.reconcile(key), { name: 'operator', log });
  const nodes = watchResource(kc, NodeResource, { log, name: 'nodes' });
  const configMaps = watchResource(kc, ConfigMapResource, { namespace: corednsConfigMap.namespace, log, name: 'configmaps' });
  const services = watchResource(kc, ServiceResource, { namespace: config.namespace, log, name: 'services' });
  const on = (w: ResourceWatch<KubernetesObject>, key: string, wanted: (o: KubernetesObject) => boolean): void => {
    w.onChange((o) => {
      if (wanted(o)) queue.add(key);
    });
    w.onSynced(() => queue.add(key));
  };
  on(nodes, reconcileKeys.gateways, () => true);
  on(configMaps, reconcileKeys.coredns, (o) => o.metadata?.name === corednsConfigMap.name);
  on(services, reconcileKeys.coredns, (o) => o.metadata?.name === names.lighthouseDnsService);
  const gateways = watchResource(kc, GatewayResource, { namespace: config.namespace, log, name: 'gateways' });
  const submariners = watchResource(kc, SubmarinerResource, { namespace: config.namespace, log, name: 'submariners' });
  on(gateways, reconcileKeys.status, () => true);
  on(submariners, reconcileKeys.status, (o) => o.metadata?.name === names.submarinerCR);
  const watches = [nodes, configMaps, services, gateways, submariners] as unknown as ResourceWatch<KubernetesObject>[];
  log.info('starting', { clusterId: config.clusterId, gatewayNodes: config.gatewayNodes, labelGateway: config.labelGateway, zones: config.corednsZones });
  await Promise.all(watches.map((w) => w.start()));

  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info('stopping; labels and the CoreDNS block stay until uninstall', { signal });
  queue.stop();
  await Promise.all(watches.map((w) => w.stop()));
}

/** Takes back the gateway labels and the CoreDNS block (SUBMARINER_UNINSTALL=true does the same). */
export async function uninstall(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  await main({ ...env, [uninstallEnv]: 'true' });
}
