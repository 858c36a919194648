import { CoreV1Api, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import { corednsConfigMap, names } from '../api/names.js';
import { GatewayResource, SubmarinerResource, type GatewayStatus } from '../api/generated.js';
import { resourceClient } from '../kube/resource-client.js';
import { mergePatch, undefinedIfNotFound } from '../kube/apply.js';
import type { NodeInfo } from './gateway-nodes.js';
import type { OperatorCluster } from './operator.js';



export function nodeInfo(n: V1Node): NodeInfo {
  return { name: n.metadata?.name ?? '', labels: n.metadata?.labels ?? {}, annotations: n.metadata?.annotations ?? {} };
}

/** The operator's cluster access through the Kubernetes API. */
export class KubeOperatorCluster implements OperatorCluster {
  private readonly core: CoreV1Api;

  constructor(private readonly kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async listGatewayStatuses(namespace: string): Promise<GatewayStatus[]> {
    const list = await resourceClient(this.kc, GatewayResource).list({ namespace });
    return list.flatMap((g) => (g.status ? [g.status] : []));
  }

  async readSubmarinerGateways(namespace: string): Promise<GatewayStatus[] | undefined> {
    const s = await resourceClient(this.kc, SubmarinerResource).get(names.submarinerCR, namespace);
    return s === undefined ? undefined : (s.status?.gateways ?? []);
  }

  async writeSubmarinerGateways(namespace: string, gateways: GatewayStatus[]): Promise<void> {
    await resourceClient(this.kc, SubmarinerResource).patchStatus(names.submarinerCR, { gateways }, namespace);
  }

  async listNodes(): Promise<NodeInfo[]> {
    return (await this.core.listNode()).items.map(nodeInfo);
  }

  async patchNode(name: string, labels: Record<string, string | null>, annotations: Record<string, string | null>): Promise<void> {
    await this.core.patchNode({ name, body: { metadata: { labels, annotations } } }, mergePatch);
  }

  async readCorefile(): Promise<{ corefile: string; resourceVersion: string } | undefined> {
    const cm = await this.core.readNamespacedConfigMap({ name: corednsConfigMap.name, namespace: corednsConfigMap.namespace }).catch(undefinedIfNotFound);
    const corefile = cm?.data?.[corednsConfigMap.key];
    if (cm === undefined || corefile === undefined) return undefined;
    return { corefile, resourceVersion: cm.metadata?.resourceVersion ?? '' };
  }

  async writeCorefile(corefile: string, resourceVersion: string): Promise<void> {
    const patch = { metadata: { resourceVersion }, data: { [corednsConfigMap.key]: corefile } };
    await this.core.patchNamespacedConfigMap({ name: corednsConfigMap.name, namespace: corednsConfigMap.namespace, body: patch }, mergePatch);
  }

  async serviceIp(namespace: string, name: string): Promise<string | undefined> {
    const ip = (await this.core.readNamespacedService({ name, namespace }).catch(undefinedIfNotFound))?.spec?.clusterIP;
    return ip && ip !== 'None' ? ip : undefined;
  }
}
