import type { ReconcileResult } from '../kube/work-queue.js';
import type { Logger } from '../base/log.js';
import type { GatewayStatus } from '../api/generated.js';
import { annotations, labels as nodeLabels, names } from '../api/names.js';
import type { OperatorConfig } from './config.js';
import { removeCorednsForward, renderCorednsForward } from './corefile.js';
import { isGateway, labelledBy, planGatewayLabels, planGatewayUnlabels, type NodeInfo } from './gateway-nodes.js';

/** The cluster objects the operator reads and changes. */
export interface OperatorCluster {
  listNodes(): Promise<NodeInfo[]>;
  /** Merge-patches a node's labels and annotations; a null value removes the key. */
  patchNode(name: string, labels: Record<string, string | null>, annotations: Record<string, string | null>): Promise<void>;
  /** kube-system/coredns's Corefile, or undefined when the ConfigMap or its Corefile key is missing. */
  readCorefile(): Promise<{ corefile: string; resourceVersion: string } | undefined>;
  /** Replaces the Corefile if the ConfigMap is still at `resourceVersion` (a conflict throws and is retried). */
  writeCorefile(corefile: string, resourceVersion: string): Promise<void>;
  /** The ClusterIP of a Service, or undefined while it has none. */
  serviceIp(namespace: string, name: string): Promise<string | undefined>;
  /** The status of every Gateway of the namespace. */
  listGatewayStatuses(namespace: string): Promise<GatewayStatus[]>;
  /** The Submariner object's `status.gateways`, or undefined when there is no Submariner object. */
  readSubmarinerGateways(namespace: string): Promise<GatewayStatus[] | undefined>;
  writeSubmarinerGateways(namespace: string, gateways: GatewayStatus[]): Promise<void>;
}

export const reconcileKeys = { gateways: 'gateways', coredns: 'coredns', status: 'status' } as const;

/** How often each key is reconciled again without an event, so a hand edit is put right. */
const resyncMs = 30_000;

/**
 * Changes what Submariner needs in objects it does not own: the gateway labels on nodes and the forwarding
 * block in CoreDNS's Corefile. Each reconcile reads the current state and writes only what differs.
 */
export class Operator {
  private warnedNoCorefile = false;

  constructor(
    private readonly cluster: OperatorCluster,
    private readonly config: OperatorConfig,
    private readonly log: Logger,
  ) {}

  async reconcile(key: string): Promise<ReconcileResult> {
    if (key === reconcileKeys.gateways) return this.reconcileGateways();
    if (key === reconcileKeys.coredns) return this.reconcileCoredns();
    if (key === reconcileKeys.status) return this.reconcileStatus();
    return {};
  }

  /**
   * Copies the gateways' status (HA state, connections, RTT) into the Submariner object's status, where the hub
   * addon reads it back through ManifestWork status feedback, as submariner-operator reports it.
   */
  async reconcileStatus(): Promise<ReconcileResult> {
    const ns = this.config.namespace;
    const current = await this.cluster.readSubmarinerGateways(ns);
    if (current === undefined) return { requeueAfterMs: resyncMs };
    const gateways = (await this.cluster.listGatewayStatuses(ns)).sort((a, b) => (a.localEndpoint.hostname ?? '').localeCompare(b.localEndpoint.hostname ?? ''));
    if (JSON.stringify(gateways) !== JSON.stringify(current)) await this.cluster.writeSubmarinerGateways(ns, gateways);
    return { requeueAfterMs: resyncMs };
  }

  async reconcileGateways(): Promise<ReconcileResult> {
    const c = this.config;
    const plan = planGatewayLabels(await this.cluster.listNodes(), c.gatewaySelector, c.gatewayNodes, c.labelGateway);
    if (plan.missing.length > 0) this.log.warn('gateway nodes named at join do not exist', { nodes: plan.missing });
    for (const name of plan.label) {
      await this.cluster.patchNode(name, c.gatewaySelector, { [annotations.gatewayLabelledBy]: labelledBy });
      this.log.info('labelled gateway node', { node: name, labels: c.gatewaySelector });
    }
    return { requeueAfterMs: plan.missing.length > 0 ? 5_000 : resyncMs };
  }

  async reconcileCoredns(): Promise<ReconcileResult> {
    const zones = this.config.corednsZones;
    const current = await this.cluster.readCorefile();
    if (current === undefined) {
      if (zones.length > 0 && !this.warnedNoCorefile) {
        this.log.warn('kube-system/coredns has no Corefile: forward the clusterset zones to Lighthouse DNS in the cluster DNS by hand', { zones });
        this.warnedNoCorefile = true;
      }
      return { requeueAfterMs: resyncMs };
    }
    this.warnedNoCorefile = false;
    let wanted: string;
    if (zones.length === 0) {
      wanted = removeCorednsForward(current.corefile);
    } else {
      const ip = await this.cluster.serviceIp(this.config.namespace, names.lighthouseDnsService);
      if (ip === undefined) return { requeueAfterMs: 1_000 };
      wanted = renderCorednsForward(current.corefile, { domains: zones, dnsServiceIP: ip });
    }
    if (wanted !== current.corefile) {
      await this.cluster.writeCorefile(wanted, current.resourceVersion);
      this.log.info(zones.length > 0 ? 'CoreDNS forwards the clusterset zones to Lighthouse DNS' : 'removed the Lighthouse block from CoreDNS', { zones });
    }
    return { requeueAfterMs: resyncMs };
  }

  /** Takes back the gateway labels the operator put and the CoreDNS block; safe to run again. */
  async uninstall(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.cluster.readCorefile();
      if (current === undefined) break;
      const restored = removeCorednsForward(current.corefile);
      if (restored === current.corefile) break;
      try {
        await this.cluster.writeCorefile(restored, current.resourceVersion);
        this.log.info('removed the Lighthouse block from CoreDNS');
        break;
      } catch (err) {
        if (attempt >= 5) throw err;
      }
    }
    const nodes = await this.cluster.listNodes();
    for (const name of planGatewayUnlabels(nodes)) {
      const node = nodes.find((n) => n.name === name);
      const ours = node?.annotations[annotations.gatewayLabelledBy] !== undefined;
      const labels: Record<string, null> = { [nodeLabels.gateway]: null };
      if (ours && node !== undefined && isGateway(node, this.config.gatewaySelector)) {
        for (const k of Object.keys(this.config.gatewaySelector)) labels[k] = null;
      }
      await this.cluster.patchNode(name, labels, { [annotations.gatewayLabelledBy]: null });
      this.log.info('removed the gateway label', { node: name });
    }
  }
}
