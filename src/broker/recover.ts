import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { BrokerResource, ServiceDiscoveryResource, SubmarinerResource, customObjectRef, type ResourceDescriptor } from '../api/index.js';
import { names, wellKnown } from '../api/names.js';
import { UserError } from '../base/errors.js';
import { apiStatus, undefinedIfNotFound } from '../kube/apply.js';
import { writeBrokerInfoFile, type BrokerInfo } from './broker-info.js';
import type { BrokerSpec } from './broker-client.js';
import { adminTokenSecret } from './objects.js';

export interface RecoverOptions {
  namespace: string;
  output: string;
  brokerUrl?: string | undefined;
}

/**
 * Rebuilds broker-info.subm from a joined cluster (broker address, PSK) and the cluster hosting the broker
 * (admin token, CA, components), as subctl's recover-broker-info does.
 */
export async function recoverBrokerInfo(member: KubeConfig, broker: KubeConfig, o: RecoverOptions): Promise<{ info: BrokerInfo; backup: string | undefined }> {
  const custom = member.makeApiClient(CustomObjectsApi);
  const read = (resource: ResourceDescriptor, name: string): Promise<{ spec?: Record<string, unknown> } | undefined> =>
    custom
      .getNamespacedCustomObject({ ...customObjectRef(resource), namespace: o.namespace, name })
      .then((x) => x as { spec?: Record<string, unknown> })
      .catch(undefinedIfNotFound);
  const config = (await read(SubmarinerResource, names.submarinerCR)) ?? (await read(ServiceDiscoveryResource, names.serviceDiscoveryCR));
  const apiServer = config?.spec?.brokerK8sApiServer;
  const brokerNs = config?.spec?.brokerK8sRemoteNamespace;
  if (typeof apiServer !== 'string' || typeof brokerNs !== 'string') {
    throw new UserError(`the cluster of context ${member.getCurrentContext()} has not joined a broker (no Submariner configuration in ${o.namespace}): pass the context of a joined cluster`);
  }
  const psk = await member.makeApiClient(CoreV1Api).readNamespacedSecret({ name: names.ipsecPskSecret, namespace: o.namespace }).catch(() => undefined);
  const token = await broker
    .makeApiClient(CoreV1Api)
    .readNamespacedSecret({ name: adminTokenSecret, namespace: brokerNs })
    .catch((err: unknown) => {
      if (apiStatus(err) === 404) {
        throw new UserError(`no broker admin token in namespace ${brokerNs} of context ${broker.getCurrentContext()}: pass --broker-context, the context of the cluster running the broker`);
      }
      throw err;
    });
  const spec = ((await broker
    .makeApiClient(CustomObjectsApi)
    .getNamespacedCustomObject({ ...customObjectRef(BrokerResource), namespace: brokerNs, name: wellKnown.brokerName })
    .catch(() => ({}))) as { spec?: BrokerSpec }).spec ?? {};
  const components = spec.components ?? ['connectivity', 'service-discovery'];
  const info: BrokerInfo = {
    brokerURL: o.brokerUrl ?? `https://${apiServer}`,
    token: Buffer.from(token.data?.token ?? '', 'base64').toString('utf8'),
    ca: token.data?.['ca.crt'] ?? '',
    namespace: brokerNs,
    ipsecPsk: psk?.data?.psk ? Buffer.from(psk.data.psk, 'base64').toString('utf8') : undefined,
    serviceDiscovery: components.includes('service-discovery'),
    components: [...components].sort(),
    customDomains: spec.defaultCustomDomains ?? [],
    globalnet: spec.globalnetEnabled ?? false,
  };
  const { backup } = await writeBrokerInfoFile(o.output, info);
  return { info, backup };
}
