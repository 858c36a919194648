// The addon benchmark's baselines: a minimal hub controller that writes one ManifestWork per ManagedClusterAddOn
// `submariner` and nothing else. `BASELINE_PAYLOAD=configmap` puts one ConfigMap in it; `rendered` puts the
// cluster's agents as renderCluster gives them (what the addon's works carry, without registering the cluster).
// `BASELINE_NAME` names the works and their label's value (default: the payload), so one payload can be measured twice.
// Usage: KUBECONFIG=... BASELINE_PAYLOAD=configmap|rendered [BASELINE_NAME=...] node --import tsx test/bench/addon-baseline.ts
import { KubeConfig } from '@kubernetes/client-node';
import { ManagedClusterAddOnResource, ManifestWorkResource } from '../../src/api/index.js';
import { jsonLogger } from '../../src/base/log.js';
import { resourceClient } from '../../src/kube/resource-client.js';
import { watchResource } from '../../src/kube/watch/index.js';
import { WorkQueue } from '../../src/kube/work-queue.js';
import { parseClusterValues, renderCluster, type KubeObject } from '../../src/render/index.js';

export type BaselinePayload = 'configmap' | 'rendered';
export const baselineLabel = 'bench.submariner.io/baseline';

function manifests(payload: BaselinePayload, cluster: string): KubeObject[] {
  if (payload === 'configmap') return [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'baseline', namespace: 'default' }, data: { cluster } }];
  const placeholder = Buffer.from('placeholder').toString('base64');
  return renderCluster(parseClusterValues({
    clusterId: cluster,
    broker: { server: 'https://hub.example.org:6443', ca: placeholder, token: 'placeholder' },
    ipsecPsk: placeholder,
    clusterCidrs: ['10.244.0.0/16'],
    serviceCidrs: ['10.96.0.0/16'],
  }));
}

if (import.meta.filename === process.argv[1]) {
  const payload: BaselinePayload = process.env.BASELINE_PAYLOAD === 'rendered' ? 'rendered' : 'configmap';
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const log = jsonLogger('baseline', false);
  const works = resourceClient(kc, ManifestWorkResource);
  const label = process.env.BASELINE_NAME ?? payload;
  const name = `baseline-${label}`;
  const queue = new WorkQueue(
    async (cluster) => {
      if ((await works.get(name, cluster)) !== undefined) return;
      await works.create({ metadata: { name, namespace: cluster, labels: { [baselineLabel]: label } }, spec: { workload: { manifests: manifests(payload, cluster) } } });
    },
    { name: 'baseline', log, concurrency: 16 },
  );
  const mcas = watchResource(kc, ManagedClusterAddOnResource, { log, fieldSelector: 'metadata.name=submariner' });
  mcas.onChange((m) => queue.add(m.metadata.namespace ?? ''));
  await mcas.start();
  process.once('SIGTERM', () => process.exit(0));
}
