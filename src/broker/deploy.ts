import { randomBytes } from 'node:crypto';
import { CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { installCrds } from '../api/install.js';
import { managedByLabels, names } from '../api/names.js';
import { UserError } from '../base/errors.js';
import type { Reporter } from '../base/reporter.js';
import { applyObjects, undefinedIfNotFound } from '../kube/apply.js';
import { cidrsOverlap } from '../net/cidr.js';
import { checkCidr } from '../render/fields.js';
import { readBrokerInfoFile, writeBrokerInfoFile, type BrokerInfo } from './broker-info.js';
import { adminTokenSecret, renderBroker, type BrokerValues } from './objects.js';

export const brokerComponents = ['service-discovery', 'connectivity'] as const;

export interface DeployBrokerOptions {
  namespace: string;
  components: string[];
  customDomains: string[];
  globalnet: boolean;
  globalnetCidrRange: string;
  globalnetClusterSize: number;
  enableClustersetIp: boolean;
  clustersetIpCidrRange: string;
  /** A broker-info file whose PSK to reuse. */
  ipsecPskFrom?: string | undefined;
  /** The URL members reach the broker at (default: the kubeconfig's server). */
  brokerUrl?: string | undefined;
  /** Where to write broker-info.subm. */
  output: string;
}

export interface DeployBrokerResult {
  brokerUrl: string;
  file: string;
  backup: string | undefined;
  info: BrokerInfo;
}

/** Validates flags before anything is created; every message names the bad value and the fix. */
export function validateBrokerOptions(o: DeployBrokerOptions): void {
  const unknown = o.components.filter((c) => !(brokerComponents as readonly string[]).includes(c));
  if (unknown.length > 0 || o.components.length === 0) {
    throw new UserError(`--components ${o.components.join(',')}: unknown component ${unknown.join(', ') || '(none given)'}; use ${brokerComponents.join(', ')}`);
  }
  checkCidr(o.globalnetCidrRange, '--globalnet-cidr-range');
  if (o.globalnet && o.components.includes('service-discovery') && cidrsOverlap(o.globalnetCidrRange, '169.254.0.0/16')) {
    throw new UserError(
      `--globalnet-cidr-range ${o.globalnetCidrRange} overlaps the link-local range 169.254.0.0/16, which Kubernetes refuses in ` +
        'EndpointSlices, so exported services could not be published: use another range, such as the default 242.0.0.0/8',
    );
  }
  checkCidr(o.clustersetIpCidrRange, '--clusterset-ip-cidr-range');
  const size = o.globalnetClusterSize;
  if (!Number.isInteger(size) || size < 4 || (size & (size - 1)) !== 0) {
    throw new UserError(`--globalnet-cluster-size ${size} must be a power of two of at least 4 (e.g. 65536 for a /16)`);
  }
  if (o.brokerUrl !== undefined && !/^https:\/\/[^/\s]+/.test(withScheme(o.brokerUrl))) {
    throw new UserError(`--broker-url ${o.brokerUrl} is not a URL: use https://host:port`);
  }
}

function withScheme(url: string): string {
  return /^[a-z]+:\/\//.test(url) ? url : `https://${url}`;
}

/**
 * Deploys the broker on the cluster of `kc` (CRDs, namespace, Broker, RBAC, ownership policy, IPsec PSK,
 * globalnet ConfigMap) and writes broker-info.subm. Re-running converges and keeps the PSK.
 */
export async function deployBroker(kc: KubeConfig, o: DeployBrokerOptions, reporter: Reporter): Promise<DeployBrokerResult> {
  validateBrokerOptions(o);
  const reusedPsk = o.ipsecPskFrom !== undefined ? (await readBrokerInfoFile(o.ipsecPskFrom)).ipsecPsk : undefined;
  if (o.ipsecPskFrom !== undefined && reusedPsk === undefined) {
    throw new UserError(`${o.ipsecPskFrom} carries no IPsec PSK: pass a broker-info file written by deploy-broker`);
  }
  const server = kc.getCurrentCluster()?.server ?? '';
  const brokerUrl = withScheme(o.brokerUrl ?? server);
  const values: BrokerValues = {
    namespace: o.namespace,
    components: [...o.components].sort(),
    customDomains: o.customDomains,
    globalnet: { enabled: o.globalnet, cidrRange: o.globalnetCidrRange, clusterSize: o.globalnetClusterSize },
    clustersetIp: { enabled: o.enableClustersetIp, cidrRange: o.clustersetIpCidrRange },
  };
  await reporter.step('Installing the Submariner and MCS CRDs', () => installCrds(kc));
  await reporter.step(`Deploying the broker in namespace ${o.namespace}`, () => applyObjects(kc, renderBroker(values)));
  const core = kc.makeApiClient(CoreV1Api);
  const psk = await reporter.step('Creating the IPsec PSK', () => ensurePsk(core, o.namespace, reusedPsk));
  const token = await reporter.step('Waiting for the broker admin token', () => waitToken(core, o.namespace, adminTokenSecret));
  const info: BrokerInfo = {
    brokerURL: brokerUrl,
    token: Buffer.from(token.data?.token ?? '', 'base64').toString('utf8'),
    ca: token.data?.['ca.crt'] ?? '',
    namespace: o.namespace,
    ipsecPsk: psk,
    serviceDiscovery: o.components.includes('service-discovery'),
    components: values.components,
    customDomains: o.customDomains,
    globalnet: o.globalnet,
  };
  const { backup } = await reporter.step(`Writing ${o.output}`, () => writeBrokerInfoFile(o.output, info));
  return { brokerUrl, file: o.output, backup, info };
}

/** The broker's PSK Secret: created once with 48 random bytes (or the reused PSK), then kept. Returns the base64 PSK. */
export async function ensurePsk(core: CoreV1Api, namespace: string, reused: string | undefined): Promise<string> {
  const name = names.ipsecPskSecret;
  const existing = await core.readNamespacedSecret({ name, namespace }).catch(undefinedIfNotFound);
  const want = reused ?? existing?.data?.psk ?? randomBytes(48).toString('base64');
  const body: V1Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: { ...managedByLabels } },
    type: 'Opaque',
    data: { psk: want },
  };
  if (existing === undefined) await core.createNamespacedSecret({ namespace, body });
  else if (existing.data?.psk !== want) await core.replaceNamespacedSecret({ name, namespace, body });
  return want;
}

/** Waits for the token controller to fill a service-account token Secret. */
export async function waitToken(core: CoreV1Api, namespace: string, name: string, timeoutMs = 60_000): Promise<V1Secret> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await core.readNamespacedSecret({ name, namespace });
    if (s.data?.token && s.data['ca.crt']) return s;
    if (Date.now() > deadline) throw new Error(`the token of ${namespace}/${name} was not issued within ${timeoutMs / 1000}s (is the token controller running?)`);
    await sleep(200);
  }
}
