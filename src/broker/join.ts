import { CoreV1Api, CustomObjectsApi, type KubeConfig, type KubernetesObject, type V1Node } from '@kubernetes/client-node';
import { installCrds } from '../api/install.js';
import { clusterServiceAccount, labels, wellKnown } from '../api/names.js';
import { UserError } from '../cli/errors.js';
import type { Reporter } from '../cli/reporter.js';
import { clientVersion } from '../cli/version.js';
import { applyObjects, apiStatus, mergePatch, retryBusy } from '../kube/apply.js';
import { cidrsOverlap } from '../net/cidr.js';
import { gatewayNodeLabel, names } from '../render/contract.js';
import { renderCorednsForward } from '../render/coredns.js';
import { checkCidr, checkDnsLabel } from '../render/fields.js';
import { parseClusterValues, parseImageOverrides, renderCluster, type CableDriverName, type ClusterValues } from '../render/index.js';
import { cableDrivers } from '../render/values.js';
import { brokerComponents, readBrokerInfoFile, type BrokerInfo } from './broker-info.js';
import { brokerError, brokerKubeConfig, connectBroker, type BrokerSpec } from './broker-client.js';
import { waitToken } from './deploy.js';
import { discoverNetworks } from './discover.js';
import { allocateGlobalCidr } from './globalnet.js';
import { clusterUidAnnotation, managedByLabels, renderMemberAccess, renderMemberServiceAccount } from './objects.js';

export interface JoinOptions {
  brokerInfoFile: string;
  clusterId: string;
  clusterCidr?: string | undefined;
  serviceCidr?: string | undefined;
  cableDriver: string;
  natt: boolean;
  nattPort: number;
  healthCheck: boolean;
  /** undefined: follow the broker. */
  globalnet?: boolean | undefined;
  globalnetCidr?: string | undefined;
  preferredServer: boolean;
  forceUdpEncaps: boolean;
  airGapped: boolean;
  imageOverrides: string[];
  gatewayNodes: string[];
  labelGateway: boolean;
  namespace?: string | undefined;
}

export interface JoinResult {
  clusterId: string;
  clusterCidrs: string[];
  serviceCidrs: string[];
  globalCidr: string | undefined;
  gatewayNodes: string[];
  components: string[];
}

/** A cluster ID from a kube context name, as subctl derives it: lower-case, DNS-1123 label characters only. */
export function clusterIdFromContext(context: string): string {
  return context.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
}

/**
 * Joins the cluster of `kc` to the broker described by a broker-info file. Everything is checked before
 * anything is written; every write is idempotent, so a re-run converges and a join killed midway completes.
 */
export async function joinCluster(kc: KubeConfig, o: JoinOptions, reporter: Reporter): Promise<JoinResult> {
  const info = await reporter.step(`Reading ${o.brokerInfoFile}`, () => readBrokerInfoFile(o.brokerInfoFile));
  validateJoinOptions(o);
  const core = kc.makeApiClient(CoreV1Api);
  const broker = await reporter.step(`Connecting to the broker at ${info.brokerURL}`, () => connectBroker(info));
  const components = brokerComponents(info);
  const connectivity = components.includes('connectivity');

  const networks = await reporter.step('Discovering the cluster networks', async () => {
    const found = await discoverNetworks(kc);
    const clusterCidrs = o.clusterCidr ? [o.clusterCidr] : found.clusterCidrs;
    const serviceCidrs = o.serviceCidr ? [o.serviceCidr] : found.serviceCidrs;
    if (clusterCidrs.length === 0) throw new UserError('cannot discover the cluster\'s Pod CIDR: pass it with --clustercidr (e.g. 10.244.0.0/16)');
    if (serviceCidrs.length === 0) throw new UserError('cannot discover the cluster\'s Service CIDR: pass it with --servicecidr (e.g. 10.96.0.0/16)');
    reporter.info(`Pod CIDRs ${clusterCidrs.join(',')} (${o.clusterCidr ? '--clustercidr' : found.sources.cluster}), Service CIDRs ${serviceCidrs.join(',')} (${o.serviceCidr ? '--servicecidr' : found.sources.service})`);
    return { clusterCidrs, serviceCidrs };
  });
  const gatewayNodes = connectivity ? await reporter.step('Choosing the gateway nodes', () => chooseGateways(core, o)) : [];
  const clusterUid = (await core.readNamespace({ name: 'kube-system' })).metadata?.uid ?? '';
  const brokerKc = brokerKubeConfig(info);
  const globalnet = globalnetWanted(broker, o);

  await reporter.step(`Checking that cluster ID ${o.clusterId} is free and the networks do not overlap`, async () => {
    await checkLocalMembership(kc, o.clusterId);
    await checkClusterIdFree(brokerKc, info, o.clusterId, clusterUid);
    if (!globalnet) await checkOverlaps(brokerKc, info, o.clusterId, networks);
  });

  const globalCidr = globalnet
    ? await reporter.step('Allocating a global CIDR', () => allocateGlobalCidr(brokerKc, info.namespace, o.clusterId, o.globalnetCidr).catch(rethrowBroker(info)))
    : undefined;
  if (globalCidr) reporter.info(`Global CIDR ${globalCidr}`);

  const memberToken = await reporter.step(`Creating broker credentials for cluster ${o.clusterId}`, async () => {
    const [sa] = await applyObjects(brokerKc, [renderMemberServiceAccount(info.namespace, o.clusterId, clusterUid)]).catch(rethrowBroker(info));
    await applyObjects(brokerKc, renderMemberAccess(info.namespace, o.clusterId, sa?.metadata?.uid ?? '')).catch(rethrowBroker(info));
    const secret = await waitToken(brokerKc.makeApiClient(CoreV1Api), info.namespace, `${clusterServiceAccount(o.clusterId)}-token`);
    return Buffer.from(secret.data?.token ?? '', 'base64').toString('utf8');
  });
  await reporter.step(`Registering cluster ${o.clusterId} on the broker`, () =>
    applyObjects(brokerKubeConfig(info, memberToken, clusterServiceAccount(o.clusterId)), [clusterObject(info.namespace, o.clusterId, networks, globalCidr)]).catch(rethrowBroker(info)),
  );

  const values = parseClusterValues({
    clusterId: o.clusterId,
    ...(o.namespace ? { namespace: o.namespace } : {}),
    broker: { server: info.brokerURL, ca: info.ca, token: memberToken, namespace: info.namespace },
    ipsecPsk: info.ipsecPsk ?? '',
    cableDriver: o.cableDriver as CableDriverName,
    natEnabled: o.natt,
    nattPort: o.nattPort,
    preferredServer: o.preferredServer,
    forceUdpEncaps: o.forceUdpEncaps,
    healthCheck: { enabled: o.healthCheck },
    clusterCidrs: networks.clusterCidrs,
    serviceCidrs: networks.serviceCidrs,
    globalnet: { enabled: globalCidr !== undefined, globalCidr: globalCidr ?? '' },
    customDomains: info.customDomains,
    airGapped: o.airGapped,
    version: clientVersion().gitVersion.replace(/^v/, ''),
    imageOverrides: o.imageOverrides,
    componentsEnabled: components as ClusterValues['componentsEnabled'],
  });
  await reporter.step('Installing the CRDs', () => installCrds(kc));
  await reporter.step('Deploying the Submariner agents', () => applyObjects(kc, renderCluster(values)));
  if (gatewayNodes.length > 0) {
    await reporter.step(`Labelling gateway node${gatewayNodes.length > 1 ? 's' : ''} ${gatewayNodes.join(', ')}`, () => labelGateways(core, gatewayNodes));
  }
  if (components.includes('service-discovery')) {
    await reporter.step('Forwarding clusterset.local from CoreDNS to Lighthouse', () => configureCoredns(core, values, reporter));
  }
  return { clusterId: o.clusterId, ...networks, globalCidr, gatewayNodes, components };
}

/** Flag checks that need no cluster, before anything is contacted. */
export function validateJoinOptions(o: JoinOptions): void {
  checkDnsLabel(o.clusterId, '--clusterid');
  if (o.clusterCidr !== undefined) checkCidr(o.clusterCidr, '--clustercidr');
  if (o.serviceCidr !== undefined) checkCidr(o.serviceCidr, '--servicecidr');
  if (o.globalnetCidr !== undefined) checkCidr(o.globalnetCidr, '--globalnet-cidr');
  if (!(cableDrivers as readonly string[]).includes(o.cableDriver)) {
    throw new UserError(`--cable-driver ${o.cableDriver} is not supported: use one of ${cableDrivers.join(', ')}`);
  }
  if (!Number.isInteger(o.nattPort) || o.nattPort < 1 || o.nattPort > 65535) throw new UserError(`--nattport ${o.nattPort} is not a port (1-65535)`);
  parseImageOverrides(o.imageOverrides);
}

function globalnetWanted(broker: BrokerSpec, o: JoinOptions): boolean {
  if (o.globalnet === true && broker.globalnetEnabled !== true) {
    throw new UserError('--globalnet was given but the broker was deployed without GlobalNet: re-run deploy-broker with --globalnet');
  }
  if (o.globalnetCidr !== undefined && broker.globalnetEnabled !== true) {
    throw new UserError('--globalnet-cidr was given but the broker was deployed without GlobalNet: re-run deploy-broker with --globalnet');
  }
  return broker.globalnetEnabled === true && o.globalnet !== false;
}

async function chooseGateways(core: CoreV1Api, o: JoinOptions): Promise<string[]> {
  const nodes = (await core.listNode()).items;
  const nameOf = (n: V1Node): string => n.metadata?.name ?? '';
  if (o.gatewayNodes.length > 0) {
    const missing = o.gatewayNodes.filter((g) => !nodes.some((n) => nameOf(n) === g));
    if (missing.length > 0) {
      throw new UserError(`--gateway-node ${missing.join(', ')}: no such node; the cluster's nodes are ${nodes.map(nameOf).join(', ')}`);
    }
    return o.gatewayNodes;
  }
  const labelled = nodes.filter((n) => n.metadata?.labels?.[gatewayNodeLabel.key] === gatewayNodeLabel.value).map(nameOf);
  if (labelled.length > 0 || !o.labelGateway) return labelled;
  const candidate =
    nodes.find((n) => n.metadata?.annotations?.['gateway.submariner.io/public-ip'] !== undefined) ??
    nodes.find((n) => !Object.keys(n.metadata?.labels ?? {}).some((l) => l.startsWith('node-role.kubernetes.io/control-plane'))) ??
    nodes[0];
  if (!candidate) throw new UserError('the cluster has no nodes to be a gateway: add a node or pass --gateway-node NAME');
  return [nameOf(candidate)];
}

/** This cluster may not already be joined under another ID. */
async function checkLocalMembership(kc: KubeConfig, clusterId: string): Promise<void> {
  const api = kc.makeApiClient(CustomObjectsApi);
  for (const [plural, name] of [['submariners', names.submarinerCR], ['servicediscoveries', names.serviceDiscoveryCR]] as const) {
    const existing = (await retryBusy(() =>
      api.getNamespacedCustomObject({ group: 'submariner.io', version: 'v1alpha1', namespace: names.defaultNamespace, plural, name }),
    ).catch(() => undefined)) as { spec?: { clusterID?: string } } | undefined;
    const other = existing?.spec?.clusterID;
    if (other !== undefined && other !== clusterId) {
      throw new UserError(`this cluster has already joined as ${other}: run \`kubectl submariner uninstall\` first, or join again with --clusterid ${other}`);
    }
  }
}

async function checkClusterIdFree(brokerKc: KubeConfig, info: BrokerInfo, clusterId: string, clusterUid: string): Promise<void> {
  const sa = await retryBusy(() => brokerKc.makeApiClient(CoreV1Api).readNamespacedServiceAccount({ name: clusterServiceAccount(clusterId), namespace: info.namespace }))
    .catch((err: unknown) => {
      if (apiStatus(err) === 404) return undefined;
      throw brokerError(info, err);
    });
  const owner = sa?.metadata?.annotations?.[clusterUidAnnotation];
  if (owner !== undefined && owner !== clusterUid) {
    throw new UserError(`cluster ID ${clusterId} is already used by another cluster on the broker: choose another --clusterid`);
  }
}

interface Networks {
  clusterCidrs: string[];
  serviceCidrs: string[];
}

interface BrokerCluster {
  metadata?: { name?: string };
  spec?: { cluster_id?: string; cluster_cidr?: string[]; service_cidr?: string[] };
}

async function checkOverlaps(brokerKc: KubeConfig, info: BrokerInfo, clusterId: string, mine: Networks): Promise<void> {
  const list = (await retryBusy(() =>
    brokerKc.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({ group: 'submariner.io', version: 'v1', namespace: info.namespace, plural: 'clusters' }),
  )
    .catch((err: unknown) => {
      throw brokerError(info, err);
    })) as { items: BrokerCluster[] };
  for (const other of list.items) {
    const id = other.spec?.cluster_id ?? other.metadata?.name ?? '?';
    if (id === clusterId) continue;
    const theirs = [
      ...(other.spec?.cluster_cidr ?? []).map((c) => ({ kind: 'Pod', cidr: c })),
      ...(other.spec?.service_cidr ?? []).map((c) => ({ kind: 'Service', cidr: c })),
    ];
    const ours = [...mine.clusterCidrs.map((c) => ({ kind: 'Pod', cidr: c })), ...mine.serviceCidrs.map((c) => ({ kind: 'Service', cidr: c }))];
    for (const a of ours) {
      const b = theirs.find((t) => cidrsOverlap(a.cidr, t.cidr));
      if (b) {
        throw new UserError(
          `the ${a.kind} CIDR ${a.cidr} of cluster ${clusterId} overlaps the ${b.kind} CIDR ${b.cidr} of cluster ${id}: ` +
            'deploy the broker with --globalnet and join with --globalnet, or give the clusters non-overlapping CIDRs',
        );
      }
    }
  }
}

function clusterObject(namespace: string, clusterId: string, n: Networks, globalCidr: string | undefined): KubernetesObject {
  return {
    apiVersion: 'submariner.io/v1',
    kind: 'Cluster',
    metadata: { name: clusterId, namespace, labels: { ...managedByLabels, [labels.clusterId]: clusterId } },
    spec: {
      cluster_id: clusterId,
      color_codes: ['blue'],
      cluster_cidr: n.clusterCidrs,
      service_cidr: n.serviceCidrs,
      global_cidr: globalCidr ? [globalCidr] : [],
    },
  } as KubernetesObject;
}

async function labelGateways(core: CoreV1Api, nodes: string[]): Promise<void> {
  for (const name of nodes) {
    await core.patchNode(
      { name, body: { metadata: { labels: { [gatewayNodeLabel.key]: gatewayNodeLabel.value } } } },
      mergePatch,
    );
  }
}

/** Inserts the marked forwarding block into kube-system/coredns, idempotently. */
async function configureCoredns(core: CoreV1Api, v: ClusterValues, reporter: Reporter): Promise<void> {
  const svc = await core.readNamespacedService({ name: names.lighthouseDnsService, namespace: v.namespace });
  const ip = svc.spec?.clusterIP;
  if (!ip || ip === 'None') throw new Error(`the Service ${v.namespace}/${names.lighthouseDnsService} has no ClusterIP`);
  const cm = await core.readNamespacedConfigMap({ name: 'coredns', namespace: 'kube-system' }).catch((err: unknown) => {
    if (apiStatus(err) === 404) return undefined;
    throw err;
  });
  const corefile = cm?.data?.Corefile;
  if (!cm || corefile === undefined) {
    reporter.warning('kube-system/coredns has no Corefile: forward clusterset.local to ' + ip + ' in your cluster DNS by hand');
    return;
  }
  const updated = renderCorednsForward(corefile, { domains: [wellKnown.clustersetDomain, ...v.customDomains], dnsServiceIP: ip });
  if (updated !== corefile) {
    await core.replaceNamespacedConfigMap({ name: 'coredns', namespace: 'kube-system', body: { ...cm, data: { ...cm.data, Corefile: updated } } });
  }
}

function rethrowBroker(info: BrokerInfo): (err: unknown) => never {
  return (err: unknown) => {
    if (err instanceof UserError) throw err;
    if (apiStatus(err) !== undefined && apiStatus(err) !== 401 && apiStatus(err) !== 404) throw err;
    throw brokerError(info, err);
  };
}

