import type { V1Pod } from '@kubernetes/client-node';
import { ListWatch } from '../informer.js';
import { errorText } from '../log.js';
import { PodWorker, type PodDeps } from './worker.js';

const terminal = (pod: V1Pod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/** Runs every pod bound to this node: watches them, starts, updates, terminates and forgets their workers. */
export class PodManager {
  private readonly workers = new Map<string, PodWorker>();
  private informer: ListWatch<V1Pod> | undefined;
  private stopping = false;

  constructor(private readonly deps: PodDeps) {}

  async start(): Promise<void> {
    this.informer = new ListWatch<V1Pod>({
      api: this.deps.api,
      path: '/api/v1/pods',
      query: { fieldSelector: `spec.nodeName=${this.deps.node.name}` },
      onChange: (pod) => this.changed(pod),
      onDelete: (pod) => this.deleted(pod),
      onError: (err) => this.deps.log.warn('pod watch failed', { error: errorText(err) }),
    });
    await this.informer.start();
    this.deps.network.retain(new Set([...this.informer.store.values()].map((p) => p.metadata?.uid ?? '')));
  }

  private changed(pod: V1Pod): void {
    if (this.stopping) return;
    const uid = pod.metadata?.uid ?? '';
    const known = this.workers.get(uid);
    if (known) {
      known.update(pod);
      return;
    }
    if (terminal(pod) && !pod.metadata?.deletionTimestamp) return;
    const worker = new PodWorker(this.deps, pod);
    this.workers.set(uid, worker);
    if (pod.metadata?.deletionTimestamp) void worker.terminate();
    else worker.start();
  }

  private deleted(pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? '';
    const worker = this.workers.get(uid);
    if (!worker) return;
    this.workers.delete(uid);
    void worker.gone();
  }

  /** The current pod of that name on this node. */
  find(namespace: string, name: string): PodWorker | undefined {
    let found: PodWorker | undefined;
    for (const w of this.workers.values()) if (w.namespace === namespace && w.name === name) found = w;
    return found;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.informer?.stop();
    await Promise.all([...this.workers.values()].map((w) => w.shutdown()));
    this.workers.clear();
  }
}
