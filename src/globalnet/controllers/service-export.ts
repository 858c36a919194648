import type { V1Pod, V1Service } from '@kubernetes/client-node';
import type { GlobalIngressIP } from '../../api/generated.js';
import { annotations, labels } from '../../api/names.js';
import { selectorMatches } from '../../kube/selector.js';
import { splitKey } from '../../kube/work-queue.js';
import type { ControllerContext } from './context.js';
import { hasPodNetworkIp } from './pods.js';

/** The GlobalIngressIPs an exported Service should have, by name. */
export function wantedIngressIps(svc: V1Service, pods: readonly V1Pod[]): GlobalIngressIP[] {
  const namespace = svc.metadata?.namespace ?? '';
  const name = svc.metadata?.name ?? '';
  const type = svc.spec?.type ?? 'ClusterIP';
  if (type !== 'ClusterIP') return [];
  const base = (objName: string): GlobalIngressIP['metadata'] => ({ name: objName, namespace, labels: { [labels.serviceRef]: name } });
  if (svc.spec?.clusterIP !== 'None') {
    return [{ apiVersion: 'submariner.io/v1', kind: 'GlobalIngressIP', metadata: base(name), spec: { target: 'ClusterIPService', serviceRef: { name } } }];
  }
  const selector = svc.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) return [];
  return pods
    .filter((p) => hasPodNetworkIp(p) && selectorMatches({ matchLabels: selector }, p.metadata?.labels ?? {}))
    .map((p) => ({
      apiVersion: 'submariner.io/v1',
      kind: 'GlobalIngressIP',
      metadata: { ...base(`pod-${p.metadata?.name ?? ''}`), annotations: { [annotations.headlessServicePodIp]: p.status?.podIP ?? '' } },
      spec: { target: 'HeadlessServicePod', serviceRef: { name }, podRef: { name: p.metadata?.name ?? '' } },
    }));
}

/** Whether an existing GlobalIngressIP stands for the same target as a wanted one. */
const sameTarget = (have: GlobalIngressIP, want: GlobalIngressIP): boolean =>
  have.spec?.target === want.spec.target &&
  have.spec.podRef?.name === want.spec.podRef?.name &&
  have.metadata?.annotations?.[annotations.headlessServicePodIp] === want.metadata.annotations?.[annotations.headlessServicePodIp];

/**
 * Exported Services (key `namespace/name` of the ServiceExport and its Service): one GlobalIngressIP per
 * ClusterIP Service, one per ready backing pod of a headless Service with a selector; none once the
 * export or the Service goes.
 */
export class ServiceExportController {
  constructor(private readonly ctx: ControllerContext) {}

  /** The exports a pod of `namespace` may back. */
  keysInNamespace(namespace: string): string[] {
    return this.ctx.kube.serviceExports.list(namespace).map((e) => `${namespace}/${e.metadata?.name ?? ''}`);
  }

  async reconcile(key: string): Promise<void> {
    const { kube } = this.ctx;
    const { namespace = '', name } = splitKey(key);
    const exported = kube.serviceExports.get(name, namespace) !== undefined;
    const svc = exported ? kube.services.get(name, namespace) : undefined;
    const wanted = svc ? wantedIngressIps(svc, kube.pods.list(namespace)) : [];
    const byName = new Map(wanted.map((w) => [w.metadata.name ?? '', w]));
    const have = kube.ingressIps.list(namespace).filter((g) => g.metadata?.labels?.[labels.serviceRef] === name);
    for (const g of have) {
      const want = byName.get(g.metadata?.name ?? '');
      if (want && sameTarget(g, want)) {
        byName.delete(g.metadata?.name ?? '');
        continue;
      }
      // A pod that went, or came back with another address: its global IP is released with the object.
      await kube.ingressIps.delete(g.metadata?.name ?? '', namespace);
    }
    for (const want of byName.values()) {
      if (kube.ingressIps.get(want.metadata.name ?? '', namespace)) continue;
      await kube.ingressIps.create(want);
    }
  }
}
