import { CoreV1Api, CustomObjectsApi, makeInformer, type KubeConfig, type KubernetesListObject, type KubernetesObject, type V1Node } from '@kubernetes/client-node';
import { EndpointResource } from '../api/generated.js';
import { InformerSupervisor } from '../kube/informer-supervisor.js';
import type { Logger } from '../base/log.js';
import type { ClusterSource } from './controller.js';

export interface ClusterWatches extends ClusterSource {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Supervised informers on the Endpoints of the Submariner namespace and on the Nodes; `onChange` runs on every event. */
export function watchCluster(kc: KubeConfig, namespace: string, onChange: () => void, log: Logger): ClusterWatches {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const { group, version, plural } = EndpointResource;
  const endpoints = makeInformer<KubernetesObject>(
    kc,
    `/apis/${group}/${version}/namespaces/${namespace}/${plural}`,
    () => custom.listNamespacedCustomObject({ group, version, namespace, plural }) as Promise<KubernetesListObject<KubernetesObject>>,
  );
  const nodes = makeInformer<V1Node>(kc, '/api/v1/nodes', () => core.listNode());
  for (const informer of [endpoints, nodes] as const) {
    informer.on('add', onChange);
    informer.on('update', onChange);
    informer.on('delete', onChange);
  }
  const supervisors = [
    new InformerSupervisor(endpoints, { name: 'endpoints', log, onSynced: onChange }),
    new InformerSupervisor(nodes, { name: 'nodes', log, onSynced: onChange }),
  ];
  return {
    endpoints: () => endpoints.list(),
    nodes: () => nodes.list(),
    synced: () => supervisors.every((s) => s.synced),
    start: async () => {
      await Promise.all(supervisors.map((s) => s.start()));
    },
    stop: async () => {
      await Promise.all(supervisors.map((s) => s.stop()));
    },
  };
}
