import { CoreV1Api, CustomObjectsApi, DiscoveryV1Api, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { ClusterResource, EndpointResource, ServiceImportResource, customObjectRef, type ResourceDescriptor } from '../api/index.js';
import { clusterServiceAccount, clusterUidAnnotation, labels, managedByLabels } from '../api/names.js';
import { UserError } from '../base/errors.js';
import type { Reporter } from '../base/reporter.js';
import { apiStatus, createOrApplyObjects, retryBusy, undefinedIfNotFound } from '../kube/apply.js';
import { keepAliveClient } from '../kube/keep-alive.js';
import { cidrsOverlap, parseCidr } from '../net/cidr.js';
import type { BrokerInfo } from './broker-info.js';
import { brokerError, brokerKubeConfig } from './broker-client.js';
import { waitToken } from './deploy.js';
import { allocateGlobalCidr, allocatePoolCidr, clustersetIpPool, releaseGlobalCidr, releasePoolCidr } from './globalnet.js';
import { renderMemberAccess, renderMemberServiceAccount } from './objects.js';

/**
 * A broker as membership sees it: admin access to its namespace, the same server with a member's token, and
 * how to explain a failed request. `join` builds it from broker-info; the hub addon from the hub's own config.
 */
export interface BrokerAccess {
  admin: KubeConfig;
  namespace: string;
  asMember(token: string, user: string): KubeConfig;
  /** The error a user sees for a failed broker request (UserErrors pass through). */
  explain(err: unknown): Error;
}

export function brokerAccessFromInfo(info: BrokerInfo): BrokerAccess {
  return {
    admin: brokerKubeConfig(info),
    namespace: info.namespace,
    asMember: (token, user) => brokerKubeConfig(info, token, user),
    explain: (err) => {
      if (err instanceof UserError) return err;
      const status = apiStatus(err);
      if (status !== undefined && status !== 401 && status !== 404) return err instanceof Error ? err : new Error(String(err));
      return brokerError(info, err);
    },
  };
}

/** What a cluster brings to the broker. */
export interface MemberSpec {
  clusterId: string;
  /** UID of the member's kube-system namespace: tells a re-join of the same cluster from a duplicate ID. */
  clusterUid: string;
  clusterCidrs: string[];
  serviceCidrs: string[];
  /** Whether the cluster uses GlobalNet (then its CIDRs may overlap others'). */
  globalnet: boolean;
  /** A global CIDR asked for; otherwise one is allocated from the broker's range. */
  globalnetCidr?: string | undefined;
  /** Whether the cluster runs service discovery: it then gets a block of the clusterset IP range. */
  serviceDiscovery?: boolean | undefined;
  /** A block of the clusterset IP range asked for; otherwise the first free one. */
  clustersetIpCidr?: string | undefined;
}

/** What the broker gives a member: its own token, with GlobalNet its global CIDR, with service discovery its clusterset IP block. */
export interface Member {
  token: string;
  globalCidr: string | undefined;
  /** Undefined when the broker has no clusterset IP range (deployed by an older version) or service discovery is off. */
  clustersetIpCidr: string | undefined;
}

/** The read-only checks: the cluster ID is free (or this cluster's own), and without GlobalNet no CIDR overlaps a member's. */
export async function checkMember(broker: BrokerAccess, spec: MemberSpec): Promise<void> {
  const account = await retryBusy(() => keepAliveClient(broker.admin, CoreV1Api).readNamespacedServiceAccount({ name: clusterServiceAccount(spec.clusterId), namespace: broker.namespace })).catch(
    (err: unknown) => {
      if (apiStatus(err) === 404) return undefined;
      throw broker.explain(err);
    },
  );
  const { group, version, plural } = ClusterResource;
  const clusters = spec.globalnet
    ? []
    : ((await retryBusy(() => keepAliveClient(broker.admin, CustomObjectsApi).listNamespacedCustomObject({ group, version, namespace: broker.namespace, plural })).catch((err: unknown) => {
        throw broker.explain(err);
      })) as { items: BrokerCluster[] }).items;
  checkMemberAgainst(spec, { account, clusters });
}

/** What the checks read from the broker: the member's account if it exists, and every Cluster object there. */
export interface BrokerMembers {
  account: { metadata?: { annotations?: Record<string, string> } } | undefined;
  clusters: readonly BrokerCluster[];
}

/** checkMember's checks over what the caller read from the broker (a controller reads it from its watches). */
export function checkMemberAgainst(spec: MemberSpec, existing: BrokerMembers): void {
  const owner = existing.account?.metadata?.annotations?.[clusterUidAnnotation];
  if (owner !== undefined && owner !== spec.clusterUid) {
    throw new UserError(`cluster ID ${spec.clusterId} is already used by another cluster on the broker: choose another --clusterid`);
  }
  if (!spec.globalnet) checkOverlaps(spec, existing.clusters);
}

/**
 * Registers the cluster: its global CIDR (with GlobalNet), its own broker account and token, and its Cluster object
 * written with that token. Every write is idempotent, so a re-run converges.
 */
export async function registerMember(broker: BrokerAccess, spec: MemberSpec, reporter: Reporter): Promise<Member> {
  const { globalCidr, clustersetIpCidr } = await allocateMember(broker, spec, reporter);
  const token = await reporter.step(`Creating broker credentials for cluster ${spec.clusterId}`, async () => {
    await applyMemberAccount(broker, spec);
    const secret = await waitToken(keepAliveClient(broker.admin, CoreV1Api), broker.namespace, memberTokenSecret(spec.clusterId));
    return Buffer.from(secret.data?.token ?? '', 'base64').toString('utf8');
  });
  await reporter.step(`Registering cluster ${spec.clusterId} on the broker`, () => writeMemberCluster(broker, spec, token, globalCidr));
  return { token, globalCidr, clustersetIpCidr };
}

/** The Secret the token controller issues a member's token into. */
export function memberTokenSecret(clusterId: string): string {
  return `${clusterServiceAccount(clusterId)}-token`;
}

/** registerMember's first step: with GlobalNet the member's global CIDR, with service discovery its block of clusterset IPs. */
export async function allocateMember(broker: BrokerAccess, spec: MemberSpec, reporter: Reporter): Promise<Omit<Member, 'token'>> {
  const globalCidr = spec.globalnet
    ? await reporter.step('Allocating a global CIDR', () => allocateGlobalCidr(broker.admin, broker.namespace, spec.clusterId, spec.globalnetCidr).catch(rethrowAs(broker)))
    : undefined;
  if (globalCidr) reporter.info(`Global CIDR ${globalCidr}`);
  const clustersetIpCidr =
    spec.serviceDiscovery === true
      ? await reporter.step('Allocating a block of clusterset IPs', () =>
          allocatePoolCidr(clustersetIpPool, broker.admin, broker.namespace, spec.clusterId, spec.clustersetIpCidr).catch((err: unknown) => {
            if (apiStatus(err) === 404 && spec.clustersetIpCidr === undefined) return undefined;
            return rethrowAs(broker)(err);
          }),
        )
      : undefined;
  if (clustersetIpCidr) reporter.info(`Clusterset IP CIDR ${clustersetIpCidr}`);
  return { globalCidr, clustersetIpCidr };
}

/**
 * registerMember's second step: the member's service account, its token Secret (which the token controller fills,
 * see memberTokenSecret) and its roles.
 */
export async function applyMemberAccount(broker: BrokerAccess, spec: MemberSpec): Promise<void> {
  const [sa] = await createOrApplyObjects(broker.admin, [renderMemberServiceAccount(broker.namespace, spec.clusterId, spec.clusterUid)]).catch(rethrowAs(broker));
  // In order: a RoleBinding can be written only once its Role exists (or the writer may bind any role).
  await createOrApplyObjects(broker.admin, renderMemberAccess(broker.namespace, spec.clusterId, sa?.metadata?.uid ?? '')).catch(rethrowAs(broker));
}

/** registerMember's last step: the member's Cluster object, written with the member's own token. */
export async function writeMemberCluster(broker: BrokerAccess, spec: MemberSpec, token: string, globalCidr: string | undefined): Promise<void> {
  await createOrApplyObjects(broker.asMember(token, clusterServiceAccount(spec.clusterId)), [clusterObject(broker.namespace, spec, globalCidr)]).catch(rethrowAs(broker));
}

function rethrowAs(broker: BrokerAccess): (err: unknown) => never {
  return (err) => {
    throw broker.explain(err);
  };
}

/**
 * Removes a member from the broker with its own credentials: its Endpoints, Cluster, exported services, GlobalNet
 * allocation and account. Deleting an object that is already gone is not an error, so a step the broker answers
 * 429 or 503 (its storage reinitializing after a CRD change) is retried from the start.
 */
export function deregisterMember(member: KubeConfig, namespace: string, clusterId: string): Promise<void> {
  return retryBusy(() => deregisterOnce(member, namespace, clusterId));
}

async function deregisterOnce(member: KubeConfig, namespace: string, clusterId: string): Promise<void> {
  const ignore404 = undefinedIfNotFound;
  const custom = member.makeApiClient(CustomObjectsApi);
  const crd = (r: ResourceDescriptor) => ({ ...customObjectRef(r), namespace });
  const endpoints = (await custom.listNamespacedCustomObject(crd(EndpointResource))) as { items: { metadata: { name: string }; spec?: { cluster_id?: string } }[] };
  for (const ep of endpoints.items.filter((e) => e.spec?.cluster_id === clusterId)) {
    await custom.deleteNamespacedCustomObject({ ...crd(EndpointResource), name: ep.metadata.name }).catch(ignore404);
  }
  await custom.deleteNamespacedCustomObject({ ...crd(ClusterResource), name: clusterId }).catch(ignore404);
  const mine = `${labels.sourceCluster}=${clusterId}`;
  const imports = (await custom.listNamespacedCustomObject({ ...crd(ServiceImportResource), labelSelector: mine })) as { items: { metadata: { name: string } }[] };
  for (const si of imports.items) {
    await custom.deleteNamespacedCustomObject({ ...crd(ServiceImportResource), name: si.metadata.name }).catch(ignore404);
  }
  // One by one: a member may delete its own slices, not a collection.
  const discovery = member.makeApiClient(DiscoveryV1Api);
  for (const slice of (await discovery.listNamespacedEndpointSlice({ namespace, labelSelector: mine })).items) {
    await discovery.deleteNamespacedEndpointSlice({ name: slice.metadata?.name ?? '', namespace }).catch(ignore404);
  }
  for (const release of [releaseGlobalCidr, releasePoolCidr.bind(undefined, clustersetIpPool)]) {
    await release(member, namespace, clusterId).catch((err: unknown) => {
      if (apiStatus(err) !== 403) throw err;
    });
  }
  await member.makeApiClient(CoreV1Api).deleteNamespacedServiceAccount({ name: clusterServiceAccount(clusterId), namespace }).catch(ignore404);
}

export interface BrokerCluster {
  metadata?: { name?: string };
  spec?: { cluster_id?: string; cluster_cidr?: string[]; service_cidr?: string[] };
}

function checkOverlaps(spec: MemberSpec, clusters: readonly BrokerCluster[]): void {
  // Each CIDR parsed once: a broker may hold a thousand members.
  const parsed = (kind: string) => (cidr: string) => ({ kind, cidr, block: parseCidr(cidr, false) });
  const ours = [...spec.clusterCidrs.map(parsed('Pod')), ...spec.serviceCidrs.map(parsed('Service'))];
  for (const other of clusters) {
    const id = other.spec?.cluster_id ?? other.metadata?.name ?? '?';
    if (id === spec.clusterId) continue;
    const theirs = [...(other.spec?.cluster_cidr ?? []).map(parsed('Pod')), ...(other.spec?.service_cidr ?? []).map(parsed('Service'))];
    for (const a of ours) {
      const b = theirs.find((t) => cidrsOverlap(a.block, t.block));
      if (b) {
        throw new UserError(
          `the ${a.kind} CIDR ${a.cidr} of cluster ${spec.clusterId} overlaps the ${b.kind} CIDR ${b.cidr} of cluster ${id}: ` +
            'deploy the broker with --globalnet and join with --globalnet, or give the clusters non-overlapping CIDRs',
        );
      }
    }
  }
}

function clusterObject(namespace: string, spec: MemberSpec, globalCidr: string | undefined): KubernetesObject {
  return {
    apiVersion: `${ClusterResource.group}/${ClusterResource.version}`,
    kind: ClusterResource.kind,
    metadata: { name: spec.clusterId, namespace, labels: { ...managedByLabels, [labels.clusterId]: spec.clusterId } },
    spec: {
      cluster_id: spec.clusterId,
      color_codes: ['blue'],
      cluster_cidr: spec.clusterCidrs,
      service_cidr: spec.serviceCidrs,
      global_cidr: globalCidr ? [globalCidr] : [],
    },
  } as KubernetesObject;
}
