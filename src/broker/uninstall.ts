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
  type V1Deployment,
} from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { BrokerResource, ClusterResource, ServiceDiscoveryResource, SubmarinerResource, customObjectRef } from '../api/index.js';
import { loadCrdFiles } from '../api/crd-files.js';
import { uninstallEnv } from '../api/agent-env.js';
import { annotations, fieldManager, labels, lighthouseManagedBy, names } from '../api/names.js';
import type { Reporter } from '../base/reporter.js';
import { errorText } from '../base/log.js';
import { mergePatch, undefinedIfNotFound } from '../kube/apply.js';
import { brokerKubeConfigFromEnv } from '../kube/broker-config.js';
import { deregisterMember } from './membership.js';
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

const managedSelector = `${labels.appManagedBy}=${fieldManager}`;

const ignore404 = undefinedIfNotFound;

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
    .getNamespacedCustomObject({ ...customObjectRef(SubmarinerResource), namespace: o.namespace, name: names.submarinerCR })
    .catch(() =>
      custom.getNamespacedCustomObject({ ...customObjectRef(ServiceDiscoveryResource), namespace: o.namespace, name: names.serviceDiscoveryCR }),
    )
    .catch(() => undefined)) as { spec?: { clusterID?: string; brokerK8sApiServer?: string; brokerK8sRemoteNamespace?: string } } | undefined;
  const clusterId = config?.spec?.clusterID;

  await reporter.step('Removing the agents\' network state from the nodes', () => agentCleanup(kc, o, 'DaemonSet', warn));
  await reporter.step('Restoring the CoreDNS configuration and the gateway node labels', () => agentCleanup(kc, o, 'Deployment', warn));
  if (clusterId !== undefined) {
    await reporter.step(`Removing cluster ${clusterId} from the broker`, () =>
      deregister(core, o.namespace, clusterId, config?.spec ?? {}).catch((err: unknown) => warn(`could not deregister from the broker: ${errorText(err)}`)),
    );
  }
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

/**
 * Switches the agents of one kind to uninstall mode and waits for each of their pods to report it has undone
 * what it made: the DaemonSets (gateway, route agent, GlobalNet) clean their nodes first; then the operator
 * (a Deployment) takes back the gateway labels and the CoreDNS block. Agents that never ran made nothing.
 */
async function agentCleanup(kc: KubeConfig, o: UninstallOptions, kind: 'DaemonSet' | 'Deployment', warn: (m: string) => void): Promise<void> {
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const workloads = await listWorkloads(apps, o.namespace, kind);
  if (workloads.length === 0) return;
  for (const w of workloads) {
    if (w.spec?.template.spec?.containers[0]?.env?.some((e) => e.name === uninstallEnv && e.value === 'true')) continue;
    const name = w.metadata?.name ?? '';
    const body = uninstallPatch(w);
    if (kind === 'DaemonSet') await apps.patchNamespacedDaemonSet({ name, namespace: o.namespace, body }, mergePatch);
    else await apps.patchNamespacedDeployment({ name, namespace: o.namespace, body }, mergePatch);
  }
  const deadline = Date.now() + (o.agentTimeoutMs ?? 90_000);
  for (;;) {
    const pending: string[] = [];
    for (const w of workloads) {
      const selector = Object.entries(w.spec?.selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
      const pods = (await core.listNamespacedPod({ namespace: o.namespace, labelSelector: selector })).items;
      const desired = await desiredPods(apps, o.namespace, kind, w.metadata?.name ?? '');
      const clean = pods.filter((p) => p.metadata?.annotations?.[annotations.uninstalled] === 'true' && !p.metadata.deletionTimestamp).length;
      if (clean < desired) pending.push(`${w.metadata?.name ?? ''} ${clean}/${desired}`);
    }
    if (pending.length === 0) return;
    if (Date.now() > deadline) {
      const what = kind === 'DaemonSet' ? 'their interfaces and iptables chains may remain' : 'the gateway labels and the CoreDNS block may remain';
      warn(`agents did not report their work undone in time (${pending.join(', ')}); ${what}`);
      return;
    }
    await sleep(500);
  }
}

type Workload = V1DaemonSet | V1Deployment;

/** The workloads of one kind that join rendered; Deployments only when they have run (a pod that never ran changed nothing). */
async function listWorkloads(apps: AppsV1Api, namespace: string, kind: 'DaemonSet' | 'Deployment'): Promise<Workload[]> {
  if (kind === 'DaemonSet') return (await apps.listNamespacedDaemonSet({ namespace, labelSelector: managedSelector }).catch(ignore404))?.items ?? [];
  const deployments = (await apps.listNamespacedDeployment({ namespace, labelSelector: `${managedSelector},app=${names.workload.operator}` }).catch(ignore404))?.items ?? [];
  return deployments.filter((d) => (d.status?.readyReplicas ?? 0) > 0 || d.spec?.template.spec?.containers[0]?.env?.some((e) => e.name === uninstallEnv));
}

async function desiredPods(apps: AppsV1Api, namespace: string, kind: 'DaemonSet' | 'Deployment', name: string): Promise<number> {
  if (kind === 'DaemonSet') return (await apps.readNamespacedDaemonSet({ name, namespace })).status?.desiredNumberScheduled ?? 0;
  return (await apps.readNamespacedDeployment({ name, namespace })).spec?.replicas ?? 1;
}

function uninstallPatch(w: Workload): object {
  const containers = (w.spec?.template.spec?.containers ?? []).map((c) => ({
    ...c,
    env: [...(c.env ?? []).filter((e) => e.name !== uninstallEnv), { name: uninstallEnv, value: 'true' }],
  }));
  return { spec: { template: { spec: { containers } } } };
}

/** With the member's own broker credentials, as kept in the broker Secret and the Submariner CR. */
async function deregister(core: CoreV1Api, namespace: string, clusterId: string, spec: { brokerK8sApiServer?: string; brokerK8sRemoteNamespace?: string }): Promise<void> {
  const secret = await core.readNamespacedSecret({ name: names.brokerSecret, namespace }).catch(ignore404);
  if (!secret?.data?.token || !spec.brokerK8sApiServer || !spec.brokerK8sRemoteNamespace) return;
  const { kc: broker, namespace: brokerNs } = brokerKubeConfigFromEnv({
    BROKER_K8S_APISERVER: spec.brokerK8sApiServer,
    BROKER_K8S_REMOTENAMESPACE: spec.brokerK8sRemoteNamespace,
    BROKER_K8S_APISERVERTOKEN: Buffer.from(secret.data.token, 'base64').toString('utf8'),
    BROKER_K8S_CA: Buffer.from(secret.data['ca.crt'] ?? '', 'base64').toString('utf8'),
  });
  await deregisterMember(broker, brokerNs, clusterId);
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
    .listClusterCustomObject(customObjectRef(BrokerResource))
    .catch(ignore404)) as { items: unknown[] } | undefined;
  return (list?.items.length ?? 0) > 0;
}

async function removeIdleBroker(kc: KubeConfig, warn: (m: string) => void): Promise<boolean> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const brokers = ((await custom.listClusterCustomObject(customObjectRef(BrokerResource)).catch(ignore404)) as
    | { items: { metadata: { namespace: string } }[] }
    | undefined)?.items ?? [];
  let removed = false;
  for (const b of brokers) {
    const ns = b.metadata.namespace;
    const members = ((await custom.listNamespacedCustomObject({ ...customObjectRef(ClusterResource), namespace: ns })) as { items: { metadata: { name: string } }[] }).items;
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

