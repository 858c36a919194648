// Watches that record when objects first appear, and the relay baseline: a plain ConfigMap carried from cluster2 to
// the broker to cluster1 by watches and creates, the least any cross-cluster propagation through a broker costs.
import { setTimeout as sleep } from 'node:timers/promises';
import { makeInformer, type KubeConfig, type KubernetesListObject, type KubernetesObject, type V1ConfigMap } from '@kubernetes/client-node';
import type { LighthouseFleet } from './lighthouse-fleet.js';

export interface FirstSeen {
  /** Epoch ms at which each key was first seen. */
  seen: Map<string, number>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Records when each object (by `keyOf`) first shows up in a watch of `path`. */
export function firstSeen<T extends KubernetesObject>(
  kc: KubeConfig,
  path: string,
  list: () => Promise<KubernetesListObject<T>>,
  labelSelector: string | undefined,
  keyOf: (obj: T) => string | undefined,
): FirstSeen {
  const seen = new Map<string, number>();
  const informer = makeInformer<T>(kc, path, list, labelSelector);
  const record = (obj: T) => {
    const key = keyOf(obj);
    if (key !== undefined && !seen.has(key)) seen.set(key, Date.now());
  };
  informer.on('add', record);
  informer.on('update', record);
  let failure: unknown;
  informer.on('error', (err: unknown) => {
    failure = err;
  });
  return {
    seen,
    start: async () => {
      await informer.start();
      if (failure !== undefined) throw new Error(`cannot watch ${path}`, { cause: failure });
    },
    stop: () => informer.stop(),
  };
}

export interface RelayResult {
  /** Per object, ms from its create request in cluster2 to the broker's copy and to cluster1's copy being seen. */
  onBroker: number[];
  arrived: number[];
  wallMs: number;
  /** Write requests the three API servers served per relayed object. */
  writesPerObject: number;
}

const relayLabel = 'bench.kubectl-submariner.io/relay';

/** Creates `count` ConfigMaps in cluster2 (at once, or one every `spacingMs`) and times them to the broker and on to cluster1. */
export async function relayLatency(f: LighthouseFleet, namespace: string, count: number, spacingMs: number, writes: () => Promise<number>): Promise<RelayResult> {
  const core = { broker: f.api.broker.core, cluster1: f.api.cluster1.core, cluster2: f.api.cluster2.core };
  for (const api of Object.values(core)) await api.createNamespace({ body: { metadata: { name: namespace } } });
  const copy = (api: LighthouseFleet['api']['broker']['core'], cm: V1ConfigMap) =>
    void api.createNamespacedConfigMap({ namespace, body: { metadata: { name: cm.metadata?.name, labels: cm.metadata?.labels }, data: cm.data } }).catch(() => undefined);
  const selector = `${relayLabel}=true`;
  const path = `/api/v1/namespaces/${namespace}/configmaps`;
  const watch = (from: 'broker' | 'cluster1' | 'cluster2', then?: (cm: V1ConfigMap) => void) =>
    firstSeen<V1ConfigMap>(f.kc[from], path, () => core[from].listNamespacedConfigMap({ namespace, labelSelector: selector }), selector, (cm) => {
      then?.(cm);
      return cm.metadata?.name;
    });
  const seenInCluster2 = new Set<string>();
  const seenOnBroker = new Set<string>();
  const watchers = {
    cluster2: watch('cluster2', (cm) => {
      const name = cm.metadata?.name ?? '';
      if (!seenInCluster2.has(name)) copy(core.broker, cm);
      seenInCluster2.add(name);
    }),
    broker: watch('broker', (cm) => {
      const name = cm.metadata?.name ?? '';
      if (!seenOnBroker.has(name)) copy(core.cluster1, cm);
      seenOnBroker.add(name);
    }),
    cluster1: watch('cluster1'),
  };
  for (const w of Object.values(watchers)) await w.start();
  try {
    const names = Array.from({ length: count }, (_, i) => `cm-${i}`);
    const writesBefore = await writes();
    const sent = new Map<string, number>();
    const started = Date.now();
    await Promise.all(
      names.map(async (name, i) => {
        await sleep(i * spacingMs);
        sent.set(name, Date.now());
        await core.cluster2.createNamespacedConfigMap({ namespace, body: { metadata: { name, labels: { [relayLabel]: 'true' } }, data: { payload: name } } });
      }),
    );
    const deadline = Date.now() + 60_000;
    while (watchers.cluster1.seen.size < count) {
      if (Date.now() > deadline) throw new Error(`only ${watchers.cluster1.seen.size} of ${count} relayed ConfigMaps reached cluster1 within 60 s`);
      await sleep(20);
    }
    const wallMs = Math.max(...watchers.cluster1.seen.values()) - started;
    const since = (seen: Map<string, number>) => names.map((n) => (seen.get(n) ?? NaN) - (sent.get(n) ?? NaN));
    const writesPerObject = ((await writes()) - writesBefore) / count;
    return { onBroker: since(watchers.broker.seen), arrived: since(watchers.cluster1.seen), wallMs, writesPerObject };
  } finally {
    for (const w of Object.values(watchers)) await w.stop();
  }
}
