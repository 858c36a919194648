import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { Crd } from '../api/crd-files.js';
import { ServiceDiscoveryResource, SubmarinerResource } from '../api/generated.js';
import { applyCrds } from '../api/install.js';
import { corednsConfigMap, LIGHTHOUSE_START, names, wellKnown } from '../api/names.js';
import { UserError } from '../base/errors.js';
import type { Reporter } from '../base/reporter.js';
import { clientVersion } from '../base/version.js';
import { applyObjects, retryBusy, undefinedIfNotFound } from '../kube/apply.js';
import { checkCidr, checkDnsLabel } from '../render/fields.js';
import { parseClusterValues, parseImageOverrides, renderCluster, type CableDriverName, type ClusterValues, type KubeObject } from '../render/index.js';
import { cableDrivers } from '../render/values.js';
import { brokerComponents, readBrokerInfoFile } from './broker-info.js';
import { connectBroker, type BrokerSpec } from './broker-client.js';
import { discoverNetworks } from './discover.js';
import { brokerAccessFromInfo, checkMember, registerMember, type MemberSpec } from './membership.js';

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
  /** undefined: follow the broker (`deploy-broker --enable-clusterset-ip`). */
  enableClustersetIp?: boolean | undefined;
  /** This cluster's block of the clusterset IP range; otherwise the first free one. */
  clustersetIpCidr?: string | undefined;
  preferredServer: boolean;
  forceUdpEncaps: boolean;
  airGapped: boolean;
  /** Registry path of the agent image; undefined: this project's default. */
  repository?: string | undefined;
  /** Tag of the agent image; undefined: the plugin's version. */
  version?: string | undefined;
  imageOverrides: string[];
  gatewayNodes: string[];
  labelGateway: boolean;
  namespace?: string | undefined;
  /** How long to wait for the operator to label the gateway nodes and configure CoreDNS (default 120 s). */
  operatorTimeoutMs?: number;
}

export interface JoinResult {
  clusterId: string;
  clusterCidrs: string[];
  serviceCidrs: string[];
  globalCidr: string | undefined;
  gatewayNodes: string[];
  components: string[];
  /** The values the cluster was rendered from (they hold its broker token and the PSK: never print them). */
  values: ClusterValues;
}

/** A cluster ID from a kube context name, as subctl derives it: lower-case, DNS-1123 label characters only. */
export function clusterIdFromContext(context: string): string {
  return context.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
}

/**
 * Joins the cluster of `kc` to the broker of a broker-info file: membership on the broker (checks, then
 * registration), then a server-side apply of exactly what `renderCluster` returns. The operator among the
 * rendered agents labels the gateway nodes and configures CoreDNS from inside the cluster; join waits for it.
 * Everything is checked before anything is written, and a re-run converges.
 */
export async function joinCluster(kc: KubeConfig, o: JoinOptions, reporter: Reporter): Promise<JoinResult> {
  const info = await reporter.step(`Reading ${o.brokerInfoFile}`, () => readBrokerInfoFile(o.brokerInfoFile));
  validateJoinOptions(o);
  const core = kc.makeApiClient(CoreV1Api);
  const brokerSpec = await reporter.step(`Connecting to the broker at ${info.brokerURL}`, () => connectBroker(info));
  const components = brokerComponents(info);

  const networks = await reporter.step('Discovering the cluster networks', async () => {
    const found = await discoverNetworks(kc);
    const clusterCidrs = o.clusterCidr ? [o.clusterCidr] : found.clusterCidrs;
    const serviceCidrs = o.serviceCidr ? [o.serviceCidr] : found.serviceCidrs;
    if (clusterCidrs.length === 0) throw new UserError('cannot discover the cluster\'s Pod CIDR: pass it with --clustercidr (e.g. 10.244.0.0/16)');
    if (serviceCidrs.length === 0) throw new UserError('cannot discover the cluster\'s Service CIDR: pass it with --servicecidr (e.g. 10.96.0.0/16)');
    reporter.info(`Pod CIDRs ${clusterCidrs.join(',')} (${o.clusterCidr ? '--clustercidr' : found.sources.cluster}), Service CIDRs ${serviceCidrs.join(',')} (${o.serviceCidr ? '--servicecidr' : found.sources.service})`);
    return { clusterCidrs, serviceCidrs };
  });
  if (o.gatewayNodes.length > 0 && components.includes('connectivity')) await checkGatewayNodes(core, o.gatewayNodes);
  const member: MemberSpec = {
    clusterId: o.clusterId,
    clusterUid: (await core.readNamespace({ name: 'kube-system' })).metadata?.uid ?? '',
    ...networks,
    globalnet: globalnetWanted(brokerSpec, o),
    globalnetCidr: o.globalnetCidr,
    serviceDiscovery: components.includes('service-discovery'),
    clustersetIpCidr: o.clustersetIpCidr,
  };
  const broker = brokerAccessFromInfo(info);

  await reporter.step(`Checking that cluster ID ${o.clusterId} is free and the networks do not overlap`, async () => {
    await checkLocalMembership(kc, o.clusterId);
    await checkMember(broker, member);
  });
  const { token, globalCidr, clustersetIpCidr } = await registerMember(broker, member, reporter);

  const values = parseClusterValues({
    clusterId: o.clusterId,
    ...(o.namespace ? { namespace: o.namespace } : {}),
    broker: { server: info.brokerURL, ca: info.ca, token, namespace: info.namespace },
    ipsecPsk: info.ipsecPsk ?? '',
    cableDriver: o.cableDriver as CableDriverName,
    natEnabled: o.natt,
    nattPort: o.nattPort,
    preferredServer: o.preferredServer,
    forceUdpEncaps: o.forceUdpEncaps,
    healthCheck: { enabled: o.healthCheck },
    ...networks,
    globalnet: { enabled: globalCidr !== undefined, globalCidr: globalCidr ?? '' },
    clustersetIp: { enabled: o.enableClustersetIp ?? brokerSpec.clustersetIPEnabled ?? false, cidr: clustersetIpCidr ?? '' },
    customDomains: info.customDomains,
    airGapped: o.airGapped,
    ...(o.repository !== undefined ? { repository: o.repository } : {}),
    version: o.version ?? clientVersion().gitVersion.replace(/^v/, ''),
    imageOverrides: o.imageOverrides,
    componentsEnabled: components as ClusterValues['componentsEnabled'],
    gatewayNodes: o.gatewayNodes,
    labelGateway: o.labelGateway,
  });
  await reporter.step('Deploying the Submariner agents', () => applyCluster(kc, renderCluster(values)));
  const timeoutMs = o.operatorTimeoutMs ?? 120_000;
  const gatewayNodes = values.componentsEnabled.includes('connectivity') ? await awaitGatewayNodes(core, values, timeoutMs, reporter) : [];
  if (values.componentsEnabled.includes('service-discovery')) await awaitCorednsForward(core, values, timeoutMs, reporter);
  return { clusterId: o.clusterId, ...networks, globalCidr, gatewayNodes, components, values };
}

/** Server-side applies a rendered cluster in order; the CRDs first, served before the objects that use them. */
export async function applyCluster(kc: KubeConfig, objects: readonly KubeObject[]): Promise<void> {
  const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition');
  await applyCrds(kc, crds as unknown as Crd[]);
  await applyObjects(kc, objects.filter((o) => o.kind !== 'CustomResourceDefinition'));
}

/** Flag checks that need no cluster, before anything is contacted. */
export function validateJoinOptions(o: JoinOptions): void {
  checkDnsLabel(o.clusterId, '--clusterid');
  if (o.clusterCidr !== undefined) checkCidr(o.clusterCidr, '--clustercidr');
  if (o.serviceCidr !== undefined) checkCidr(o.serviceCidr, '--servicecidr');
  if (o.globalnetCidr !== undefined) checkCidr(o.globalnetCidr, '--globalnet-cidr');
  if (o.clustersetIpCidr !== undefined) checkCidr(o.clustersetIpCidr, '--clusterset-ip-cidr');
  if (!(cableDrivers as readonly string[]).includes(o.cableDriver)) {
    throw new UserError(`--cable-driver ${o.cableDriver} is not supported: use one of ${cableDrivers.join(', ')}`);
  }
  if (!Number.isInteger(o.nattPort) || o.nattPort < 1 || o.nattPort > 65535) throw new UserError(`--nattport ${o.nattPort} is not a port (1-65535)`);
  if (o.repository !== undefined && (o.repository === '' || /[\s:@]$|^[/.]|\s/.test(o.repository))) {
    throw new UserError(`--repository "${o.repository}" is not a registry path: use e.g. registry.example.com/submariner`);
  }
  if (o.version !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(o.version)) {
    throw new UserError(`--version "${o.version}" is not an image tag: use e.g. 0.1.0`);
  }
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

async function checkGatewayNodes(core: CoreV1Api, wanted: string[]): Promise<void> {
  const nodes = (await core.listNode()).items.map((n) => n.metadata?.name ?? '');
  const missing = wanted.filter((g) => !nodes.includes(g));
  if (missing.length > 0) {
    throw new UserError(`--gateway-node ${missing.join(', ')}: no such node; the cluster's nodes are ${nodes.join(', ')}`);
  }
}

/** This cluster may not already be joined under another ID. */
async function checkLocalMembership(kc: KubeConfig, clusterId: string): Promise<void> {
  const api = kc.makeApiClient(CustomObjectsApi);
  for (const [r, name] of [[SubmarinerResource, names.submarinerCR], [ServiceDiscoveryResource, names.serviceDiscoveryCR]] as const) {
    const existing = (await retryBusy(() =>
      api.getNamespacedCustomObject({ group: r.group, version: r.version, namespace: names.defaultNamespace, plural: r.plural, name }),
    ).catch(() => undefined)) as { spec?: { clusterID?: string } } | undefined;
    const other = existing?.spec?.clusterID;
    if (other !== undefined && other !== clusterId) {
      throw new UserError(`this cluster has already joined as ${other}: run \`kubectl submariner uninstall\` first, or join again with --clusterid ${other}`);
    }
  }
}

async function poll<T>(timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined || Date.now() >= deadline) return found;
    await new Promise((r) => setTimeout(r, 300));
  }
}

const operatorHint = (v: ClusterValues): string => `check the operator with \`kubectl -n ${v.namespace} logs deployment/${names.workload.operator}\``;

/** The gateway nodes once the operator has labelled them (the named ones, or one it picked); none when labelling is off. */
async function awaitGatewayNodes(core: CoreV1Api, v: ClusterValues, timeoutMs: number, reporter: Reporter): Promise<string[]> {
  const selector = Object.entries(v.gatewayNodeSelector).map(([k, val]) => `${k}=${val}`).join(',');
  const labelled = async (): Promise<string[]> => (await core.listNode({ labelSelector: selector })).items.map((n) => n.metadata?.name ?? '');
  if (v.gatewayNodes.length === 0 && !v.labelGateway) return labelled();
  const title = v.gatewayNodes.length > 0 ? `Labelling gateway node${v.gatewayNodes.length > 1 ? 's' : ''} ${v.gatewayNodes.join(', ')}` : 'Labelling a gateway node';
  const nodes = await reporter.step(title, () =>
    poll(timeoutMs, async () => {
      const now = await labelled();
      const done = v.gatewayNodes.length > 0 ? v.gatewayNodes.every((n) => now.includes(n)) : now.length > 0;
      return done ? now : undefined;
    }),
  );
  if (nodes === undefined) {
    reporter.warning(`no gateway node is labelled ${selector} yet: ${operatorHint(v)}`);
    return labelled();
  }
  reporter.info(`Gateway node${nodes.length > 1 ? 's' : ''}: ${nodes.join(', ')}`);
  return nodes;
}

/** Waits until the operator has put the Lighthouse block into CoreDNS's Corefile. */
async function awaitCorednsForward(core: CoreV1Api, v: ClusterValues, timeoutMs: number, reporter: Reporter): Promise<void> {
  await reporter.step(`Forwarding ${wellKnown.clustersetDomain} from CoreDNS to Lighthouse`, async () => {
    const corefile = async (): Promise<string | undefined> =>
      (
        await core.readNamespacedConfigMap({ name: corednsConfigMap.name, namespace: corednsConfigMap.namespace }).catch(undefinedIfNotFound)
      )?.data?.[corednsConfigMap.key];
    if ((await corefile()) === undefined) {
      const ip = (await core.readNamespacedService({ name: names.lighthouseDnsService, namespace: v.namespace })).spec?.clusterIP ?? '?';
      reporter.warning(`kube-system/coredns has no Corefile: forward ${wellKnown.clustersetDomain} to ${ip} in your cluster DNS by hand`);
      return;
    }
    const forwarded = await poll(timeoutMs, async () => ((await corefile())?.includes(LIGHTHOUSE_START) === true ? true : undefined));
    if (forwarded === undefined) reporter.warning(`CoreDNS does not forward ${wellKnown.clustersetDomain} to Lighthouse yet: ${operatorHint(v)}`);
  });
}
