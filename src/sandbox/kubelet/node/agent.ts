import type { ClusterTopology, NodeTopology } from '../../topology.js';
import { isConflict, isNotFound, type KubeApi } from '../kube-client.js';
import type { KubeletLog } from '../log.js';
import { errorText } from '../log.js';
import { nodeAnnotations, nodeLabels, nodeLease, nodeObject, nodeStatus } from './status.js';

interface NodeMeta {
  metadata?: { uid?: string; resourceVersion?: string };
}

export interface NodeAgentSpec {
  api: KubeApi;
  node: NodeTopology;
  cluster: ClusterTopology;
  /** The Node's capacity (and allocatable). */
  capacity: Record<string, string>;
  log: KubeletLog;
  leaseEveryMs?: number;
  statusEveryMs?: number;
}

/** Registers the Node, keeps its status fresh and renews its Lease, as the kubelet's node-status and lease loops. */
export class NodeAgent {
  private readonly since = new Date().toISOString();
  private nodeUid: string | undefined;
  private timers: NodeJS.Timeout[] = [];
  private leaseRv: string | undefined;

  constructor(private readonly spec: NodeAgentSpec) {}

  private get path(): string {
    return `/api/v1/nodes/${encodeURIComponent(this.spec.node.name)}`;
  }

  /** Creates the Node (or updates the labels and annotations of an existing one), then posts its status. */
  async register(): Promise<void> {
    const { api, node } = this.spec;
    let created: NodeMeta;
    try {
      created = await api.post<NodeMeta>('/api/v1/nodes', nodeObject(node));
    } catch (err) {
      if (!isConflict(err)) throw new Error(`cannot register node ${node.name}: ${errorText(err)}`, { cause: err });
      created = await api.patch<NodeMeta>(this.path, { metadata: { labels: nodeLabels(node), annotations: nodeAnnotations(node) } });
    }
    this.nodeUid = created.metadata?.uid;
    await this.postStatus();
    await this.renewLease();
  }

  start(): void {
    const every = (ms: number, fn: () => Promise<void>, what: string): void => {
      const tick = (): void => {
        fn().catch((err: unknown) => this.spec.log.warn(`cannot ${what}`, { node: this.spec.node.name, error: errorText(err) }));
      };
      this.timers.push(setInterval(tick, ms));
    };
    const jitter = 1 - Math.random() * 0.04;
    every((this.spec.leaseEveryMs ?? 10_000) * jitter, () => this.renewLease(), 'renew the node lease');
    every(this.spec.statusEveryMs ?? 60_000, () => this.postStatus(), 'post node status');
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  async postStatus(): Promise<void> {
    const { api, node, cluster } = this.spec;
    await api.patch(`${this.path}/status`, nodeStatus(node, cluster, this.spec.capacity, this.since, new Date().toISOString()), 'merge');
  }

  async renewLease(): Promise<void> {
    const { api, node } = this.spec;
    const path = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${encodeURIComponent(node.name)}`;
    if (this.leaseRv === undefined) {
      const current = await api.get<NodeMeta>(path);
      if (!current) {
        const made = await api.post<NodeMeta>('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', nodeLease(node.name, this.nodeUid, new Date()));
        this.leaseRv = made.metadata?.resourceVersion;
        return;
      }
      this.leaseRv = current.metadata?.resourceVersion;
    }
    try {
      const updated = await api.put<NodeMeta>(path, nodeLease(node.name, this.nodeUid, new Date(), this.leaseRv));
      this.leaseRv = updated.metadata?.resourceVersion;
    } catch (err) {
      this.leaseRv = undefined;
      if (!isConflict(err) && !isNotFound(err)) throw err;
      await this.renewLease();
    }
  }
}
