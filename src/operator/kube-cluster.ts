import { CoreV1Api, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import { corednsConfigMap } from '../api/names.js';
import { mergePatch, undefinedIfNotFound } from '../kube/apply.js';
import type { NodeInfo } from './gateway-nodes.js';
import type { OperatorCluster } from './operator.js';



export function nodeInfo(n: V1Node): NodeInfo {
  return { name: n.metadata?.name ?? '', labels: n.metadata?.labels ?? {}, annotations: n.metadata?.annotations ?? {} };
}

/** The operator's cluster access through the Kubernetes API. */
export class KubeOperatorCluster implements OperatorCluster {
  private readonly core: CoreV1Api;

  constructor(kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api);
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
