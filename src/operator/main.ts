import { CoreV1Api, KubeConfig, makeInformer, type Informer, type KubernetesObject } from '@kubernetes/client-node';
import { InformerSupervisor } from '../kube/informer-supervisor.js';
import { jsonLogger } from '../base/log.js';
import { WorkQueue } from '../kube/work-queue.js';
import { uninstallEnv } from '../api/agent-env.js';
import { names } from '../api/names.js';
import { parseOperatorConfig } from './config.js';
import { corednsConfigMap, KubeOperatorCluster } from './kube-cluster.js';
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
  const core = kc.makeApiClient(CoreV1Api);
  const nodes = makeInformer(kc, '/api/v1/nodes', () => core.listNode());
  const configMaps = makeInformer(kc, `/api/v1/namespaces/${corednsConfigMap.namespace}/configmaps`, () =>
    core.listNamespacedConfigMap({ namespace: corednsConfigMap.namespace }),
  );
  const services = makeInformer(kc, `/api/v1/namespaces/${config.namespace}/services`, () => core.listNamespacedService({ namespace: config.namespace }));
  const on = (informer: Informer<KubernetesObject>, key: string, wanted: (o: KubernetesObject) => boolean): void => {
    const handler = (o: KubernetesObject): void => {
      if (wanted(o)) queue.add(key);
    };
    informer.on('add', handler);
    informer.on('update', handler);
    informer.on('delete', handler);
  };
  on(nodes, reconcileKeys.gateways, () => true);
  on(configMaps, reconcileKeys.coredns, (o) => o.metadata?.name === corednsConfigMap.name);
  on(services, reconcileKeys.coredns, (o) => o.metadata?.name === names.lighthouseDnsService);
  const supervisors = [
    new InformerSupervisor(nodes, { name: 'nodes', log, onSynced: () => queue.add(reconcileKeys.gateways) }),
    new InformerSupervisor(configMaps, { name: 'configmaps', log, onSynced: () => queue.add(reconcileKeys.coredns) }),
    new InformerSupervisor(services, { name: 'services', log, onSynced: () => queue.add(reconcileKeys.coredns) }),
  ];
  log.info('starting', { clusterId: config.clusterId, gatewayNodes: config.gatewayNodes, labelGateway: config.labelGateway, zones: config.corednsZones });
  await Promise.all(supervisors.map((s) => s.start()));

  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info('stopping; labels and the CoreDNS block stay until uninstall', { signal });
  queue.stop();
  await Promise.all(supervisors.map((s) => s.stop()));
}

/** Takes back the gateway labels and the CoreDNS block (SUBMARINER_UNINSTALL=true does the same). */
export async function uninstall(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  await main({ ...env, [uninstallEnv]: 'true' });
}
