// The addon benchmark's baseline: a minimal hub controller that writes one ManifestWork per ManagedClusterAddOn
// `submariner` (a ConfigMap) and nothing else. Usage: KUBECONFIG=... node --import tsx test/bench/addon-baseline.ts
import { KubeConfig } from '@kubernetes/client-node';
import { ManagedClusterAddOnResource, ManifestWorkResource } from '../../src/api/index.js';
import { jsonLogger } from '../../src/base/log.js';
import { resourceClient } from '../../src/kube/resource-client.js';
import { watchResource } from '../../src/kube/watch/index.js';
import { WorkQueue } from '../../src/kube/work-queue.js';

const kc = new KubeConfig();
kc.loadFromDefault();
const log = jsonLogger('baseline', false);
const works = resourceClient(kc, ManifestWorkResource);
const queue = new WorkQueue(
  async (cluster) => {
    if ((await works.get('baseline', cluster)) !== undefined) return;
    await works.create({
      metadata: { name: 'baseline', namespace: cluster, labels: { 'bench.submariner.io/baseline': 'true' } },
      spec: { workload: { manifests: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'baseline', namespace: 'default' }, data: { cluster } }] } },
    });
  },
  { name: 'baseline', log, concurrency: 16 },
);
const mcas = watchResource(kc, ManagedClusterAddOnResource, { log, fieldSelector: 'metadata.name=submariner' });
mcas.onChange((m) => queue.add(m.metadata.namespace ?? ''));
await mcas.start();
process.once('SIGTERM', () => process.exit(0));
