// The brokers the addon keeps on the hub, one per ManagedClusterSet in `<set>-broker`: the same objects
// deploy-broker creates, and membership through the hub's own credentials.
import { CoreV1Api, KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { BrokerResource, NamespaceResource } from '../src/api/index.js';
import { wellKnown } from '../src/api/names.js';
import { UserError } from '../src/base/errors.js';
import { applyObjects, apiErrorMessage } from '../src/kube/apply.js';
import { resourceClient } from '../src/kube/resource-client.js';
import type { BrokerSpec } from '../src/broker/broker-client.js';
import { ensurePsk } from '../src/broker/deploy.js';
import type { BrokerAccess } from '../src/broker/membership.js';
import { memberPolicyName, renderBroker, type BrokerValues } from '../src/broker/objects.js';
import { addonAnnotations, addonLabels, brokerNamespace } from './names.js';

/** The broker settings a set gets unless its Broker object already says otherwise. */
export const defaultBrokerSpec = {
  components: ['connectivity', 'service-discovery'],
  customDomains: [] as string[],
  globalnet: { enabled: false, cidrRange: '242.0.0.0/8', clusterSize: 65536 },
  clustersetIp: { enabled: false, cidrRange: '243.0.0.0/8' },
};

/** The admission policy that keeps members to their own objects, named per broker so brokers of several sets live side by side. */
export function policyName(namespace: string): string {
  return `${memberPolicyName}-${namespace}`;
}

/**
 * The broker objects of a set: renderBroker's, with the namespace marked as the addon's and the member policy named
 * after the namespace. Settings a user put in an existing Broker object (GlobalNet, domains) are kept.
 */
export function renderSetBroker(clusterSet: string, existing: BrokerSpec | undefined): KubernetesObject[] {
  const namespace = brokerNamespace(clusterSet);
  const values: BrokerValues = {
    namespace,
    components: existing?.components ?? defaultBrokerSpec.components,
    customDomains: existing?.defaultCustomDomains ?? defaultBrokerSpec.customDomains,
    globalnet: {
      enabled: existing?.globalnetEnabled ?? defaultBrokerSpec.globalnet.enabled,
      cidrRange: existing?.globalnetCIDRRange ?? defaultBrokerSpec.globalnet.cidrRange,
      clusterSize: existing?.defaultGlobalnetClusterSize ?? defaultBrokerSpec.globalnet.clusterSize,
    },
    clustersetIp: {
      enabled: existing?.clustersetIPEnabled ?? defaultBrokerSpec.clustersetIp.enabled,
      cidrRange: existing?.clustersetIPCIDRRange ?? defaultBrokerSpec.clustersetIp.cidrRange,
    },
  };
  return renderBroker(values).map((o) => {
    if (o.kind === 'Namespace') {
      return {
        ...o,
        metadata: { ...o.metadata, labels: { ...o.metadata?.labels, [addonLabels.broker]: 'true' }, annotations: { [addonAnnotations.clusterSet]: clusterSet } },
      };
    }
    if (o.kind === 'ValidatingAdmissionPolicy') return { ...o, metadata: { ...o.metadata, name: policyName(namespace) } };
    if (o.kind === 'ValidatingAdmissionPolicyBinding') {
      const spec = (o as KubernetesObject & { spec: Record<string, unknown> }).spec;
      return { ...o, metadata: { ...o.metadata, name: policyName(namespace) }, spec: { ...spec, policyName: policyName(namespace) } } as KubernetesObject;
    }
    return o;
  });
}

/** A set's broker as it stands: its Broker settings and PSK. */
export interface HubBroker {
  namespace: string;
  spec: BrokerSpec;
  psk: string;
}

/** Creates or updates a set's broker; the PSK is made once and kept. */
export async function ensureBroker(kc: KubeConfig, clusterSet: string): Promise<void> {
  const namespace = brokerNamespace(clusterSet);
  const existing = await resourceClient(kc, BrokerResource).get(wellKnown.brokerName, namespace);
  await applyObjects(kc, renderSetBroker(clusterSet, (existing as { spec?: BrokerSpec } | undefined)?.spec));
  await ensurePsk(kc.makeApiClient(CoreV1Api), namespace, undefined);
}

/** Deletes a set's broker namespace (and with it every member's objects and accounts) and its admission policy. */
export async function removeBroker(kc: KubeConfig, namespace: string): Promise<void> {
  const ns = await resourceClient(kc, NamespaceResource).get(namespace);
  if (ns?.metadata?.labels?.[addonLabels.broker] === 'true') await resourceClient(kc, NamespaceResource).delete(namespace);
  const policies = { group: 'admissionregistration.k8s.io', version: 'v1', kind: 'ValidatingAdmissionPolicy', plural: 'validatingadmissionpolicies', namespaced: false } as const;
  const bindings = { ...policies, kind: 'ValidatingAdmissionPolicyBinding', plural: 'validatingadmissionpolicybindings' } as const;
  await resourceClient(kc, bindings).delete(policyName(namespace));
  await resourceClient(kc, policies).delete(policyName(namespace));
}

/** Membership's view of a hub broker: the hub's own credentials as admin, the same server with a member's token. */
export function hubBrokerAccess(kc: KubeConfig, namespace: string): BrokerAccess {
  const cluster = kc.getCurrentCluster();
  return {
    admin: kc,
    namespace,
    asMember: (token, user) => {
      const member = new KubeConfig();
      member.loadFromOptions({
        clusters: [{ name: 'hub', server: cluster?.server ?? '', caData: cluster?.caData, caFile: cluster?.caFile, skipTLSVerify: cluster?.skipTLSVerify ?? false }],
        users: [{ name: user, token }],
        contexts: [{ name: 'hub', cluster: 'hub', user, namespace }],
        currentContext: 'hub',
      });
      return member;
    },
    explain: (err) => (err instanceof UserError ? err : new Error(`broker ${namespace}: ${apiErrorMessage(err)}`, { cause: err })),
  };
}
