import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { BrokerResource, customObjectRef } from '../api/index.js';
import { wellKnown } from '../api/names.js';
import { UserError } from '../base/errors.js';
import { apiErrorMessage, apiStatus, retryBusy } from '../kube/apply.js';
import { withTimeout } from '../base/timeout.js';
import type { BrokerInfo } from './broker-info.js';

/** A kubeconfig for the broker API server with the given bearer token (the admin one from broker-info by default). */
export function brokerKubeConfig(info: BrokerInfo, token = info.token, user = 'broker-admin'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'broker', server: info.brokerURL, caData: info.ca, skipTLSVerify: false }],
    users: [{ name: user, token }],
    contexts: [{ name: 'broker', cluster: 'broker', user, namespace: info.namespace }],
    currentContext: 'broker',
  });
  return kc;
}

export interface BrokerSpec {
  components?: string[];
  defaultCustomDomains?: string[];
  globalnetEnabled?: boolean;
  globalnetCIDRRange?: string;
  defaultGlobalnetClusterSize?: number;
  clustersetIPEnabled?: boolean;
  clustersetIPCIDRRange?: string;
}

/**
 * Reads the Broker object with the broker-info credentials, turning every way this can fail into one message
 * naming the broker and the fix: unreachable, certificate mismatch, revoked token, missing broker.
 */
export async function connectBroker(info: BrokerInfo, kc = brokerKubeConfig(info)): Promise<BrokerSpec> {
  const api = kc.makeApiClient(CustomObjectsApi);
  try {
    const broker = (await withTimeout(
      retryBusy(() => api.getNamespacedCustomObject({ ...customObjectRef(BrokerResource), namespace: info.namespace, name: wellKnown.brokerName })),
      15_000,
      `no answer from the broker at ${info.brokerURL}`,
    )) as { spec?: BrokerSpec };
    return broker.spec ?? {};
  } catch (err) {
    throw brokerError(info, err);
  }
}

export function brokerError(info: BrokerInfo, err: unknown): UserError {
  const status = apiStatus(err);
  const url = info.brokerURL;
  if (status === 401) {
    return new UserError(`the broker at ${url} rejected the broker-info token (revoked or from another broker): get a current file with \`kubectl submariner recover-broker-info\` or re-run deploy-broker`);
  }
  if (status === 403) return new UserError(`the broker-info token may not read the broker at ${url} (${apiErrorMessage(err)}): re-run deploy-broker to restore its RBAC`);
  if (status === 404) return new UserError(`there is no broker in namespace ${info.namespace} at ${url}: deploy one with \`kubectl submariner deploy-broker\``);
  const msg = err instanceof Error ? `${err.message} ${String((err as { cause?: { code?: string } }).cause?.code ?? '')}` : String(err);
  if (/certificate|self.signed|CERT/i.test(msg)) {
    return new UserError(`the broker at ${url} presented a certificate the broker-info CA does not trust: use the broker-info file of this broker`);
  }
  return new UserError(`cannot reach the broker at ${url}: ${msg.trim()}. Check that the URL is reachable from here (or pass --broker-url)`, undefined, { cause: err });
}
