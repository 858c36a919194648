// The hub addon controller: for each ManagedClusterAddOn `submariner`, membership on its set's broker, then the
// cluster's render as ManifestWork, its status on the addon, and ordered removal. One work queue, keyed by
// `cma`, `set/<name>` and `cluster/<name>`, fed by watches of the OCM kinds and of the brokers' objects: a pass
// reads only caches, and writes only what changed.
import { ApisApi, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import {
  AddOnDeploymentConfigResource,
  ClusterManagementAddOnResource,
  ManagedClusterAddOnResource,
  ManagedClusterResource,
  ManagedClusterSetResource,
  ManifestWorkResource,
  SubmarinerConfigResource,
  ocmLabels,
  type AddOnDeploymentConfig,
  type ClusterManagementAddOn,
  type ManagedCluster,
  type ManagedClusterAddOn,
  type ManagedClusterSet,
  type ManifestWork,
  type SubmarinerConfig,
} from '../src/api/ocm.js';
import { BrokerResource, ClusterResource, NamespaceResource, SecretResource, ServiceAccountResource, apiVersionOf, type Broker } from '../src/api/index.js';
import { clusterServiceAccount, labels, managedByLabels, names, ocm, wellKnown } from '../src/api/names.js';
import { UserError } from '../src/base/errors.js';
import type { Logger } from '../src/base/log.js';
import type { Reporter } from '../src/base/reporter.js';
import { mergeConditions, sameConditions, type WantedCondition } from '../src/kube/conditions.js';
import { apiStatus, undefinedIfNotFound } from '../src/kube/apply.js';
import { resourceClient, type ResourceClient } from '../src/kube/resource-client.js';
import { watchResource, type ResourceWatch } from '../src/kube/watch/index.js';
import { WorkQueue, type ReconcileResult } from '../src/kube/work-queue.js';
import type { BrokerSpec } from '../src/broker/broker-client.js';
import { allocateMember, applyMemberAccount, checkMemberAgainst, deregisterMember, memberTokenSecret, writeMemberCluster, type BrokerCluster, type MemberSpec } from '../src/broker/membership.js';
import { InvalidValuesError, parseClusterValues, renderCluster, type ClusterValues } from '../src/render/index.js';
import { ensureBroker, hubBrokerAccess, removeBroker, type HubBroker } from './broker.js';
import { InvalidConfigError, desiredConfigs, goJson, missingMcaHashes, resolveSettings, specHash, type ConfigLookup } from './config.js';
import { addonAnnotations, addonFinalizer, addonLabels, addonName, brokerNamespace, conditionTypes as T, configTypes, deployWorkPattern, ownedConditions, reasons as R } from './names.js';
import { addonConditions, agentRollouts, rolledOut } from './status.js';
import { applyPlacement, renderWorks, uninstallMode } from './works.js';

export interface AddonControllerOptions {
  /** Access to the hub. */
  kc: KubeConfig;
  log: Logger;
  /** The URL managed clusters reach the hub's API server (their broker) at. */
  brokerUrl: string;
  /** The sets served; empty: every set that selects clusters by the exclusive cluster-set label. */
  clusterSets?: string[];
  /** Image defaults unless the AddOnDeploymentConfig says otherwise (else the renderer's). */
  repository?: string;
  version?: string;
  /** How long each removal step waits for the agents to report their clean-up (default 120 s). */
  uninstallTimeoutMs?: number;
  /** Clusters reconciled at the same time (default 16). */
  concurrency?: number;
  /** How long a new member's broker token may take to be issued before the addon reports it (default 60 s). */
  tokenTimeoutMs?: number;
  now?: () => Date;
}

/** On the ManagedClusterAddOn: the broker namespace the cluster is registered in, so removal finds it after the cluster left its set. */
const registeredIn = 'submarineraddon.open-cluster-management.io/broker-namespace';
/** On each work: a hash of its spec and config annotation, to write it only when it changes. */
const renderHash = 'submarineraddon.open-cluster-management.io/render-hash';

/** A cluster's membership as this controller made it: its account from `since`, then its token once issued and its Cluster object written. */
interface Membership {
  key: string;
  since: number;
  globalCidr: string | undefined;
  registered?: { token: string; ca: string; globalCidr: string | undefined };
}

const silent: Reporter = { step: (_name, fn) => fn(), warning: () => undefined, info: () => undefined };

/** A hash of what the renderer made: its output is deterministic, key order included, so plain JSON is stable. */
function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

/**
 * A work as the controller caches it: each manifest reduced to its apiVersion, kind, name and namespace, and of the
 * manifests' status only their feedback (what the addon's conditions read). A large fleet's works are hundreds of MiB.
 */
export function cachedWork(w: ManifestWork): ManifestWork {
  const manifests = w.spec.workload.manifests.map((m) => {
    const meta = (m.metadata ?? {}) as { name?: string; namespace?: string };
    return { apiVersion: m.apiVersion, kind: m.kind, metadata: { name: meta.name, ...(meta.namespace ? { namespace: meta.namespace } : {}) } };
  });
  const statuses = w.status?.resourceStatus?.manifests;
  // Feedback, and the Applied condition of a manifest the work agent could not apply (its API server's answer).
  const refused = (m: NonNullable<typeof statuses>[number]) => m.conditions?.filter((c) => c.type === ocm.workConditions.applied && c.status === 'False') ?? [];
  const feedback = statuses
    ?.filter((m) => (m.statusFeedback?.values?.length ?? 0) > 0 || refused(m).length > 0)
    .map((m) => ({ resourceMeta: m.resourceMeta, statusFeedback: m.statusFeedback, ...(refused(m).length > 0 ? { conditions: refused(m) } : {}) }));
  const status = w.status === undefined ? undefined : { ...w.status, ...(feedback === undefined ? {} : { resourceStatus: { manifests: feedback } }) };
  return { ...w, spec: { ...w.spec, workload: { manifests } }, ...(status === undefined ? {} : { status }) };
}

const condition = (type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string): WantedCondition => ({ type, status, reason, message });

export class AddonController {
  private readonly log: Logger;
  private readonly queue: WorkQueue;
  private readonly cmas: ResourceWatch<ClusterManagementAddOn>;
  private readonly mcas: ResourceWatch<ManagedClusterAddOn>;
  private readonly clusters: ResourceWatch<ManagedCluster>;
  private readonly sets: ResourceWatch<ManagedClusterSet>;
  private readonly works: ResourceWatch<ManifestWork>;
  private readonly submarinerConfigs: ResourceWatch<SubmarinerConfig>;
  private readonly deploymentConfigs: ResourceWatch<AddOnDeploymentConfig>;
  /** The brokers' objects: Broker settings, the PSK and members' token Secrets, members' accounts and Cluster objects. */
  private readonly brokers: ResourceWatch<Broker>;
  private readonly secrets: ResourceWatch<KubernetesObject & { data?: Record<string, string> }>;
  private readonly memberAccounts: ResourceWatch<KubernetesObject>;
  private readonly brokerClusters: ResourceWatch<KubernetesObject & BrokerCluster>;
  private readonly workClient: ResourceClient<ManifestWork>;
  private readonly mcaClient: ResourceClient<ManagedClusterAddOn>;
  private readonly cmaClient: ResourceClient<ClusterManagementAddOn>;
  private readonly members = new Map<string, Membership>();
  /** Per cluster: a hash of what its works were last rendered from, and each work's render hash. */
  private readonly rendered = new Map<string, { inputs: string; works: Map<string, string> }>();
  private readonly worksByCluster;
  /** The sets whose broker this controller has tried to write since it started. */
  private readonly ensured = new Set<string>();
  /**
   * The apiVersion of the works' owner references: the one the hub's garbage collector observes ManagedClusterAddOns
   * at, the group's preferred version. With another version it takes every new work's reference for a possibly
   * dangling one and reads the work and its owner back from the API server.
   */
  private ownerApiVersion: string = apiVersionOf(ManagedClusterAddOnResource);

  constructor(private readonly o: AddonControllerOptions) {
    const { kc, log } = o;
    this.log = log;
    this.queue = new WorkQueue((key) => this.reconcile(key), { name: 'addon', log, concurrency: o.concurrency ?? 16 });
    const byName = `metadata.name=${addonName}`;
    this.cmas = watchResource(kc, ClusterManagementAddOnResource, { log, fieldSelector: byName });
    this.mcas = watchResource(kc, ManagedClusterAddOnResource, { log, fieldSelector: byName });
    this.clusters = watchResource(kc, ManagedClusterResource, { log });
    this.sets = watchResource(kc, ManagedClusterSetResource, { log });
    this.works = watchResource(kc, ManifestWorkResource, { log, labelSelector: `${ocmLabels.addonName}=${addonName}`, transform: cachedWork });
    this.submarinerConfigs = watchResource(kc, SubmarinerConfigResource, { log });
    this.deploymentConfigs = watchResource(kc, AddOnDeploymentConfigResource, { log });
    this.brokers = watchResource(kc, BrokerResource, { log });
    const managed = Object.entries(managedByLabels).map(([k, v]) => `${k}=${v}`).join(',');
    this.secrets = watchResource(kc, SecretResource, { log, labelSelector: managed });
    this.memberAccounts = watchResource(kc, ServiceAccountResource, { log, labelSelector: `${managed},${labels.brokerClusterId}` });
    this.brokerClusters = watchResource(kc, ClusterResource, { log });
    this.worksByCluster = this.works.index((w) => w.metadata.namespace);
    this.workClient = resourceClient(kc, ManifestWorkResource);
    this.mcaClient = resourceClient(kc, ManagedClusterAddOnResource);
    this.cmaClient = resourceClient(kc, ClusterManagementAddOnResource);

    const cluster = (name: string | undefined): void => {
      if (name) this.queue.add(`cluster/${name}`);
    };
    const everything = (): void => {
      this.queue.add('cma');
      for (const s of this.sets.list()) this.queue.add(`set/${s.metadata.name ?? ''}`);
      for (const m of this.mcas.list()) cluster(m.metadata.namespace);
    };
    // Clusters depend on the ClusterManagementAddOn only through whether it is active (its status is OCM's).
    let wasActive = false;
    this.cmas.onChange(() => {
      this.queue.add('cma');
      if (this.active() === wasActive) return;
      wasActive = this.active();
      everything();
    });
    this.mcas.onChange((m) => cluster(m.metadata.namespace));
    this.clusters.onChange((c) => cluster(c.metadata.name));
    this.sets.onChange((s) => {
      this.queue.add(`set/${s.metadata.name ?? ''}`);
      for (const c of this.clusters.list()) if (c.metadata.labels?.[ocmLabels.clusterSet] === s.metadata.name) cluster(c.metadata.name);
    });
    this.works.onChange((w, event) => {
      if (event === 'delete') this.rendered.delete(w.metadata.namespace ?? '');
      cluster(w.metadata.namespace);
    });
    this.submarinerConfigs.onChange((c) => cluster(c.metadata.namespace));
    this.deploymentConfigs.onChange(() => {
      this.queue.add('cma');
      for (const m of this.mcas.list()) cluster(m.metadata.namespace);
    });
    // A broker's settings or PSK: its set and every cluster of it.
    const brokerChanged = (namespace: string | undefined): void => {
      for (const s of this.sets.list()) {
        if (brokerNamespace(s.metadata.name ?? '') !== namespace) continue;
        this.queue.add(`set/${s.metadata.name ?? ''}`);
        for (const c of this.clusters.list()) if (c.metadata.labels?.[ocmLabels.clusterSet] === s.metadata.name) cluster(c.metadata.name);
      }
    };
    this.brokers.onChange((b) => brokerChanged(b.metadata?.namespace));
    this.secrets.onChange((s) => {
      if (s.metadata?.name === names.ipsecPskSecret) brokerChanged(s.metadata.namespace);
      else cluster(s.metadata?.labels?.[labels.brokerClusterId]);
    });
    this.memberAccounts.onChange((sa) => cluster(sa.metadata?.labels?.[labels.brokerClusterId]));
    // Once every cache is filled, and again whenever a watch has listed anew.
    for (const w of this.watches()) w.onSynced(() => {
      if (this.synced()) everything();
    });
  }

  private watches(): ResourceWatch<KubernetesObject>[] {
    return [this.cmas, this.mcas, this.clusters, this.sets, this.works, this.submarinerConfigs, this.deploymentConfigs, this.brokers, this.secrets, this.memberAccounts, this.brokerClusters];
  }

  async start(): Promise<void> {
    this.log.info('starting', { brokerUrl: this.o.brokerUrl, clusterSets: this.o.clusterSets ?? 'all' });
    try {
      const { groups } = await this.o.kc.makeApiClient(ApisApi).getAPIVersions();
      const preferred = groups.find((g) => g.name === ManagedClusterAddOnResource.group)?.preferredVersion?.groupVersion;
      if (preferred !== undefined) this.ownerApiVersion = preferred;
    } catch (err) {
      this.log.warn('cannot read the API groups; owner references keep the version the addon speaks', { error: String(err) });
    }
    await Promise.all(this.watches().map((w) => w.start()));
  }

  async stop(): Promise<void> {
    this.queue.stop();
    await Promise.all(this.watches().map((w) => w.stop()));
  }

  /** Resolves when every watch has listed and nothing is left to reconcile (tests, benchmarks). */
  async idle(): Promise<void> {
    await Promise.all(this.watches().map((w) => w.ready));
    await this.queue.idle();
  }

  private synced(): boolean {
    return this.watches().every((w) => w.synced);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    if (!this.synced()) return { requeueAfterMs: 500 };
    if (key === 'cma') return this.reconcileCma();
    if (key.startsWith('set/')) return this.reconcileSet(key.slice(4));
    if (key.startsWith('cluster/')) return this.reconcileCluster(key.slice(8));
    return {};
  }

  private now(): Date {
    return (this.o.now ?? (() => new Date()))();
  }

  private lookup: ConfigLookup = (type, namespace, name) =>
    type === 'deployment' ? this.deploymentConfigs.get(name, namespace) : this.submarinerConfigs.get(name, namespace);

  private cma(): ClusterManagementAddOn | undefined {
    return this.cmas.get(addonName);
  }

  // ---- ClusterManagementAddOn: spec hashes for OCM's rollout, and removal of everything on deletion ----

  private async reconcileCma(): Promise<ReconcileResult> {
    const cma = this.cma();
    if (cma === undefined) return {};
    if (cma.metadata.deletionTimestamp) return this.removeEverything(cma);
    if (!(cma.metadata.finalizers ?? []).includes(addonFinalizer)) {
      await this.cmaClient.patch(addonName, { metadata: { finalizers: [...(cma.metadata.finalizers ?? []), addonFinalizer] } });
      return {};
    }
    const hashOfRef = (ref: { group: string; resource: string }, d: { name: string; namespace?: string; specHash?: string }): typeof d => {
      const type = ref.group === configTypes.deployment.group && ref.resource === configTypes.deployment.resource ? 'deployment' : ref.resource === configTypes.submariner.resource ? 'submariner' : undefined;
      const obj = type === undefined ? undefined : this.lookup(type, d.namespace ?? '', d.name);
      return obj === undefined ? d : { ...d, specHash: specHash(obj) };
    };
    const status = cma.status ?? {};
    const defaults = (status.defaultConfigReferences ?? []).map((r) => (r.desiredConfig ? { ...r, desiredConfig: hashOfRef(r, r.desiredConfig) } : r));
    const progressions = (status.installProgressions ?? []).map((p) => ({
      ...p,
      configReferences: (p.configReferences ?? []).map((r) => (r.desiredConfig ? { ...r, desiredConfig: hashOfRef(r, r.desiredConfig) } : r)),
    }));
    if (goJson(defaults) !== goJson(status.defaultConfigReferences ?? []) || goJson(progressions) !== goJson(status.installProgressions ?? [])) {
      await this.cmaClient.replaceStatus({ ...cma, status: { ...status, defaultConfigReferences: defaults, installProgressions: progressions } });
      this.log.info('updated the config spec hashes of the ClusterManagementAddOn');
    }
    return {};
  }

  private async removeEverything(cma: ClusterManagementAddOn): Promise<ReconcileResult> {
    const left = this.mcas.list();
    for (const m of left) if (!m.metadata.deletionTimestamp) await this.mcaClient.delete(addonName, m.metadata.namespace);
    if (left.length > 0) {
      this.log.info('ClusterManagementAddOn deleted: waiting for the clusters to be removed', { clusters: left.length });
      return { requeueAfterMs: 2_000 };
    }
    const namespaces = (await resourceClient(this.o.kc, NamespaceResource).list({ labelSelector: `${addonLabels.broker}=true` }))
      .map((n) => n.metadata?.name ?? '');
    for (const ns of namespaces) await removeBroker(this.o.kc, ns);
    await this.cmaClient.patch(addonName, { metadata: { finalizers: (cma.metadata.finalizers ?? []).filter((f) => f !== addonFinalizer), resourceVersion: cma.metadata.resourceVersion } });
    this.members.clear();
    this.log.info('removed the addon from every cluster and every broker', { brokers: namespaces });
    return {};
  }

  // ---- ManagedClusterSet: its broker ----

  /** Whether the addon serves a set: it exists, is not being deleted, groups clusters by label, and is among the configured sets. */
  private served(setName: string | undefined): boolean {
    if (setName === undefined) return false;
    const set = this.sets.get(setName);
    if (set === undefined || set.metadata.deletionTimestamp) return false;
    if ((set.spec?.clusterSelector?.selectorType ?? 'ExclusiveClusterSetLabel') !== 'ExclusiveClusterSetLabel') return false;
    const wanted = this.o.clusterSets ?? [];
    return wanted.length === 0 || wanted.includes(setName);
  }

  private active(): boolean {
    const cma = this.cma();
    return cma !== undefined && !cma.metadata.deletionTimestamp;
  }

  private async reconcileSet(name: string): Promise<ReconcileResult> {
    if (!this.active()) return {};
    if (this.served(name)) {
      try {
        await ensureBroker(this.o.kc, name);
      } finally {
        // Its clusters wait for it silently only until the first attempt: a broker that cannot be written is reported.
        this.ensured.add(name);
      }
      return {};
    }
    const members = this.mcas.list().filter((m) => m.metadata.annotations?.[registeredIn] === brokerNamespace(name));
    if (members.length > 0) return { requeueAfterMs: 2_000 };
    await removeBroker(this.o.kc, brokerNamespace(name));
    return {};
  }

  // ---- ManagedClusterAddOn: membership, works, status, removal ----

  private async reconcileCluster(name: string): Promise<ReconcileResult> {
    const cached = this.mcas.get(addonName, name);
    const works = this.worksOf(name);
    if (cached === undefined) {
      for (const w of works) await this.workClient.delete(w.metadata.name ?? '', name);
      return {};
    }
    const cluster = this.clusters.get(name);
    const set = cluster?.metadata.labels?.[ocmLabels.clusterSet];
    if (cached.metadata.deletionTimestamp || !this.active() || !this.served(set) || cluster === undefined) return this.remove(cached, cluster, works);

    const finalizers = cached.metadata.finalizers ?? [];
    // The finalizer goes on with the broker the cluster is about to join: one write where two would do.
    const mca = finalizers.includes(addonFinalizer)
      ? cached
      : await this.mcaClient.patch(
          addonName,
          { metadata: { finalizers: [...finalizers, addonFinalizer], annotations: { [registeredIn]: brokerNamespace(set ?? '') }, resourceVersion: cached.metadata.resourceVersion } },
          name,
        );
    const extra: WantedCondition[] = [];
    /** The works this pass wrote, as the API server answered: newer than the cache, which their events have yet to reach. */
    const written = new Map<string, ManifestWork>();
    const done = (result: ReconcileResult = {}): Promise<ReconcileResult> => {
      const seen = this.worksOf(name).filter((w) => !written.has(w.metadata.name ?? ''));
      return this.writeStatus(mca, cluster, [...seen, ...written.values()], extra).then(() => result);
    };

    const configs = desiredConfigs(mca, this.lookup);
    if (!configs.ready) return done();
    let settings;
    try {
      settings = resolveSettings(configs.objects);
    } catch (err) {
      if (!(err instanceof InvalidConfigError)) throw err;
      extra.push(condition(T.configApplied, 'False', R.configInvalid, err.message));
      return done();
    }
    const claims = new Map((cluster.status?.clusterClaims ?? []).map((c) => [c.name, c.value]));
    const clusterCidrs = settings.clusterCidrs.length > 0 ? settings.clusterCidrs : (claims.get('clustercidr.submariner.io')?.split(',') ?? []);
    const serviceCidrs = settings.serviceCidrs.length > 0 ? settings.serviceCidrs : (claims.get('servicecidr.submariner.io')?.split(',') ?? []);
    if (clusterCidrs.length === 0 || serviceCidrs.length === 0) {
      extra.push(
        condition(T.configApplied, 'False', R.networksUnknown, `the ${clusterCidrs.length === 0 ? 'Pod' : 'Service'} CIDR of ${name} is not known: set spec.clusterCIDR and spec.serviceCIDR in SubmarinerConfig ${name}/submariner`),
      );
      return done();
    }

    const broker = this.broker(set ?? '');
    // A broker about to be written (a new set, or one not yet reconciled since the start): its events bring the clusters back.
    if (broker === undefined && !this.ensured.has(set ?? '')) {
      this.queue.add(`set/${set ?? ''}`);
      return {};
    }
    if (broker === undefined) {
      this.queue.add(`set/${set ?? ''}`);
      extra.push(condition(T.brokerConfigApplied, 'False', R.brokerConfigMissing, `waiting for the broker in ${brokerNamespace(set ?? '')}`));
      return done({ requeueAfterMs: 2_000 });
    }
    const spec: MemberSpec = {
      clusterId: name,
      clusterUid: cluster.metadata.uid ?? '',
      clusterCidrs,
      serviceCidrs,
      globalnet: broker.spec.globalnetEnabled === true,
      globalnetCidr: settings.globalCidr,
    };
    let member: Membership['registered'];
    const t0 = Date.now();
    try {
      member = await this.register(broker.namespace, spec, mca);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      extra.push(condition(T.brokerConfigApplied, 'False', R.membershipRefused, err.message));
      return done();
    }
    // The token is issued in a moment: its Secret's event brings the cluster back (the requeue is a safety net).
    if (member === undefined) return { requeueAfterMs: 5_000 };
    extra.push(condition(T.brokerConfigApplied, 'True', R.brokerConfigApplied, `registered on the broker in ${broker.namespace}`));

    let values: ClusterValues;
    try {
      values = parseClusterValues({
        clusterId: name,
        broker: { server: this.o.brokerUrl, ca: member.ca, token: member.token, namespace: broker.namespace },
        ipsecPsk: broker.psk,
        ...(settings.cableDriver ? { cableDriver: settings.cableDriver } : {}),
        ...(settings.natEnabled !== undefined ? { natEnabled: settings.natEnabled } : {}),
        ...(settings.nattPort !== undefined ? { nattPort: settings.nattPort } : {}),
        ...(settings.nattDiscoveryPort !== undefined ? { nattDiscoveryPort: settings.nattDiscoveryPort } : {}),
        ...(settings.ipsecDebug !== undefined ? { ipsecDebug: settings.ipsecDebug } : {}),
        ...(settings.forceUdpEncaps !== undefined ? { forceUdpEncaps: settings.forceUdpEncaps } : {}),
        ...(settings.airGapped !== undefined ? { airGapped: settings.airGapped } : {}),
        ...(settings.debug !== undefined ? { debug: settings.debug } : {}),
        repository: settings.repository ?? this.o.repository,
        version: settings.version ?? this.o.version,
        imageOverrides: settings.imageOverrides,
        clusterCidrs,
        serviceCidrs,
        globalnet: { enabled: member.globalCidr !== undefined, globalCidr: member.globalCidr ?? '' },
        customDomains: broker.spec.defaultCustomDomains ?? [],
        componentsEnabled: (broker.spec.components ?? ['connectivity', 'service-discovery']) as ClusterValues['componentsEnabled'],
        labelGateway: settings.labelGateway,
      });
    } catch (err) {
      if (!(err instanceof InvalidValuesError)) throw err;
      extra.push(condition(T.configApplied, 'False', R.configInvalid, err.message));
      return done();
    }
    extra.push(condition(T.configApplied, 'True', R.configApplied, 'the cluster is rendered from its SubmarinerConfig and AddOnDeploymentConfig'));

    const owner = { name: mca.metadata.name ?? addonName, uid: mca.metadata.uid ?? '', apiVersion: this.ownerApiVersion };
    // Rendering is the costly part of a pass: skipped while its inputs and the works on the hub are unchanged.
    const inputs = hashOf({ values, placement: settings.nodePlacement, registries: settings.registries, hashes: configs.hashes, owner });
    const last = this.rendered.get(name);
    // A work this controller wrote that the cache does not show yet is on its way (a deleted one clears `rendered`).
    const unchanged =
      last?.inputs === inputs &&
      works.every((w) => !w.metadata.annotations?.[addonAnnotations.uninstallPhase] && last.works.get(w.metadata.name ?? '') === w.metadata.annotations?.[renderHash]);
    // The works' events have yet to reach the cache: they bring the cluster back, for a status from what is there.
    if (unchanged && [...last.works.keys()].some((n) => !works.some((w) => w.metadata.name === n))) return {};
    if (!unchanged) {
      const wanted = renderWorks(applyPlacement(renderCluster(values), settings), { namespace: name, owner, hashes: configs.hashes });
      const t1 = Date.now();
      let hashes;
      try {
        hashes = await this.applyWorks(name, wanted, works, written);
      } catch (err) {
        // A work created or changed since the cache saw it: its event is on the way and brings the cluster back.
        if (apiStatus(err) !== 409) throw err;
        this.log.debug('the works cache is behind; waiting for its events', { cluster: name });
        return { requeueAfterMs: 1_000 };
      }
      this.rendered.set(name, { inputs, works: hashes });
      this.log.debug('reconciled', { cluster: name, registerMs: t1 - t0, worksMs: Date.now() - t1 });
    }
    return done();
  }

  private worksOf(cluster: string): ManifestWork[] {
    return this.worksByCluster.get(cluster).filter((w) => deployWorkPattern.test(w.metadata.name ?? ''));
  }

  /** A set's broker as the caches hold it: its Broker settings and PSK, or undefined while either is missing. */
  private broker(set: string): HubBroker | undefined {
    const namespace = brokerNamespace(set);
    const broker = this.brokers.get(wellKnown.brokerName, namespace);
    const psk = this.secrets.get(names.ipsecPskSecret, namespace)?.data?.psk;
    if (broker === undefined || psk === undefined) return undefined;
    return { namespace, spec: (broker as { spec?: BrokerSpec }).spec ?? {}, psk };
  }

  /**
   * Registers the cluster once per member spec, with join's membership steps; the ManagedClusterAddOn records where.
   * The checks read the broker's accounts and Cluster objects from the caches. Once its account is applied, a new
   * member waits for its token without holding a worker: undefined until the token controller has issued it.
   */
  private async register(namespace: string, spec: MemberSpec, mca: ManagedClusterAddOn): Promise<Membership['registered']> {
    const key = `${namespace}|${goJson(spec)}`;
    let member = this.members.get(spec.clusterId);
    if (member?.key === key && member.registered) return member.registered;
    const access = hubBrokerAccess(this.o.kc, namespace);
    if (member?.key !== key) {
      checkMemberAgainst(spec, {
        account: this.memberAccounts.get(clusterServiceAccount(spec.clusterId), namespace),
        clusters: this.brokerClusters.list(namespace),
      });
      if (mca.metadata.annotations?.[registeredIn] !== namespace) {
        await this.mcaClient.patch(addonName, { metadata: { annotations: { [registeredIn]: namespace } } }, spec.clusterId);
      }
      const t = Date.now();
      const { globalCidr } = await allocateMember(access, spec, silent);
      await applyMemberAccount(access, spec);
      this.log.debug('applied the member account', { cluster: spec.clusterId, ms: Date.now() - t });
      member = { key, since: Date.now(), globalCidr };
      this.members.set(spec.clusterId, member);
    }
    const secret = this.secrets.get(memberTokenSecret(spec.clusterId), namespace);
    const token = secret?.data?.token;
    const ca = secret?.data?.['ca.crt'];
    if (token === undefined || ca === undefined) {
      const timeoutMs = this.o.tokenTimeoutMs ?? 60_000;
      if (Date.now() - member.since <= timeoutMs) return undefined;
      throw new UserError(`the token of ${namespace}/${memberTokenSecret(spec.clusterId)} was not issued within ${timeoutMs / 1000}s: is the hub's token controller running?`);
    }
    const plain = Buffer.from(token, 'base64').toString('utf8');
    await writeMemberCluster(access, spec, plain, member.globalCidr);
    member.registered = { token: plain, ca, globalCidr: member.globalCidr };
    this.log.info('registered the cluster on its broker', { cluster: spec.clusterId, broker: namespace, globalCidr: member.globalCidr });
    return member.registered;
  }

  /**
   * Writes the works that changed and deletes those no longer rendered; names are fixed, so a restart never duplicates
   * one. Returns the render hash of each work.
   */
  private async applyWorks(cluster: string, wanted: ManifestWork[], existing: ManifestWork[], written: Map<string, ManifestWork>): Promise<Map<string, string>> {
    const hashes = new Map<string, string>();
    for (const w of wanted) {
      const hash = hashOf({ spec: w.spec, annotations: w.metadata.annotations, owner: w.metadata.ownerReferences });
      hashes.set(w.metadata.name ?? '', hash);
      const current = existing.find((e) => e.metadata.name === w.metadata.name);
      if (current?.metadata.annotations?.[renderHash] === hash && !current.metadata.annotations[addonAnnotations.uninstallPhase]) continue;
      w.metadata.annotations = { ...w.metadata.annotations, [renderHash]: hash };
      const answer =
        current === undefined
          ? await this.workClient.create(w)
          : await this.workClient.replace({ ...w, metadata: { ...current.metadata, ...w.metadata, annotations: { ...w.metadata.annotations }, resourceVersion: current.metadata.resourceVersion } });
      written.set(w.metadata.name ?? '', cachedWork(answer));
      this.log.info(current === undefined ? 'created work' : 'updated work', { cluster, work: w.metadata.name });
    }
    for (const e of existing) if (!hashes.has(e.metadata.name ?? '')) await this.workClient.delete(e.metadata.name ?? '', cluster);
    return hashes;
  }

  private async writeStatus(mca: ManagedClusterAddOn, cluster: ManagedCluster | undefined, works: ManifestWork[], extra: WantedCondition[]): Promise<void> {
    const available = cluster?.status?.conditions?.find((c) => c.type === ocm.clusterConditions.available);
    const wanted = [...addonConditions({ clusterAvailable: available?.status, clusterCondition: available, works }), ...extra];
    const previous = mca.status?.conditions ?? [];
    // A condition this pass could not decide (an early return) keeps its last value.
    const owned = ownedConditions.filter((t) => wanted.some((w) => w.type === t) || (t !== T.configApplied && t !== T.brokerConfigApplied));
    const conditions = mergeConditions(previous, wanted, owned, this.now());
    const configReferences = missingMcaHashes(mca, this.lookup);
    const supported = [configTypes.deployment, configTypes.submariner];
    const patch: Record<string, unknown> = {};
    if (!sameConditions(previous, conditions)) patch.conditions = conditions;
    if (configReferences !== undefined) patch.configReferences = configReferences;
    if (goJson(mca.status?.supportedConfigs ?? []) !== goJson(supported)) patch.supportedConfigs = supported;
    if (mca.status?.healthCheck?.mode !== 'Customized') patch.healthCheck = { mode: 'Customized' };
    if (Object.keys(patch).length === 0) return;
    await this.mcaClient.patchStatus(addonName, patch, mca.metadata.namespace);
  }

  /**
   * Removal, one step per pass: the agents' DaemonSets switch to uninstall mode and clean their nodes, then the
   * operator takes back the gateway labels and the CoreDNS block, then the works go (and with them every object),
   * then the cluster leaves its broker. A step whose agents do not report in time, or whose cluster is gone, is
   * not waited for.
   */
  private async remove(mca: ManagedClusterAddOn, cluster: ManagedCluster | undefined, works: ManifestWork[]): Promise<ReconcileResult> {
    const name = mca.metadata.namespace ?? '';
    const live = works.filter((w) => !w.metadata.deletionTimestamp);
    const reachable = cluster?.status?.conditions?.find((c) => c.type === ocm.clusterConditions.available)?.status === 'True';
    if (live.length > 0) {
      const phase = live[0]?.metadata.annotations?.[addonAnnotations.uninstallPhase];
      const since = Date.parse(live[0]?.metadata.annotations?.[addonAnnotations.uninstallSince] ?? '');
      const timedOut = !Number.isNaN(since) && this.now().getTime() - since > (this.o.uninstallTimeoutMs ?? 120_000);
      const agents = agentRollouts(live);
      const settled = (kind: string): boolean => agents.filter((a) => a.kind === kind).every((a) => a.uninstalling && rolledOut(a));
      if (reachable && phase === undefined) {
        await this.setPhase(live, 'agents', 'DaemonSet');
        return { requeueAfterMs: 2_000 };
      }
      if (reachable && phase === 'agents' && !settled('DaemonSet') && !timedOut) return { requeueAfterMs: 2_000 };
      if (reachable && phase === 'agents') {
        if (timedOut) this.log.warn('the agents did not report their nodes clean in time; going on', { cluster: name });
        await this.setPhase(live, 'operator', 'Deployment');
        return { requeueAfterMs: 2_000 };
      }
      if (reachable && phase === 'operator' && !settled('Deployment') && !timedOut) return { requeueAfterMs: 2_000 };
      for (const w of [...live].reverse()) await this.workClient.delete(w.metadata.name ?? '', name);
      this.log.info('deleted the works', { cluster: name, works: live.map((w) => w.metadata.name) });
      return { requeueAfterMs: 2_000 };
    }
    if (works.length > 0) return { requeueAfterMs: 2_000 };
    const brokerNs = mca.metadata.annotations?.[registeredIn];
    if (brokerNs !== undefined) {
      await deregisterMember(this.o.kc, brokerNs, name).catch(undefinedIfNotFound);
      this.members.delete(name);
      this.rendered.delete(name);
      this.log.info('removed the cluster from its broker', { cluster: name, broker: brokerNs });
      await this.mcaClient.patch(addonName, { metadata: { annotations: { [registeredIn]: null } } }, name).catch(undefinedIfNotFound);
    }
    if (mca.metadata.deletionTimestamp && (mca.metadata.finalizers ?? []).includes(addonFinalizer)) {
      await this.mcaClient
        .patch(addonName, { metadata: { finalizers: mca.metadata.finalizers?.filter((f) => f !== addonFinalizer) ?? [], resourceVersion: mca.metadata.resourceVersion } }, name)
        .catch(undefinedIfNotFound);
    } else if (!mca.metadata.deletionTimestamp) {
      const why = !this.active() ? 'the addon is being removed' : `${name} is in no cluster set the addon serves`;
      await this.writeStatus(mca, cluster, [], [condition(T.brokerConfigApplied, 'False', R.brokerConfigMissing, why)]);
    }
    return {};
  }

  private async setPhase(cached: ManifestWork[], phase: 'agents' | 'operator', kind: 'DaemonSet' | 'Deployment'): Promise<void> {
    const since = this.now().toISOString();
    for (const stub of cached) {
      const w = await this.workClient.get(stub.metadata.name ?? '', stub.metadata.namespace);
      if (w === undefined) continue;
      const manifests = uninstallMode(w.spec.workload.manifests, kind);
      const annotations = { ...w.metadata.annotations, [addonAnnotations.uninstallPhase]: phase, [addonAnnotations.uninstallSince]: since };
      await this.workClient.replace({ ...w, metadata: { ...w.metadata, annotations }, spec: { ...w.spec, workload: { manifests } } });
    }
    this.log.info(phase === 'agents' ? 'switched the agents to uninstall mode' : 'switched the operator to uninstall mode', { cluster: cached[0]?.metadata.namespace });
  }
}
