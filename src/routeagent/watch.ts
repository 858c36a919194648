import type { KubeConfig } from '@kubernetes/client-node';
import { EndpointResource, NodeResource } from '../api/index.js';
import type { Logger } from '../base/log.js';
import { watchResource } from '../kube/watch/index.js';
import type { ClusterSource } from './controller.js';

export interface ClusterWatches extends ClusterSource {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Supervised watches of the Endpoints of the Submariner namespace and of the Nodes; `onChange` runs on every event. */
export function watchCluster(kc: KubeConfig, namespace: string, onChange: () => void, log: Logger): ClusterWatches {
  const endpoints = watchResource(kc, EndpointResource, { namespace, log, name: 'endpoints' });
  const nodes = watchResource(kc, NodeResource, { log, name: 'nodes' });
  for (const w of [endpoints, nodes]) {
    w.onChange(() => onChange());
    w.onSynced(onChange);
  }
  return {
    endpoints: () => endpoints.list(),
    nodes: () => nodes.list(),
    synced: () => endpoints.synced && nodes.synced,
    start: async () => {
      await Promise.all([endpoints.start(), nodes.start()]);
    },
    stop: async () => {
      await Promise.all([endpoints.stop(), nodes.stop()]);
    },
  };
}
