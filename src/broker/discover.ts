import { CoreV1Api, NetworkingV1Api, type KubeConfig } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { apiErrorMessage } from '../kube/apply.js';
import { cidrSize, formatCidr, parseCidr, type Cidr } from '../net/cidr.js';

export interface ClusterNetworks {
  clusterCidrs: string[];
  serviceCidrs: string[];
  /** Where each came from, for the user. */
  sources: { cluster: string; service: string };
}

/**
 * Discovers a cluster's Pod and Service CIDRs the way subctl does, most reliable first: the control-plane
 * flags when the control plane runs as pods, kube-proxy's configured clusterCIDR, the ServiceCIDR API,
 * the nodes' podCIDRs, and the apiserver's answer to an out-of-range ClusterIP.
 */
export async function discoverNetworks(kc: KubeConfig): Promise<ClusterNetworks> {
  const core = kc.makeApiClient(CoreV1Api);
  const flags = await controlPlaneFlags(core);
  let cluster = flags.clusterCidr ? { cidrs: [flags.clusterCidr], source: 'kube-controller-manager --cluster-cidr' } : undefined;
  cluster ??= await kubeProxyClusterCidr(kc);
  cluster ??= await nodePodCidrs(core);
  let service = flags.serviceCidr ? { cidrs: [flags.serviceCidr], source: 'kube-apiserver --service-cluster-ip-range' } : undefined;
  service ??= await serviceCidrObjects(kc);
  service ??= await probeServiceCidr(core);
  return {
    clusterCidrs: cluster?.cidrs ?? [],
    serviceCidrs: service?.cidrs ?? [],
    sources: { cluster: cluster?.source ?? 'not found', service: service?.source ?? 'not found' },
  };
}

interface Found {
  cidrs: string[];
  source: string;
}

async function controlPlaneFlags(core: CoreV1Api): Promise<{ clusterCidr?: string; serviceCidr?: string }> {
  const pods = await core.listNamespacedPod({ namespace: 'kube-system' }).catch(() => undefined);
  const out: { clusterCidr?: string; serviceCidr?: string } = {};
  for (const pod of pods?.items ?? []) {
    for (const c of pod.spec?.containers ?? []) {
      for (const arg of [...(c.command ?? []), ...(c.args ?? [])]) {
        const m = /^--(cluster-cidr|service-cluster-ip-range)=(.+)$/.exec(arg);
        if (m?.[1] === 'cluster-cidr') out.clusterCidr = m[2]?.split(',')[0];
        if (m?.[1] === 'service-cluster-ip-range') out.serviceCidr = m[2]?.split(',')[0];
      }
    }
  }
  return out;
}

async function kubeProxyClusterCidr(kc: KubeConfig): Promise<Found | undefined> {
  const cm = await kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: 'kube-proxy', namespace: 'kube-system' }).catch(() => undefined);
  const conf = cm?.data?.['config.conf'];
  if (!conf) return undefined;
  const parsed = yaml.load(conf) as { clusterCIDR?: string } | undefined;
  const cidr = parsed?.clusterCIDR?.split(',')[0];
  return cidr ? { cidrs: [cidr], source: 'kube-proxy clusterCIDR' } : undefined;
}

async function nodePodCidrs(core: CoreV1Api): Promise<Found | undefined> {
  const nodes = (await core.listNode()).items;
  const cidrs = nodes.map((n) => n.spec?.podCIDR).filter((c): c is string => !!c && !c.includes(':'));
  if (cidrs.length === 0) return undefined;
  return { cidrs: [formatCidr(covering(cidrs.map((c) => parseCidr(c, false))))], source: 'node podCIDRs' };
}

/** The smallest block covering every given block. */
function covering(blocks: Cidr[]): Cidr {
  let prefix = Math.min(...blocks.map((b) => b.prefix));
  for (; prefix > 0; prefix--) {
    const size = 2 ** (32 - prefix);
    const base = (blocks[0]?.base ?? 0) - ((blocks[0]?.base ?? 0) % size);
    if (blocks.every((b) => b.base >= base && b.base + cidrSize(b) <= base + size)) return { base, prefix };
  }
  return { base: 0, prefix: 0 };
}

async function serviceCidrObjects(kc: KubeConfig): Promise<Found | undefined> {
  const list = await kc.makeApiClient(NetworkingV1Api).listServiceCIDR().catch(() => undefined);
  const cidrs = (list?.items ?? []).flatMap((s) => s.spec?.cidrs ?? []).filter((c) => !c.includes(':'));
  return cidrs.length > 0 ? { cidrs, source: 'ServiceCIDR objects' } : undefined;
}

/** Asks the apiserver to validate an out-of-range ClusterIP (dry run) and reads the valid range from its answer. */
async function probeServiceCidr(core: CoreV1Api): Promise<Found | undefined> {
  try {
    await core.createNamespacedService({
      namespace: 'default',
      dryRun: 'All',
      body: { metadata: { name: 'submariner-cidr-probe' }, spec: { clusterIP: '1.1.1.1', ports: [{ port: 80 }] } },
    });
  } catch (err) {
    const body = apiErrorMessage(err);
    const m = /valid IPs is ([0-9./]+)/.exec(body);
    if (m?.[1]) return { cidrs: [m[1]], source: 'apiserver ClusterIP range' };
  }
  return undefined;
}
