import {
  AdmissionregistrationV1Api,
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  RbacAuthorizationV1Api,
  type KubeConfig,
  type V1DaemonSet,
} from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadCrdFiles } from '../api/crd-files.js';
import { clusterServiceAccount, labels, lighthouseManagedBy } from '../api/names.js';
import type { Reporter } from '../cli/reporter.js';
import { errorText } from '../kube/log.js';
import { apiStatus, mergePatch } from '../kube/apply.js';
import { gatewayNodeLabel, names } from '../render/contract.js';
import { removeCorednsForward } from '../render/coredns.js';
import { brokerKubeConfigFromEnv } from './broker-client.js';
import { releaseGlobalCidr } from './globalnet.js';
import { memberPolicyName } from './objects.js';

export interface UninstallOptions {
  namespace: string;
  /** Remove an idle broker on this cluster even when this cluster was not a member. */
  broker?: boolean;
  /** How long to wait for the agents to remove their kernel state. */
  agentTimeoutMs?: number;
}

export interface UninstallResult {
  clusterId: string | undefined;
  brokerRemoved: boolean;
  warnings: string[];
}

const managedSelector = 'app.kubernetes.io/managed-by=kubectl-submariner';
/** Set on an agent pod once, in uninstall mode, it has removed everything it created on its node. */
export const uninstalledAnnotation = 'submariner.io/uninstalled';
const uninstallEnv = 'SUBMARINER_UNINSTALL';

const ignore404 = (err: unknown): undefined => {
  if (apiStatus(err) === 404) return undefined;
  throw err;
};

/**
 * Removes from the cluster everything join created, and the cluster's registration on the broker. A broker
 * running on this cluster goes too once no member remains (when this cluster was a member, or with `broker`).
 * Idempotent: a second run finds nothing.
 */
export async function uninstallCluster(kc: KubeConfig, o: UninstallOptions, reporter: Reporter): Promise<UninstallResult> {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const warnings: string[] = [];
  const warn = (m: string): void => {
    warnings.push(m);
    reporter.warning(m);
  };
  const config = (await custom
    .getNamespacedCustomObject({ group: 'submariner.io', version: 'v1alpha1', namespace: o.namespace, plural: 'submariners', name: names.submarinerCR })
    .catch(() =>
      custom.getNamespacedCustomObject({ group: 'submariner.io', version: 'v1alpha1', namespace: o.namespace, plural: 'servicediscoveries', name: names.serviceDiscoveryCR }),
    )
    .catch(() => undefined)) as { spec?: { clusterID?: string; brokerK8sApiServer?: string; brokerK8sRemoteNamespace?: string } } | undefined;
  const clusterId = config?.spec?.clusterID;

  await reporter.step('Removing the agents\' network state from the nodes', () => agentCleanup(kc, o, warn));
  if (clusterId !== undefined) {
    await reporter.step(`Removing cluster ${clusterId} from the broker`, () =>
      deregister(core, o.namespace, clusterId, config?.spec ?? {}).catch((err: unknown) => warn(`could not deregister from the broker: ${errorText(err)}`)),
    );
  }
  await reporter.step('Restoring the CoreDNS configuration', () => restoreCoredns(core));
  await reporter.step('Unlabelling the gateway nodes', () => unlabelGateways(core));
  await reporter.step('Removing Lighthouse\'s EndpointSlices', () => deleteLighthouseSlices(kc));
  await reporter.step(`Deleting namespace ${o.namespace}`, () => deleteNamespace(core, o.namespace));
  await reporter.step('Deleting cluster roles and bindings', () => deleteClusterRbac(kc));
  const brokerRemoved =
    o.broker === true || clusterId !== undefined
      ? await reporter.step('Removing the broker if it runs here and has no member left', () => removeIdleBroker(kc, warn))
      : false;
  await reporter.step('Deleting the CRDs', async () => {
    if (await hostsBroker(kc)) {
      reporter.info('the CRDs stay: the broker on this cluster still uses them');
      return;
    }
    await deleteCrds(kc);
  });
  return { clusterId, brokerRemoved, warnings };
}

/** Switches the gateway and route-agent DaemonSets to uninstall mode and waits for every pod to report it is clean. */
async function agentCleanup(kc: KubeConfig, o: UninstallOptions, warn: (m: string) => void): Promise<void> {
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const sets = (await apps.listNamespacedDaemonSet({ namespace: o.namespace, labelSelector: managedSelector }).catch(ignore404))?.items ?? [];
  if (sets.length === 0) return;
  for (const ds of sets) {
    if (ds.spec?.template.spec?.containers[0]?.env?.some((e) => e.name === uninstallEnv && e.value === 'true')) continue;
    await apps.patchNamespacedDaemonSet({ name: ds.metadata?.name ?? '', namespace: o.namespace, body: uninstallPatch(ds) }, mergePatch);
  }
  const deadline = Date.now() + (o.agentTimeoutMs ?? 90_000);
  for (;;) {
    const pending: string[] = [];
    for (const ds of sets) {
      const selector = Object.entries(ds.spec?.selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
      const pods = (await core.listNamespacedPod({ namespace: o.namespace, labelSelector: selector })).items;
      const desired = (await apps.readNamespacedDaemonSet({ name: ds.metadata?.name ?? '', namespace: o.namespace })).status?.desiredNumberScheduled ?? 0;
      const clean = pods.filter((p) => p.metadata?.annotations?.[uninstalledAnnotation] === 'true' && !p.metadata.deletionTimestamp).length;
      if (clean < desired) pending.push(`${ds.metadata?.name ?? ''} ${clean}/${desired}`);
    }
    if (pending.length === 0) return;
    if (Date.now() > deadline) {
      warn(`agents did not report their nodes clean in time (${pending.join(', ')}); their interfaces and iptables chains may remain`);
      return;
    }
    await sleep(500);
  }
}

function uninstallPatch(ds: V1DaemonSet): object {
  const containers = (ds.spec?.template.spec?.containers ?? []).map((c) => ({
    ...c,
    env: [...(c.env ?? []).filter((e) => e.name !== uninstallEnv), { name: uninstallEnv, value: 'true' }],
  }));
  return { spec: { template: { spec: { containers } } } };
}

/** With the member's own broker credentials: its Endpoints, Cluster, exported services, globalnet allocation and account. */
async function deregister(core: CoreV1Api, namespace: string, clusterId: string, spec: { brokerK8sApiServer?: string; brokerK8sRemoteNamespace?: string }): Promise<void> {
  const secret = await core.readNamespacedSecret({ name: names.brokerSecret, namespace }).catch(ignore404);
  if (!secret?.data?.token || !spec.brokerK8sApiServer || !spec.brokerK8sRemoteNamespace) return;
  const { kc: broker, namespace: brokerNs } = brokerKubeConfigFromEnv({
    BROKER_K8S_APISERVER: spec.brokerK8sApiServer,
    BROKER_K8S_REMOTENAMESPACE: spec.brokerK8sRemoteNamespace,
    BROKER_K8S_APISERVERTOKEN: Buffer.from(secret.data.token, 'base64').toString('utf8'),
    BROKER_K8S_CA: Buffer.from(secret.data['ca.crt'] ?? '', 'base64').toString('utf8'),
  });
  const custom = broker.makeApiClient(CustomObjectsApi);
  const endpoints = (await custom.listNamespacedCustomObject({ group: 'submariner.io', version: 'v1', namespace: brokerNs, plural: 'endpoints' })) as {
    items: { metadata: { name: string }; spec?: { cluster_id?: string } }[];
  };
  for (const ep of endpoints.items.filter((e) => e.spec?.cluster_id === clusterId)) {
    await custom.deleteNamespacedCustomObject({ group: 'submariner.io', version: 'v1', namespace: brokerNs, plural: 'endpoints', name: ep.metadata.name }).catch(ignore404);
  }
  await custom.deleteNamespacedCustomObject({ group: 'submariner.io', version: 'v1', namespace: brokerNs, plural: 'clusters', name: clusterId }).catch(ignore404);
  const mine = `${labels.sourceCluster}=${clusterId}`;
  const imports = (await custom.listNamespacedCustomObject({ group: 'multicluster.x-k8s.io', version: 'v1beta1', namespace: brokerNs, plural: 'serviceimports', labelSelector: mine })) as {
    items: { metadata: { name: string } }[];
  };
  for (const si of imports.items) {
    await custom.deleteNamespacedCustomObject({ group: 'multicluster.x-k8s.io', version: 'v1beta1', namespace: brokerNs, plural: 'serviceimports', name: si.metadata.name }).catch(ignore404);
  }
  // One by one: a member may delete its own slices, not a collection.
  const discovery = broker.makeApiClient(DiscoveryV1Api);
  for (const slice of (await discovery.listNamespacedEndpointSlice({ namespace: brokerNs, labelSelector: mine })).items) {
    await discovery.deleteNamespacedEndpointSlice({ name: slice.metadata?.name ?? '', namespace: brokerNs }).catch(ignore404);
  }
  await releaseGlobalCidr(broker, brokerNs, clusterId).catch((err: unknown) => {
    if (apiStatus(err) !== 403) throw err;
  });
  await broker.makeApiClient(CoreV1Api).deleteNamespacedServiceAccount({ name: clusterServiceAccount(clusterId), namespace: brokerNs }).catch(ignore404);
}

async function restoreCoredns(core: CoreV1Api): Promise<void> {
  const cm = await core.readNamespacedConfigMap({ name: 'coredns', namespace: 'kube-system' }).catch(ignore404);
  const corefile = cm?.data?.Corefile;
  if (!cm || corefile === undefined) return;
  const restored = removeCorednsForward(corefile);
  if (restored !== corefile) await core.replaceNamespacedConfigMap({ name: 'coredns', namespace: 'kube-system', body: { ...cm, data: { ...cm.data, Corefile: restored } } });
}

async function unlabelGateways(core: CoreV1Api): Promise<void> {
  const nodes = (await core.listNode({ labelSelector: `${gatewayNodeLabel.key}=${gatewayNodeLabel.value}` })).items;
  for (const n of nodes) {
    await core.patchNode({ name: n.metadata?.name ?? '', body: { metadata: { labels: { [gatewayNodeLabel.key]: null } } } }, mergePatch);
  }
}

async function deleteLighthouseSlices(kc: KubeConfig): Promise<void> {
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const slices = (await discovery.listEndpointSliceForAllNamespaces({ labelSelector: `${labels.managedBy}=${lighthouseManagedBy}` })).items;
  for (const ns of new Set(slices.map((s) => s.metadata?.namespace ?? ''))) {
    await discovery.deleteCollectionNamespacedEndpointSlice({ namespace: ns, labelSelector: `${labels.managedBy}=${lighthouseManagedBy}` });
  }
}

async function deleteNamespace(core: CoreV1Api, name: string, timeoutMs = 120_000): Promise<void> {
  const gone = await core.deleteNamespace({ name }).then(() => false, (err: unknown) => ignore404(err) ?? true);
  if (gone) return;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await core.readNamespace({ name }).catch(ignore404)) === undefined) return;
    await sleep(300);
  }
  throw new Error(`namespace ${name} is still terminating after ${timeoutMs / 1000}s`);
}

async function deleteClusterRbac(kc: KubeConfig): Promise<void> {
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await rbac.deleteCollectionClusterRoleBinding({ labelSelector: managedSelector });
  await rbac.deleteCollectionClusterRole({ labelSelector: managedSelector });
}

async function hostsBroker(kc: KubeConfig): Promise<boolean> {
  const list = (await kc
    .makeApiClient(CustomObjectsApi)
    .listClusterCustomObject({ group: 'submariner.io', version: 'v1alpha1', plural: 'brokers' })
    .catch(ignore404)) as { items: unknown[] } | undefined;
  return (list?.items.length ?? 0) > 0;
}

async function removeIdleBroker(kc: KubeConfig, warn: (m: string) => void): Promise<boolean> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const brokers = ((await custom.listClusterCustomObject({ group: 'submariner.io', version: 'v1alpha1', plural: 'brokers' }).catch(ignore404)) as
    | { items: { metadata: { namespace: string } }[] }
    | undefined)?.items ?? [];
  let removed = false;
  for (const b of brokers) {
    const ns = b.metadata.namespace;
    const members = ((await custom.listNamespacedCustomObject({ group: 'submariner.io', version: 'v1', namespace: ns, plural: 'clusters' })) as { items: { metadata: { name: string } }[] }).items;
    if (members.length > 0) {
      warn(`the broker in namespace ${ns} stays: clusters ${members.map((m) => m.metadata.name).join(', ')} are still members`);
      continue;
    }
    await deleteNamespace(kc.makeApiClient(CoreV1Api), ns);
    removed = true;
  }
  if (removed || brokers.length === 0) {
    const admission = kc.makeApiClient(AdmissionregistrationV1Api);
    await admission.deleteValidatingAdmissionPolicyBinding({ name: memberPolicyName }).catch(ignore404);
    await admission.deleteValidatingAdmissionPolicy({ name: memberPolicyName }).catch(ignore404);
  }
  return removed;
}

async function deleteCrds(kc: KubeConfig): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  for (const f of loadCrdFiles()) await api.deleteCustomResourceDefinition({ name: f.crd.metadata.name }).catch(ignore404);
}

