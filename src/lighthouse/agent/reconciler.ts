import type { KubernetesObject } from '@kubernetes/client-node';
import { ServiceExportResource, ServiceImportResource, type ServiceExport, type ServiceImport } from '../../api/generated.js';
import { groups, labels, serviceExportConditions, serviceImportConditions } from '../../api/names.js';
import { apiVersionOf } from '../../api/index.js';
import type { Logger } from '../../base/log.js';
import { splitKey } from '../../kube/work-queue.js';
import { exportConditions, mergeConditions, sameConditions } from './conditions.js';
import type { AgentConfig } from './config.js';
import type { ClusterConnectivity } from './connectivity.js';
import type { ClustersetIpAllocator } from './clusterset-ip.js';
import { buildExport, type ExportOutcome, type GlobalIps } from './exported-service.js';
import { mergeContributions, type MergedService } from './merge.js';
import type { ClusterSlice, Contribution, ServiceKey } from './model.js';
import {
  brokerEndpointSlice,
  brokerServiceImport,
  isManagedImport,
  localEndpointSlice,
  localImportStatus,
  localServiceImport,
  parseBrokerImport,
  parseSlice,
  sliceName,
} from './imports-and-slices.js';
import type { AgentCaches } from './watches.js';
import type { KubeWriter } from './writer.js';
import { WrittenObjects, type Side } from './written-objects.js';
import { WrittenStatuses } from './written-statuses.js';

export interface ReconcilerDeps {
  config: AgentConfig;
  caches: AgentCaches;
  local: KubeWriter;
  broker: KubeWriter;
  brokerNamespace: string;
  connectivity: ClusterConnectivity;
  globalIps?: GlobalIps | undefined;
  /** Hands out clusterset IPs from this cluster's block. */
  clustersetIps: ClustersetIpAllocator;
  log: Logger;
  now?: () => Date;
}

type Published = Extract<ExportOutcome, { state: 'ready' }>;

/**
 * Reconciles one service (`<namespace>/<name>`) from the watch caches: publishes this cluster's export to the broker,
 * merges every member's export into the local ServiceImport, mirrors the served clusters' EndpointSlices into the
 * service's namespace and sets the ServiceExport's conditions.
 */
export class ServiceReconciler {
  private readonly written = new WrittenStatuses();
  private readonly objects = new WrittenObjects();

  constructor(private readonly d: ReconcilerDeps) {}

  readonly reconcile = async (key: string): Promise<void> => {
    const { namespace, name } = splitKey(key);
    if (namespace === undefined) return;
    const service: ServiceKey = { namespace, name };
    const c = this.d.caches;
    const excluded = this.d.config.excludeNamespaces.includes(namespace);
    const serviceExport = excluded ? undefined : c.serviceExports.get(name, namespace);
    const outcome = serviceExport === undefined ? undefined : this.exportOutcome(service, serviceExport);
    const published = outcome?.state === 'ready' ? outcome : undefined;
    if (serviceExport === undefined) this.written.forget(ServiceExportResource, service);

    const merged = this.mergeWithClustersetIp(key, service, published);
    // The broker's copy and the local view do not depend on each other: write both at once. The export's status
    // tells how the publishing went, so it follows the broker's copy without waiting for the local view.
    const publishing = failure(() => this.publish(service, published)).then(async (publishError) => {
      const statusError =
        serviceExport === undefined || outcome === undefined ? undefined : await failure(() => this.syncExportStatus(serviceExport, outcome, merged, publishError?.message));
      return publishError ?? statusError;
    });
    const errors = await Promise.all([publishing, failure(() => this.syncLocalView(service, merged, published))]);
    const error = errors.find((e) => e !== undefined);
    if (error !== undefined) throw error;
  };

  /**
   * Merges every cluster's export, giving this cluster's own the clusterset IP it carries: the one the clusterset
   * already has (the oldest export's), else the one it carried before, else a new one from this cluster's block.
   * Every export carries the IP, so it outlives the export that allocated it, until the last export goes.
   */
  private mergeWithClustersetIp(key: string, service: ServiceKey, published: Published | undefined): MergedService | undefined {
    const own = published?.contribution;
    const allocator = this.d.clustersetIps;
    if (own === undefined || !own.clustersetIp.enabled) {
      allocator.release(key);
      return mergeContributions(this.contributions(service, own));
    }
    const before = this.ownClustersetIp(service);
    let merged = mergeContributions(this.contributions(service, { ...own, clustersetIp: { ...own.clustersetIp, ...before } }));
    if (merged === undefined || !merged.clustersetIp.enabled || !merged.clusters.includes(own.cluster)) {
      allocator.release(key);
      return mergeContributions(this.contributions(service, own));
    }
    let ip = merged.clustersetIp.ip;
    let allocatedBy = merged.clustersetIp.allocatedBy;
    if (ip === undefined) {
      try {
        ip = allocator.allocate(key, this.clustersetIpsInUse(service));
        allocatedBy = own.cluster;
      } catch (err) {
        this.d.log.warn('cannot allocate a clusterset IP', { service: key, error: (err as Error).message });
        return merged;
      }
    } else if (before.ip === ip) {
      allocator.release(key);
    }
    own.clustersetIp = { enabled: true, ip, allocatedBy };
    merged = mergeContributions(this.contributions(service, own));
    if (before.ip !== ip) this.d.log.info('clusterset IP', { service: key, ip, allocatedBy });
    return merged;
  }

  /** The clusterset IP this cluster's broker export of the service carries (after a restart too). */
  private ownClustersetIp(service: ServiceKey): { ip?: string; allocatedBy?: string } {
    const me = this.d.config.clusterId;
    for (const obj of this.d.caches.brokerImports.forService(service)) {
      const parsed = parseBrokerImport(obj);
      if (parsed?.contribution.cluster !== me || !sameKey(parsed.key, service)) continue;
      const { ip, allocatedBy } = parsed.contribution.clustersetIp;
      return ip === undefined ? {} : { ip, ...(allocatedBy ? { allocatedBy } : {}) };
    }
    return {};
  }

  /** The clusterset IPs exports of other services carry on the broker. */
  private clustersetIpsInUse(service: ServiceKey): Set<string> {
    const used = new Set<string>();
    for (const obj of this.d.caches.brokerImports.list(this.d.brokerNamespace)) {
      const parsed = parseBrokerImport(obj);
      if (parsed === undefined || sameKey(parsed.key, service) || parsed.contribution.clustersetIp.ip === undefined) continue;
      used.add(parsed.contribution.clustersetIp.ip);
    }
    return used;
  }

  private exportOutcome(service: ServiceKey, serviceExport: ServiceExport): ExportOutcome {
    const c = this.d.caches;
    return buildExport({
      clusterId: this.d.config.clusterId,
      key: service,
      serviceExport,
      service: c.services.get(service.name, service.namespace),
      endpointSlices: c.endpointSlices.list(service.namespace).filter((s) => s.metadata?.labels?.[labels.kubeServiceName] === service.name),
      globalIps: this.d.globalIps,
      clustersetIpDefault: this.d.config.clustersetIpEnabled,
    });
  }

  /** Makes the broker hold exactly this cluster's ServiceImport and EndpointSlices for the service (none when not exported). */
  private async publish(service: ServiceKey, published: Published | undefined): Promise<void> {
    const me = this.d.config.clusterId;
    const bns = this.d.brokerNamespace;
    const c = this.d.caches;
    const wantSlices = (published?.slices ?? []).map((s) => brokerEndpointSlice(service, me, s, bns));
    const wantImport = published === undefined ? undefined : brokerServiceImport(service, published.contribution, bns);
    // The import and its slices go at once, as Lighthouse's syncers write them: an importing cluster that sees the
    // import first serves the slices when they follow.
    const publishedImport = wantImport === undefined ? undefined : c.brokerImports.get(wantImport.metadata.name ?? '', bns);
    const publishImport = async () => {
      if (wantImport !== undefined && (await this.applyOnce('broker', importKind, wantImport, publishedImport)).written && publishedImport === undefined) {
        this.d.log.info('exported', { service: `${service.namespace}/${service.name}`, type: wantImport.spec.type });
      }
    };
    await allOf([publishImport(), ...wantSlices.map((slice) => this.applyOnce('broker', sliceKind, slice, c.brokerSlices.get(slice.metadata?.name ?? '', bns)))]);
    const stale = [
      ...c.brokerImports.forService(service).filter((o) => o.metadata?.name !== wantImport?.metadata.name),
      ...c.brokerSlices.forService(service).filter((o) => !wantSlices.some((w) => w.metadata?.name === o.metadata?.name)),
    ].filter((o) => ownedBy(o, service, me));
    await allOf(stale.map((obj) => this.deleteOnce('broker', 'addressType' in obj ? sliceKind : importKind, obj)));
    if (wantImport === undefined && stale.some((o) => !('addressType' in o))) this.d.log.info('withdrew the export', { service: `${service.namespace}/${service.name}` });
  }

  /** Every member cluster's export of the service: the broker's, with this cluster's own as just computed. */
  private contributions(service: ServiceKey, own: Contribution | undefined): Contribution[] {
    const me = this.d.config.clusterId;
    const members = this.members();
    const found = new Map<string, Contribution>();
    for (const obj of this.d.caches.brokerImports.forService(service)) {
      const parsed = parseBrokerImport(obj);
      if (parsed === undefined || !sameKey(parsed.key, service)) continue;
      const cluster = parsed.contribution.cluster;
      if (cluster === me || !members.has(cluster) || found.has(cluster)) continue;
      found.set(cluster, parsed.contribution);
    }
    if (own !== undefined) found.set(me, own);
    return [...found.values()];
  }

  private members(): Set<string> {
    const ids = this.d.caches.brokerClusters.list(this.d.brokerNamespace).map((cl) => cl.spec?.cluster_id || cl.metadata?.name || '');
    return new Set(ids.filter((id) => id !== ''));
  }

  /** The ServiceImport and EndpointSlices in the service's namespace, where that namespace exists. */
  private async syncLocalView(service: ServiceKey, merged: MergedService | undefined, published: Published | undefined): Promise<void> {
    const c = this.d.caches;
    const ns = c.namespaces.get(service.namespace);
    const nsUsable = ns !== undefined && ns.status?.phase !== 'Terminating' && ns.metadata?.deletionTimestamp === undefined;
    const existing = c.serviceImports.get(service.name, service.namespace);
    const slices = c.lighthouseSlices.forService(service).filter((s) => s.metadata?.namespace === service.namespace);
    if (merged === undefined || !nsUsable) {
      await allOf(slices.map((s) => this.deleteOnce('local', sliceKind, s)));
      this.written.forget(ServiceImportResource, service);
      if (existing !== undefined && isManagedImport(existing) && (await this.deleteOnce('local', importKind, existing))) {
        this.d.log.info('removed the import', { service: `${service.namespace}/${service.name}` });
      }
      return;
    }
    if (existing !== undefined && !isManagedImport(existing)) {
      this.d.log.warn('a ServiceImport not managed by Lighthouse has the name of an exported service: leaving it alone', { serviceImport: `${service.namespace}/${service.name}` });
      return;
    }
    const desired = localServiceImport(service, merged);
    const { object: current, written } = await this.applyOnce('local', importKind, desired, existing);
    if (existing === undefined && written) this.d.log.info('imported', { service: `${service.namespace}/${service.name}`, type: merged.spec.type, clusters: merged.clusters });
    const uid = current.metadata?.uid ?? '';
    const want = this.servedSlices(service, merged, published).map((s) => localEndpointSlice(service, s, { name: service.name, uid }));
    // The import's status and its slices (owned by the import, hence after it) are independent of each other.
    await allOf([
      this.syncImportStatus(current, merged),
      ...want.map((slice) => this.applyOnce('local', sliceKind, slice, c.lighthouseSlices.get(slice.metadata?.name ?? '', service.namespace))),
      ...slices.filter((s) => !want.some((w) => w.metadata?.name === s.metadata?.name)).map((s) => this.deleteOnce('local', sliceKind, s)),
    ]);
  }

  /**
   * One write per change of an object: none when the watch cache holds `desired` already, or when this agent wrote
   * it and the watch has not reported back yet. The write goes over the latest version known.
   */
  private async applyOnce<T extends KubernetesObject>(side: Side, type: ObjectType, desired: T, cached: T | undefined): Promise<{ object: T; written: boolean }> {
    const current = this.objects.current(side, type.kind, desired, cached);
    if (current !== undefined) return { object: current, written: false };
    const applied = await this.writer(side).write(desired, this.objects.latest(side, type.kind, desired, cached));
    this.objects.applied(side, type.kind, applied);
    return { object: applied, written: true };
  }

  /** Deletes an object unless this agent already did and the watch has not reported back yet; true when it deleted. */
  private async deleteOnce(side: Side, type: ObjectType, obj: KubernetesObject): Promise<boolean> {
    if (this.objects.deleted(side, type.kind, obj)) return false;
    await this.writer(side).delete(ref(obj, type));
    this.objects.markDeleted(side, type.kind, obj);
    return true;
  }

  /** The watches reported a change of one of the objects this agent writes. */
  observed(side: Side, kind: 'ServiceImport' | 'EndpointSlice', obj: KubernetesObject): void {
    this.objects.observed(side, kind, obj);
  }

  private writer(side: Side): KubeWriter {
    return side === 'broker' ? this.d.broker : this.d.local;
  }

  private async syncImportStatus(current: ServiceImport, merged: MergedService): Promise<void> {
    const { clusters, ready } = localImportStatus(merged);
    const conditions = mergeConditions(current.status?.conditions, [ready], [serviceImportConditions.ready], this.now());
    const sameClusters = JSON.stringify(current.status?.clusters ?? []) === JSON.stringify(clusters);
    if (sameClusters && sameConditions(current.status?.conditions, conditions)) return;
    const status = { clusters, conditions };
    if (this.written.already(ServiceImportResource, current, status)) return;
    const patched = await this.d.local.patchStatus<ServiceImport>(ServiceImportResource, current.metadata.namespace ?? '', current.metadata.name ?? '', status);
    this.written.record(ServiceImportResource, current, status);
    // The next write of the import goes over the version the status patch made.
    if (patched !== undefined) this.objects.applied('local', importKind.kind, patched);
  }

  /** The EndpointSlices of the clusters that back the service and are served now: members, connected (or within grace). */
  private servedSlices(service: ServiceKey, merged: MergedService, published: Published | undefined): ClusterSlice[] {
    const me = this.d.config.clusterId;
    const out: ClusterSlice[] = [];
    for (const cluster of merged.clusters) {
      if (cluster === me) {
        for (const content of published?.slices ?? []) out.push({ cluster, name: sliceName(service, cluster, content), content });
      } else if (this.d.connectivity.served(cluster)) {
        for (const obj of this.d.caches.brokerSlices.forService(service)) {
          const parsed = parseSlice(obj);
          if (parsed !== undefined && parsed.slice.cluster === cluster && sameKey(parsed.key, service)) out.push(parsed.slice);
        }
      }
    }
    return out;
  }

  private async syncExportStatus(se: ServiceExport, outcome: ExportOutcome, merged: MergedService | undefined, publishError: string | undefined): Promise<void> {
    const wanted = exportConditions({ clusterId: this.d.config.clusterId, outcome, merged, publishError });
    const owned = Object.values(serviceExportConditions);
    const conditions = mergeConditions(se.status?.conditions, wanted, owned, this.now(), se.metadata.generation);
    if (sameConditions(se.status?.conditions, conditions) || this.written.already(ServiceExportResource, se, { conditions })) return;
    await this.d.local.patchStatus(ServiceExportResource, se.metadata.namespace ?? '', se.metadata.name ?? '', { conditions });
    this.written.record(ServiceExportResource, se, { conditions });
  }

  private now(): Date {
    return (this.d.now ?? (() => new Date()))();
  }
}

/** Waits for every write, then fails with the first failure: a retry must not overlap writes still in flight. */
async function allOf(writes: readonly Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(writes)).find((r) => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}

async function failure(step: () => Promise<void>): Promise<Error | undefined> {
  try {
    await step();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

function sameKey(a: ServiceKey | undefined, b: ServiceKey): boolean {
  return a !== undefined && a.namespace === b.namespace && a.name === b.name;
}

function ownedBy(obj: KubernetesObject, service: ServiceKey, cluster: string): boolean {
  const l = obj.metadata?.labels ?? {};
  return l[labels.serviceName] === service.name && l[labels.sourceNamespace] === service.namespace && l[labels.sourceCluster] === cluster;
}

interface ObjectType {
  apiVersion: string;
  kind: string;
}

const sliceKind: ObjectType = { apiVersion: `${groups.discovery}/v1`, kind: 'EndpointSlice' };
const importKind: ObjectType = { apiVersion: apiVersionOf(ServiceImportResource), kind: ServiceImportResource.kind };

/** What deleting an object needs (items of typed lists lack apiVersion and kind). */
function ref(obj: KubernetesObject, type: ObjectType): KubernetesObject {
  return { ...type, metadata: { name: obj.metadata?.name, namespace: obj.metadata?.namespace } };
}
