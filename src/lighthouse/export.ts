import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { annotations } from '../api/names.js';
import { ServiceExportResource, type ServiceExport } from '../api/generated.js';
import { UserError } from '../base/errors.js';
import { applyObjects, apiStatus } from '../kube/apply.js';
import { resourceClient } from '../kube/resource-client.js';

export interface ExportOptions {
  namespace: string;
  name: string;
  /** undefined: leave the choice to the broker's default. */
  useClustersetIp?: boolean | undefined;
}

/** Exports a Service to the clusterset by creating its ServiceExport (the Service must exist). Idempotent. */
export async function exportService(kc: KubeConfig, o: ExportOptions): Promise<ServiceExport> {
  const svc = await kc
    .makeApiClient(CoreV1Api)
    .readNamespacedService({ name: o.name, namespace: o.namespace })
    .catch((err: unknown) => {
      if (apiStatus(err) === 404) {
        throw new UserError(`service ${o.name} not found in namespace ${o.namespace}: create the Service first, or pass the right -n NAMESPACE`);
      }
      throw err;
    });
  if (svc.spec?.type === 'ExternalName' || svc.spec?.type === 'NodePort' || svc.spec?.type === 'LoadBalancer') {
    throw new UserError(`service ${o.namespace}/${o.name} is of type ${svc.spec.type}: only ClusterIP and headless Services can be exported`);
  }
  const obj: ServiceExport = {
    apiVersion: 'multicluster.x-k8s.io/v1beta1',
    kind: 'ServiceExport',
    metadata: {
      name: o.name,
      namespace: o.namespace,
      ...(o.useClustersetIp === undefined ? {} : { annotations: { [annotations.useClustersetIP]: String(o.useClustersetIp) } }),
    },
  };
  const [applied] = await applyObjects(kc, [obj]);
  return applied as ServiceExport;
}

/** Removes a Service's ServiceExport; returns false when it was not exported. */
export async function unexportService(kc: KubeConfig, namespace: string, name: string): Promise<boolean> {
  return resourceClient(kc, ServiceExportResource).delete(name, namespace);
}
