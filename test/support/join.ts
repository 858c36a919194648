// Deploying a broker and joining clusters through the project's libraries (what `deploy-broker` and `join` call),
// for tests and benchmarks that run the agents themselves rather than as pods.
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { deployBroker, type DeployBrokerOptions } from '../../src/broker/deploy.js';
import { joinCluster, type JoinOptions } from '../../src/broker/join.js';
import { MemoryReporter } from '../../src/base/reporter.js';
import { names } from '../../src/api/names.js';

export const brokerNamespace = names.defaultBrokerNamespace;

export interface MemberCluster {
  kc: KubeConfig;
  clusterCidr: string;
  serviceCidr: string;
}

/** deploy-broker's defaults, writing broker-info to `output`. */
export function brokerOptions(output: string, overrides: Partial<DeployBrokerOptions> = {}): DeployBrokerOptions {
  return {
    namespace: brokerNamespace,
    components: ['service-discovery', 'connectivity'],
    customDomains: [],
    globalnet: false,
    globalnetCidrRange: '242.0.0.0/8',
    globalnetClusterSize: 65536,
    enableClustersetIp: true,
    clustersetIpCidrRange: '243.0.0.0/8',
    output,
    ...overrides,
  };
}

/** join's defaults for a cluster with the given CIDRs (vxlan cable, no NAT traversal, no gateway labelling). */
export function joinOptions(brokerInfoFile: string, clusterId: string, cidrs: { clusterCidr: string; serviceCidr: string }, overrides: Partial<JoinOptions> = {}): JoinOptions {
  return {
    brokerInfoFile,
    clusterId,
    clusterCidr: cidrs.clusterCidr,
    serviceCidr: cidrs.serviceCidr,
    cableDriver: 'vxlan',
    natt: false,
    nattPort: 4500,
    healthCheck: true,
    preferredServer: false,
    forceUdpEncaps: false,
    airGapped: false,
    imageOverrides: [],
    gatewayNodes: [],
    labelGateway: false,
    ...overrides,
  };
}

/** Deploys the broker on `broker` and joins every member (cluster ID = its key), one after another. Returns the broker-info path. */
export async function deployAndJoin(
  broker: KubeConfig,
  members: Record<string, MemberCluster>,
  dir: string,
  brokerOverrides: Partial<DeployBrokerOptions> = {},
): Promise<string> {
  const brokerInfoFile = join(dir, 'broker-info.subm');
  const reporter = new MemoryReporter();
  await deployBroker(broker, brokerOptions(brokerInfoFile, brokerOverrides), reporter);
  for (const [id, m] of Object.entries(members)) await joinCluster(m.kc, joinOptions(brokerInfoFile, id, m), reporter);
  return brokerInfoFile;
}

/** The environment a component's rendered Deployment gives its container, with Secret references resolved. */
export async function deploymentEnv(kc: KubeConfig, component: keyof typeof names.workload): Promise<NodeJS.ProcessEnv> {
  const ns = names.defaultNamespace;
  const deployment = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: names.workload[component], namespace: ns });
  const env: NodeJS.ProcessEnv = {};
  for (const e of deployment.spec?.template.spec?.containers[0]?.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    if (ref !== undefined) {
      const secret = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ name: ref.name ?? '', namespace: ns });
      env[e.name] = Buffer.from(secret.data?.[ref.key] ?? '', 'base64').toString('utf8');
    } else if (e.value !== undefined) env[e.name] = e.value;
  }
  return env;
}
