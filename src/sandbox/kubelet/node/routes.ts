import type { V1Node } from '@kubernetes/client-node';
import type { NodeTopology } from '../../topology.js';
import { ListWatch } from '../informer.js';
import type { KubeApi } from '../kube-client.js';
import { errorText, type KubeletLog } from '../log.js';
import type { PeerNode, PodNetwork } from '../pod/network.js';

export interface NodeRoutesSpec {
  api: KubeApi;
  network: PodNetwork;
  node: NodeTopology;
  log: KubeletLog;
}

/** A node's podCIDR and InternalIP, once both are known. */
export function peerOf(n: V1Node): PeerNode | undefined {
  const podCidr = n.spec?.podCIDR;
  const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  if (!podCidr || !ip) return undefined;
  return { name: n.metadata?.name ?? '', podCidr, ip };
}

/**
 * Watches the cluster's Nodes: sets up this node's pod network once its podCIDR is assigned, and keeps
 * the routes to every other node's podCIDR.
 */
export class NodeRoutes {
  private informer: ListWatch<V1Node> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly spec: NodeRoutesSpec) {}

  async start(): Promise<void> {
    this.stopped = false;
    this.informer = new ListWatch<V1Node>({
      api: this.spec.api,
      path: '/api/v1/nodes',
      onChange: () => this.schedule(),
      onDelete: () => this.schedule(),
      onError: (err) => this.spec.log.warn('node watch failed', { error: errorText(err) }),
    });
    await this.informer.start();
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.informer?.stop();
    await this.syncing;
  }

  private schedule(ms = 100): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.syncing = this.syncing.then(() => this.sync());
    }, ms);
  }

  private async sync(): Promise<void> {
    if (this.stopped || !this.informer) return;
    const nodes = [...this.informer.store.values()];
    const self = nodes.find((n) => n.metadata?.name === this.spec.node.name);
    try {
      const podCidr = self?.spec?.podCIDR;
      if (podCidr) await this.spec.network.setup(podCidr);
      await this.spec.network.syncRoutes(nodes.map(peerOf).filter((p): p is PeerNode => p !== undefined));
    } catch (err) {
      this.spec.log.warn('cannot sync the pod network', { error: errorText(err) });
      this.schedule(3000);
    }
  }
}
