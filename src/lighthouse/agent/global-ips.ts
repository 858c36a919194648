import type { ObjectCache } from '@kubernetes/client-node';
import type { GlobalIngressIP } from '../../api/generated.js';
import { annotations, labels } from '../../api/names.js';
import type { GlobalIps } from './exported-service.js';
import type { ServiceKey } from './model.js';

/**
 * Global IPs from the GlobalIngressIPs Globalnet allocates: one per exported ClusterIP Service (target
 * ClusterIPService), one per backend of a headless Service (HeadlessServicePod / HeadlessServiceEndpoints,
 * labelled with the Service and annotated with the backend's IP).
 */
export function globalIpsFrom(cache: ObjectCache<GlobalIngressIP>): GlobalIps {
  return {
    service(key: ServiceKey): string | undefined {
      const found = cache
        .list(key.namespace)
        .find((g) => g.spec?.target === 'ClusterIPService' && (g.spec.serviceRef?.name ?? g.metadata?.name) === key.name);
      return found?.status?.allocatedIP || undefined;
    },
    endpoint(key: ServiceKey, address: string): string | undefined {
      const found = cache.list(key.namespace).find((g) => {
        const notes = g.metadata?.annotations ?? {};
        const backend =
          g.spec?.target === 'HeadlessServicePod'
            ? notes[annotations.headlessServicePodIp]
            : g.spec?.target === 'HeadlessServiceEndpoints'
              ? notes[annotations.headlessServiceEndpointsIp]
              : undefined;
        return backend === address && (g.metadata?.labels?.[labels.serviceRef] ?? g.spec?.serviceRef?.name) === key.name;
      });
      return found?.status?.allocatedIP || undefined;
    },
  };
}

/** The service a GlobalIngressIP belongs to. */
export function globalIngressIpService(g: GlobalIngressIP): ServiceKey | undefined {
  const namespace = g.metadata?.namespace;
  const name = g.spec?.serviceRef?.name ?? g.metadata?.labels?.[labels.serviceRef] ?? (g.spec?.target === 'ClusterIPService' ? g.metadata?.name : undefined);
  return namespace && name ? { namespace, name } : undefined;
}
