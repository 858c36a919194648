// What `kubectl submariner addon install|status|rollout|uninstall` do on an OCM hub.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { AGENT_ENTRY_POINT } from '../src/api/agent-env.js';
import { crdDirectory, parseCrd } from '../src/api/crd-files.js';
import { applyCrds, installCrds } from '../src/api/install.js';
import { agentImage, managedByLabels, ocm, parseImageRef } from '../src/api/names.js';
import {
  AddOnDeploymentConfigResource,
  ClusterManagementAddOnResource,
  ManagedClusterAddOnResource,
  ManagedClusterResource,
  ManifestWorkResource,
  ocmAnnotations,
  ocmGroups,
  ocmLabels,
  type ClusterManagementAddOn,
  type ManagedCluster,
  type ManagedClusterAddOn,
  type ManifestWork,
  type RolloutStrategy,
} from '../src/api/ocm.js';
import { NamespaceResource } from '../src/api/index.js';
import { UserError } from '../src/base/errors.js';
import type { Reporter } from '../src/base/reporter.js';
import { apiErrorMessage, apiStatus, applyObjects, retryBusy } from '../src/kube/apply.js';
import { resourceClient } from '../src/kube/resource-client.js';
import { parseImageOverrides } from '../src/render/index.js';
import { defaultRepository, defaultVersion } from '../src/render/values.js';
import { specHash } from './config.js';
import { addonEnv, addonFinalizer, addonName, conditionTypes as T, configTypes, variables } from './names.js';
import { connectionSummary } from './status.js';

const controllerName = 'submariner-addon-controller';
/**
 * The controller's heap limit. Its live set with 1,000 clusters is well under it; without a limit V8 collects lazily and
 * the process grows past 300 MiB on a big first sync.
 */
export const controllerNodeOptions = '--max-old-space-size=256';

export interface InstallOptions {
  namespace: string;
  /** The ManagedClusterSet the addon serves; its clusters are selected by a Placement `submariner` unless `placement` is given. */
  clusterSet: string;
  /** An existing Placement (`name` in the addon namespace, or `namespace/name`) choosing the clusters instead. */
  placement?: string | undefined;
  /** The URL managed clusters reach the hub's API server at (default: the kubeconfig's server). */
  brokerUrl?: string | undefined;
  /** The controller's image (default: the agents' image). */
  image?: string | undefined;
  /** Deploy the controller Deployment; without it the controller runs elsewhere (tests, development). */
  controller: boolean;
}

export interface InstallResult {
  namespace: string;
  placement: { name: string; namespace: string };
  brokerUrl: string;
}

function hubCrd(): ReturnType<typeof parseCrd> {
  const dir = join(crdDirectory(), '..', 'hub');
  const file = 'submarineraddon.open-cluster-management.io_submarinerconfigs.yaml';
  return parseCrd(readFileSync(join(dir, file), 'utf8'), file);
}

/** Refuses a cluster that is not an OCM hub (no addon API), naming what is missing. */
async function checkHub(kc: KubeConfig): Promise<void> {
  try {
    await retryBusy(() => resourceClient(kc, ClusterManagementAddOnResource).list());
  } catch (err) {
    const server = kc.getCurrentCluster()?.server ?? '?';
    if (apiStatus(err) === 404) {
      throw new UserError(`${server} is not an Open Cluster Management hub (no ${ClusterManagementAddOnResource.plural}.${ocmGroups.addon} API): install OCM's cluster manager first, or use \`kubectl submariner sandbox up --hub\``);
    }
    throw new UserError(`cannot read the addon API of ${server}: ${apiErrorMessage(err)}`, undefined, { cause: err });
  }
}

/** The controller's access to the hub: the OCM kinds it reads and writes, and the brokers it keeps. */
const controllerRules = [
  { apiGroups: [ocmGroups.addon], resources: ['clustermanagementaddons', 'managedclusteraddons'], verbs: ['get', 'list', 'watch', 'update', 'patch', 'delete'] },
  { apiGroups: [ocmGroups.addon], resources: ['clustermanagementaddons/status', 'managedclusteraddons/status', 'clustermanagementaddons/finalizers', 'managedclusteraddons/finalizers'], verbs: ['update', 'patch'] },
  { apiGroups: [ocmGroups.addon], resources: ['addondeploymentconfigs'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [ocmGroups.cluster], resources: ['managedclusters', 'managedclustersets'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [ocmGroups.work], resources: ['manifestworks'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
  { apiGroups: [ocmGroups.submarinerAddon], resources: ['submarinerconfigs'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [ocmGroups.submarinerAddon], resources: ['submarinerconfigs/status'], verbs: ['update', 'patch'] },
  { apiGroups: [''], resources: ['namespaces', 'serviceaccounts', 'secrets', 'configmaps'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'escalate', 'bind'] },
  { apiGroups: ['submariner.io', 'multicluster.x-k8s.io'], resources: ['*'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'] },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'] },
  { apiGroups: ['admissionregistration.k8s.io'], resources: ['validatingadmissionpolicies', 'validatingadmissionpolicybindings'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
];

function parsePlacement(placement: string | undefined, namespace: string): { name: string; namespace: string } | undefined {
  if (placement === undefined) return undefined;
  const [a, b, extra] = placement.split('/');
  if (extra !== undefined || !a || (b !== undefined && !b)) throw new UserError(`--placement ${placement} is not NAME or NAMESPACE/NAME`);
  return b === undefined ? { name: a, namespace } : { name: b, namespace: a };
}

/** The hub objects of the addon, in apply order. Pure. */
export function renderAddon(o: InstallOptions & { brokerUrl: string; image: string }): KubernetesObject[] {
  const ns = o.namespace;
  const labels = { ...managedByLabels };
  const placement = parsePlacement(o.placement, ns) ?? { name: addonName, namespace: ns };
  const objects: KubernetesObject[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } }];
  if (o.controller) {
    objects.push(
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: controllerName, namespace: ns, labels } },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: controllerName, labels }, rules: controllerRules } as KubernetesObject,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: controllerName, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: controllerName },
        subjects: [{ kind: 'ServiceAccount', name: controllerName, namespace: ns }],
      } as KubernetesObject,
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: controllerName, namespace: ns, labels: { ...labels, app: controllerName } },
        spec: {
          replicas: 1,
          strategy: { type: 'Recreate' },
          selector: { matchLabels: { app: controllerName } },
          template: {
            metadata: { labels: { ...labels, app: controllerName } },
            spec: {
              serviceAccountName: controllerName,
              containers: [
                {
                  name: 'controller',
                  image: o.image,
                  imagePullPolicy: 'IfNotPresent',
                  command: [AGENT_ENTRY_POINT, 'addon'],
                  env: [
                    { name: addonEnv.brokerUrl, value: o.brokerUrl },
                    { name: addonEnv.clusterSets, value: o.placement === undefined ? o.clusterSet : '' },
                    { name: 'NODE_OPTIONS', value: controllerNodeOptions },
                  ],
                },
              ],
            },
          },
        },
      } as KubernetesObject,
    );
  }
  objects.push({ apiVersion: `${ocmGroups.addon}/v1alpha1`, kind: 'AddOnDeploymentConfig', metadata: { name: addonName, namespace: ns, labels }, spec: {} } as KubernetesObject);
  if (o.placement === undefined) {
    objects.push(
      {
        apiVersion: `${ocmGroups.cluster}/v1beta2`,
        kind: 'ManagedClusterSetBinding',
        metadata: { name: o.clusterSet, namespace: ns, labels },
        spec: { clusterSet: o.clusterSet },
      } as KubernetesObject,
      {
        apiVersion: `${ocmGroups.cluster}/v1beta1`,
        kind: 'Placement',
        metadata: { name: addonName, namespace: ns, labels },
        // A cluster that stops reporting stays selected: without the tolerations OCM would delete its addon, and its
        // agents with it, the moment it came back.
        spec: { clusterSets: [o.clusterSet], tolerations: [ocm.taints.unreachable, ocm.taints.unavailable].map((key) => ({ key, operator: 'Exists' })) },
      } as KubernetesObject,
    );
  }
  objects.push({
    apiVersion: `${ocmGroups.addon}/v1alpha1`,
    kind: 'ClusterManagementAddOn',
    metadata: { name: addonName, labels, annotations: { [ocmAnnotations.lifecycle]: 'addon-manager' } },
    spec: {
      addOnMeta: { displayName: 'Submariner', description: 'Multi-cluster connectivity and service discovery, delivered by kubectl-submariner' },
      supportedConfigs: [
        { ...configTypes.deployment, defaultConfig: { name: addonName, namespace: ns } },
        { ...configTypes.submariner },
      ],
      installStrategy: { type: 'Placements', placements: [{ ...placement, rolloutStrategy: { type: 'All' } }] },
    },
  } as KubernetesObject);
  return objects;
}

/**
 * Installs the addon on an OCM hub: the CRDs (SubmarinerConfig, and the broker's), the controller with its RBAC,
 * the default AddOnDeploymentConfig, a Placement of the set's clusters, and the ClusterManagementAddOn that hands
 * installation and rollout to OCM's addon manager. Re-running converges; a rollout strategy set since is kept.
 */
export async function installAddon(kc: KubeConfig, o: InstallOptions, reporter: Reporter): Promise<InstallResult> {
  await reporter.step('Checking the OCM hub', () => checkHub(kc));
  const brokerUrl = o.brokerUrl ?? kc.getCurrentCluster()?.server ?? '';
  if (!/^https:\/\/[^/\s]+/.test(brokerUrl)) throw new UserError(`--broker-url ${brokerUrl} is not an https URL the managed clusters can reach`);
  const image = o.image ?? `${defaultRepository}/${agentImage.name}:${defaultVersion}`;
  await reporter.step('Installing the SubmarinerConfig, Submariner and MCS CRDs', async () => {
    await applyCrds(kc, [hubCrd()]);
    await installCrds(kc);
  });
  const objects = renderAddon({ ...o, brokerUrl, image });
  const existing = await resourceClient(kc, ClusterManagementAddOnResource).get(addonName);
  const cma = objects.at(-1) as ClusterManagementAddOn;
  // Keep the rollout strategy `addon rollout` set.
  const kept = existing?.spec?.installStrategy?.placements;
  const placements = cma.spec?.installStrategy?.placements ?? [];
  for (const p of placements) p.rolloutStrategy = kept?.find((k) => k.name === p.name && k.namespace === p.namespace)?.rolloutStrategy ?? p.rolloutStrategy;
  const adc = await resourceClient(kc, AddOnDeploymentConfigResource).get(addonName, o.namespace);
  await reporter.step(`Deploying the addon${o.controller ? ' controller' : ''} in namespace ${o.namespace}`, () =>
    applyObjects(kc, objects.filter((x) => !(x.kind === 'AddOnDeploymentConfig' && adc !== undefined))),
  );
  const placement = placements[0] ?? { name: addonName, namespace: o.namespace };
  return { namespace: o.namespace, placement: { name: placement.name, namespace: placement.namespace }, brokerUrl };
}

// ---- status ----

export interface ClusterStatusRow {
  cluster: string;
  clusterSet: string;
  /** OCM's rollout state of the cluster (Progressing's reason; Waiting while a rollout has not reached it), or the addon's removal. */
  rollout: string;
  /** The agents' image tag the cluster's works deliver (several, comma-separated, when components differ). */
  version: string;
  applied: string;
  available: string;
  agents: string;
  connections: string;
  rtt: string;
  /** Problems worth a line under the table. */
  messages: string[];
}

const condOf = (mca: ManagedClusterAddOn, type: string) => mca.status?.conditions?.find((c) => c.type === type);

/** The tags of the agents' images in a cluster's works. */
function agentVersions(works: readonly ManifestWork[]): string {
  const tags = new Set<string>();
  for (const m of works.flatMap((w) => w.spec.workload.manifests)) {
    if (m.kind !== 'DaemonSet' && m.kind !== 'Deployment') continue;
    const containers = (m as { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } }).spec?.template?.spec?.containers ?? [];
    for (const c of containers) if (c.image) tags.add(parseImageRef(c.image).tag);
  }
  return tags.size === 0 ? '-' : [...tags].sort().join(',');
}

/** A cluster's row of `addon status`, from its ManagedClusterAddOn, its works and its ManagedCluster. Pure. */
export function statusRow(mca: ManagedClusterAddOn, works: readonly ManifestWork[], cluster: ManagedCluster | undefined): ClusterStatusRow {
  const conns = connectionSummary(works);
  const state = (type: string): string => {
    const c = condOf(mca, type);
    return c === undefined ? '-' : c.status === 'True' ? 'True' : `${c.status} (${c.reason})`;
  };
  const degraded = condOf(mca, T.agentDegraded);
  // OCM marks the clusters a rollout has not reached yet Configured=False (ConfigurationsNotConfigured).
  const waiting = condOf(mca, T.configured)?.status === 'False';
  const messages = [T.configApplied, T.brokerConfigApplied, T.manifestApplied]
    .map((t) => condOf(mca, t))
    .filter((c) => c !== undefined && c.status === 'False')
    .map((c) => `${c?.type ?? ''}: ${c?.message ?? ''}`);
  return {
    cluster: mca.metadata.namespace ?? '',
    clusterSet: cluster?.metadata.labels?.[ocmLabels.clusterSet] ?? '-',
    rollout: mca.metadata.deletionTimestamp ? 'Removing' : waiting ? 'Waiting' : (condOf(mca, T.progressing)?.reason ?? '-'),
    version: agentVersions(works),
    applied: state(T.manifestApplied),
    available: state(T.available),
    agents: degraded === undefined ? '-' : degraded.status === 'False' ? 'Ready' : degraded.reason,
    connections: conns.length === 0 ? '-' : `${conns.filter((c) => c.status === 'connected').length}/${conns.length} connected`,
    rtt: conns.length === 0 ? '-' : conns.map((c) => `${c.cluster}:${c.rtt ?? '?'}`).join(' '),
    messages,
  };
}

/** One row per cluster with the addon: its rollout, agents' version, conditions, connections and RTT, from the hub alone. */
export async function addonStatus(kc: KubeConfig): Promise<ClusterStatusRow[]> {
  await checkHub(kc);
  const mcas = (await resourceClient(kc, ManagedClusterAddOnResource).list({ fieldSelector: `metadata.name=${addonName}` }));
  const works = (await resourceClient(kc, ManifestWorkResource).list({ labelSelector: `${ocmLabels.addonName}=${addonName}` }));
  const clusters = (await resourceClient(kc, ManagedClusterResource).list());
  return mcas
    .map((mca) => {
      const name = mca.metadata.namespace ?? '';
      return statusRow(mca, works.filter((w) => w.metadata.namespace === name), clusters.find((c) => c.metadata.name === name));
    })
    .sort((a, b) => a.cluster.localeCompare(b.cluster));
}

// ---- rollout ----

export interface RolloutOptions {
  namespace: string;
  version?: string | undefined;
  imageOverrides: string[];
  strategy?: 'all' | 'progressive' | 'progressive-per-group' | undefined;
  maxConcurrency?: string | undefined;
  minSuccessTime?: string | undefined;
  progressDeadline?: string | undefined;
  maxFailures?: string | undefined;
  timeoutMs: number;
}

export interface ClusterRollout {
  cluster: string;
  /** When OCM put the cluster into the rollout (its desired config became the new one), ms after the start. */
  startedMs?: number;
  /** When OCM recorded the new config as applied on it. */
  completedMs?: number;
  /** When OCM counted the cluster as failed: it had not applied the new config within the strategy's progressDeadline. */
  failedMs?: number;
  /** Why a cluster has not applied the new config: its addon's ManifestApplied message, or that it stopped reporting. */
  problem?: string;
}

export interface RolloutResult {
  specHash: string;
  clusters: ClusterRollout[];
}

function rolloutStrategy(o: RolloutOptions): RolloutStrategy | undefined {
  if (o.strategy === undefined) {
    if (o.maxConcurrency !== undefined) throw new UserError('--max-concurrency needs --strategy progressive');
    return undefined;
  }
  const timing = {
    ...(o.minSuccessTime ? { minSuccessTime: o.minSuccessTime } : {}),
    ...(o.progressDeadline ? { progressDeadline: o.progressDeadline } : {}),
    ...(o.maxFailures ? { maxFailures: /^\d+$/.test(o.maxFailures) ? Number(o.maxFailures) : o.maxFailures } : {}),
  };
  if (o.strategy === 'all') return { type: 'All', all: timing };
  if (o.strategy === 'progressive-per-group') return { type: 'ProgressivePerGroup', progressivePerGroup: timing };
  const mc = o.maxConcurrency;
  if (mc !== undefined && !/^([1-9]\d*|([1-9]\d?|100)%)$/.test(mc)) throw new UserError(`--max-concurrency ${mc} is not a count (e.g. 1) or a percentage (e.g. 25%)`);
  return { type: 'Progressive', progressive: { ...timing, ...(mc !== undefined ? { maxConcurrency: /%$/.test(mc) ? mc : Number(mc) } : {}) } };
}

/**
 * Changes the fleet's config (the default AddOnDeploymentConfig's version and image variables) and the placement's
 * rollout strategy, then follows OCM's rollout cluster by cluster until every cluster has applied the new config,
 * OCM reports the rollout failed, or the timeout passes.
 */
export async function rolloutAddon(kc: KubeConfig, o: RolloutOptions, reporter: Reporter): Promise<RolloutResult> {
  if (o.version === undefined && o.imageOverrides.length === 0) throw new UserError('nothing to roll out: pass --version or --image-override');
  if (o.version !== undefined && !/^v?[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(o.version)) throw new UserError(`--version ${o.version} is not an image tag such as 0.21.0`);
  try {
    parseImageOverrides(o.imageOverrides);
  } catch (err) {
    throw new UserError(`--image-override: ${(err as Error).message}`);
  }
  const strategy = rolloutStrategy(o);
  await checkHub(kc);
  const cmas = resourceClient(kc, ClusterManagementAddOnResource);
  const cma = await cmas.get(addonName);
  if (cma === undefined) throw new UserError('the addon is not installed on this hub: run `kubectl submariner addon install` first');
  const adcs = resourceClient(kc, AddOnDeploymentConfigResource);
  const adc = (await adcs.get(addonName, o.namespace));
  if (adc === undefined) throw new UserError(`there is no AddOnDeploymentConfig ${o.namespace}/${addonName}: re-run \`kubectl submariner addon install\``);

  if (strategy !== undefined) {
    const placements = (cma.spec?.installStrategy?.placements ?? []).map((p) => ({ ...p, rolloutStrategy: strategy }));
    await reporter.step(`Setting the rollout strategy to ${strategy.type}`, () => cmas.patch(addonName, { spec: { installStrategy: { type: 'Placements', placements } } }));
  }
  const vars = new Map((adc.spec?.customizedVariables ?? []).map((v) => [v.name, v.value]));
  if (o.version !== undefined) vars.set(variables.version, o.version.replace(/^v(?=\d)/, ''));
  if (o.imageOverrides.length > 0) vars.set(variables.imageOverrides, o.imageOverrides.join(','));
  const customizedVariables = [...vars].map(([name, value]) => ({ name, value })).sort((a, b) => a.name.localeCompare(b.name));
  const updated = await reporter.step(`Updating AddOnDeploymentConfig ${o.namespace}/${addonName}`, () =>
    adcs.replace({ ...adc, spec: { ...adc.spec, customizedVariables } }),
  );
  const hash = specHash(updated);
  return followRollout(kc, hash, o.namespace, o.timeoutMs, reporter);
}

const isOurs = (namespace: string) => (r: { group: string; resource: string; desiredConfig?: { name: string; namespace?: string } }) =>
  r.group === configTypes.deployment.group && r.resource === configTypes.deployment.resource && r.desiredConfig?.name === addonName && r.desiredConfig.namespace === namespace;

/** A rollout strategy's progressDeadline in ms (undefined: None, no deadline), as OCM parses it. */
export function progressDeadlineMs(strategy: RolloutStrategy | undefined): number | undefined {
  const d = (strategy?.type === 'Progressive' ? strategy.progressive : strategy?.type === 'ProgressivePerGroup' ? strategy.progressivePerGroup : strategy?.all)?.progressDeadline;
  const m = /^(\d+)(h|m|s)$/.exec(d ?? '');
  return m === null ? undefined : Number(m[1]) * { h: 3_600_000, m: 60_000, s: 1_000 }[m[2] as 'h' | 'm' | 's'];
}

/** How many failed clusters a strategy's maxFailures tolerates out of `total`, as OCM computes it (a percentage rounds up). */
export function maxFailuresOf(strategy: RolloutStrategy | undefined, total: number): number {
  const f = (strategy?.type === 'Progressive' ? strategy.progressive : strategy?.type === 'ProgressivePerGroup' ? strategy.progressivePerGroup : strategy?.all)?.maxFailures;
  const n = typeof f === 'string' && f.endsWith('%') ? Math.ceil((Number(f.slice(0, -1)) / 100) * total) : Number(f ?? 0);
  return Number.isFinite(n) && n > 0 && n <= total ? n : 0;
}

/** Why a cluster's addon has not applied its config yet, from its conditions. */
function problemOf(mca: ManagedClusterAddOn): string | undefined {
  const available = condOf(mca, T.available);
  if (available?.status === 'Unknown') return `the cluster stopped reporting: ${available.message}`;
  const applied = condOf(mca, T.manifestApplied);
  return applied?.status === 'False' ? applied.message : undefined;
}

/**
 * Follows the clusters until each has applied the config with `hash`, or OCM has counted it failed. OCM v1.2 counts a
 * cluster failed (TimeOut) once it has been progressing for longer than the strategy's progressDeadline, whatever the
 * cause: a work the cluster refuses, or a cluster that stopped reporting. Past `maxFailures` of them it stops adding
 * clusters, and so does this, naming the clusters that failed and those left on their previous config.
 */
export async function followRollout(kc: KubeConfig, hash: string, namespace: string, timeoutMs: number, reporter: Reporter): Promise<RolloutResult> {
  const start = Date.now();
  const seen = new Map<string, ClusterRollout>();
  const mcas = resourceClient(kc, ManagedClusterAddOnResource);
  // The strategy this rollout follows, read once: a poll is one list, so a completion is seen within about half a second.
  const strategy = (await resourceClient(kc, ClusterManagementAddOnResource).get(addonName))?.spec?.installStrategy?.placements?.[0]?.rolloutStrategy;
  const deadline = progressDeadlineMs(strategy);
  for (;;) {
    const list = (await mcas.list({ fieldSelector: `metadata.name=${addonName}` }));
    for (const mca of list) {
      const cluster = mca.metadata.namespace ?? '';
      const ref = mca.status?.configReferences?.find(isOurs(namespace));
      const entry = seen.get(cluster) ?? { cluster };
      seen.set(cluster, entry);
      if (entry.startedMs === undefined && ref?.desiredConfig?.specHash === hash) {
        entry.startedMs = Date.now() - start;
        reporter.info(`${cluster}: rolling out (+${(entry.startedMs / 1000).toFixed(1)}s)`);
      }
      if (entry.completedMs === undefined && ref?.lastAppliedConfig?.specHash === hash) {
        entry.startedMs ??= Date.now() - start;
        entry.completedMs = Date.now() - start;
        delete entry.failedMs;
        delete entry.problem;
        reporter.info(`${cluster}: done (+${(entry.completedMs / 1000).toFixed(1)}s)`);
        continue;
      }
      if (entry.startedMs === undefined || entry.completedMs !== undefined) continue;
      const problem = problemOf(mca);
      if (problem !== undefined && problem !== entry.problem) reporter.warning(`${cluster}: ${problem}`);
      entry.problem = problem;
      // OCM's clock for the deadline: when the cluster's Progressing condition last changed.
      const progressing = condOf(mca, T.progressing);
      const since = Date.parse(progressing?.lastTransitionTime ?? '');
      if (entry.failedMs === undefined && deadline !== undefined && progressing?.status === 'True' && !Number.isNaN(since) && Date.now() > since + deadline) {
        entry.failedMs = Date.now() - start;
        reporter.warning(`${cluster}: failed, not applied within the progress deadline (+${(entry.failedMs / 1000).toFixed(1)}s)`);
      }
    }
    const clusters = [...seen.values()].filter((c) => list.some((m) => m.metadata.namespace === c.cluster)).sort((a, b) => a.cluster.localeCompare(b.cluster));
    const failed = clusters.filter((c) => c.failedMs !== undefined);
    if (clusters.length > 0 && clusters.every((c) => c.completedMs !== undefined || c.failedMs !== undefined)) return { specHash: hash, clusters };
    const tolerated = maxFailuresOf(strategy, clusters.length);
    if (failed.length > tolerated) {
      const left = clusters.filter((c) => c.startedMs === undefined).map((c) => c.cluster);
      throw new UserError(
        `OCM stopped the rollout: ${failed.map((c) => `${c.cluster} (${c.problem ?? 'not applied within the progress deadline'})`).join('; ')}; ` +
          `maxFailures tolerates ${tolerated}. ${left.length > 0 ? `Left on their previous config: ${left.join(', ')}. ` : ''}` +
          'Fix the cause, or re-run with a higher --max-failures to go on; see `kubectl submariner addon status`',
      );
    }
    if (Date.now() - start > timeoutMs) {
      const pending = clusters.filter((c) => c.completedMs === undefined && c.failedMs === undefined).map((c) => (c.problem ? `${c.cluster} (${c.problem})` : c.cluster));
      throw new UserError(`the rollout did not complete within ${timeoutMs / 1000}s; still pending: ${pending.join('; ') || 'no cluster has the addon'}`);
    }
    await sleep(500);
  }
}

// ---- uninstall ----

export interface UninstallAddonOptions {
  namespace: string;
  timeoutMs: number;
}

/**
 * Removes the addon: deleting the ClusterManagementAddOn makes the controller uninstall every cluster (agents in
 * uninstall mode, then the works, then their broker registration) and remove the brokers; then the controller,
 * its RBAC, config, Placement and namespace go, and the SubmarinerConfig CRD.
 */
export async function uninstallAddon(kc: KubeConfig, o: UninstallAddonOptions, reporter: Reporter): Promise<void> {
  await checkHub(kc);
  const cmas = resourceClient(kc, ClusterManagementAddOnResource);
  await reporter.step('Removing Submariner from every cluster and the brokers', async () => {
    await cmas.delete(addonName);
    const deadline = Date.now() + o.timeoutMs;
    for (;;) {
      const cma = await cmas.get(addonName);
      if (cma === undefined) return;
      if (Date.now() > deadline) {
        const left = (await resourceClient(kc, ManagedClusterAddOnResource).list({ fieldSelector: `metadata.name=${addonName}` })).map((m) => m.metadata?.namespace ?? '');
        const hint = (cma.metadata.finalizers ?? []).includes(addonFinalizer) ? `is the controller running in ${o.namespace}?` : 'OCM has not finished';
        throw new UserError(`the addon was not removed within ${o.timeoutMs / 1000}s (clusters left: ${left.join(', ') || 'none'}): ${hint}`);
      }
      await sleep(1000);
    }
  });
  await reporter.step(`Deleting namespace ${o.namespace} and the controller's RBAC`, async () => {
    const rbac = { group: 'rbac.authorization.k8s.io', version: 'v1', namespaced: false } as const;
    await resourceClient(kc, { ...rbac, kind: 'ClusterRoleBinding', plural: 'clusterrolebindings' }).delete(controllerName);
    await resourceClient(kc, { ...rbac, kind: 'ClusterRole', plural: 'clusterroles' }).delete(controllerName);
    await resourceClient(kc, NamespaceResource).delete(o.namespace);
  });
  await reporter.step('Deleting the SubmarinerConfig CRD', async () => {
    await resourceClient(kc, { group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions', namespaced: false }).delete(hubCrd().metadata.name);
  });
}


