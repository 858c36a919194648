import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Namespace, type V1Pod, type V1Service } from '@kubernetes/client-node';
import { ClusterGlobalEgressIPResource, GlobalIngressIPResource, SubmarinerResource } from '../api/generated.js';
import type { ClusterGlobalEgressIP, GlobalIngressIP, Submariner } from '../api/generated.js';
import { labels, names, wellKnown } from '../api/names.js';
import { apiErrorMessage, apiStatus, retryBusy } from '../kube/apply.js';
import { KubePodAccess, type ExecResult, type PodExec } from '../kube/exec.js';
import { exportService, unexportService } from '../lighthouse/export.js';
import { waitFor } from './probes.js';

/** Images of the test pods: a client with curl, dig, nc and iperf3, and an HTTP server on port 80. */
export interface Images {
  toolbox: string;
  server: string;
}

/** Images any cluster can pull (netshoot has curl, dig, nc and iperf3); the sandbox runs both names too. */
export const defaultImages: Images = { toolbox: 'nicolaka/netshoot', server: 'nginx' };

/** Keeps a toolbox container alive in any image (GNU and busybox sleep alike). */
export const idleCommand = ['sleep', '2147483647'];

/** What the tests need to know of a cluster. */
export interface ClusterFacts {
  clusterId: string;
  /** The GlobalNet CIDR; undefined when GlobalNet is off. */
  globalCidr: string | undefined;
  /** Nodes labelled submariner.io/gateway=true. */
  gatewayNodes: string[];
  /** Schedulable nodes that are not gateways. */
  otherNodes: string[];
}

export interface PodRequest {
  namespace: string;
  name: string;
  image: string;
  /** The container's command; the image's default when absent. */
  command?: string[];
  node: string;
  hostNetwork?: boolean;
  labels?: Record<string, string>;
  port?: number;
}

/** A pod that runs and is Ready. */
export interface RunningPod {
  namespace: string;
  name: string;
  container: string;
  ip: string;
  node: string;
}

/** What verify and benchmark do in one cluster: its facts, test workloads, exec, and the Submariner objects they touch. */
export interface TestCluster {
  readonly context: string;
  facts(): Promise<ClusterFacts>;
  createNamespace(name: string, component: string): Promise<void>;
  deleteNamespace(name: string): Promise<void>;
  runPod(req: PodRequest, timeoutMs: number): Promise<RunningPod>;
  /** Creates a ClusterIP Service; returns its cluster IP. */
  createService(namespace: string, name: string, selector: Record<string, string>, port: number): Promise<string>;
  exec(pod: RunningPod, command: readonly string[], timeoutMs: number): Promise<ExecResult>;
  logs(pod: RunningPod): Promise<string>;
  exportService(namespace: string, name: string): Promise<void>;
  unexportService(namespace: string, name: string): Promise<void>;
  /** The gateway pod labelled gateway.submariner.io/status=active. */
  activeGateway(): Promise<{ pod: string; node: string } | undefined>;
  deleteAgentPod(name: string): Promise<void>;
  /** The global IPs of the cluster-egress ClusterGlobalEgressIP (none when GlobalNet has not allocated them). */
  clusterEgressIPs(): Promise<string[]>;
  /** The global IP GlobalNet allocated to an exported ClusterIP Service, if any. */
  globalIngressIP(namespace: string, service: string): Promise<string | undefined>;
}

const managedBy = 'app.kubernetes.io/managed-by';
const componentLabel = 'app.kubernetes.io/component';

export function namespaceManifest(name: string, component: string): V1Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { [managedBy]: 'kubectl-submariner', [componentLabel]: component } } };
}

/** A one-container pod pinned to a node (nodeName, so no scheduler decision can move it off a gateway). */
export function podManifest(req: PodRequest): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: req.name, namespace: req.namespace, labels: { [managedBy]: 'kubectl-submariner', ...req.labels } },
    spec: {
      nodeName: req.node,
      ...(req.hostNetwork === true ? { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' } : {}),
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 1,
      tolerations: [{ operator: 'Exists' }],
      containers: [
        {
          name: req.name,
          image: req.image,
          ...(req.command ? { command: req.command } : {}),
          ...(req.port !== undefined ? { ports: [{ containerPort: req.port }] } : {}),
        },
      ],
    },
  };
}

export function serviceManifest(namespace: string, name: string, selector: Record<string, string>, port: number): V1Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector, ports: [{ port, targetPort: port, protocol: 'TCP' }] } };
}

const pullFailures = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'CrashLoopBackOff', 'CreateContainerError', 'RunContainerError']);

/** Why a pod will not become Ready, when its status says so; undefined while it may still get there. */
export function podFailure(pod: V1Pod): string | undefined {
  if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') return `pod ended (${pod.status.phase}${pod.status.message ? `: ${pod.status.message}` : ''})`;
  for (const c of pod.status?.containerStatuses ?? []) {
    const w = c.state?.waiting;
    if (w?.reason !== undefined && pullFailures.has(w.reason)) return `${w.reason}${w.message ? `: ${w.message}` : ''}`;
  }
  return undefined;
}

export function podReady(pod: V1Pod): boolean {
  return pod.status?.phase === 'Running' && (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** A cluster reached through a kubeconfig context: the Kubernetes API and pods/exec only. */
export class KubeTestCluster implements TestCluster {
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;
  private readonly executor: PodExec;

  constructor(
    readonly context: string,
    private readonly kc: KubeConfig,
    private readonly operatorNamespace: string = names.defaultNamespace,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.executor = new KubePodAccess(kc);
  }

  async facts(): Promise<ClusterFacts> {
    const r = SubmarinerResource;
    const subm = (await this.custom
      .getNamespacedCustomObject({ group: r.group, version: r.version, plural: r.plural, namespace: this.operatorNamespace, name: names.submarinerCR })
      .catch((err: unknown) => {
        if (apiStatus(err) === 404) {
          throw new Error(`no Submariner object ${this.operatorNamespace}/${names.submarinerCR} in context ${this.context}: join the cluster first (kubectl submariner join)`);
        }
        throw err;
      })) as Submariner;
    const nodes = (await retryBusy(() => this.core.listNode())).items.filter(
      (n) => n.spec?.unschedulable !== true && n.metadata?.labels?.['node-role.kubernetes.io/control-plane'] === undefined,
    );
    const isGateway = (l: Record<string, string> | undefined): boolean => l?.[labels.gateway] === 'true';
    const globalCidr = subm.status?.globalCIDR ?? subm.spec.globalCIDR;
    return {
      clusterId: subm.spec.clusterID ?? this.context,
      globalCidr: globalCidr === undefined || globalCidr === '' ? undefined : globalCidr,
      gatewayNodes: nodes.filter((n) => isGateway(n.metadata?.labels)).map((n) => n.metadata?.name ?? ''),
      otherNodes: nodes.filter((n) => !isGateway(n.metadata?.labels)).map((n) => n.metadata?.name ?? ''),
    };
  }

  async createNamespace(name: string, component: string): Promise<void> {
    await retryBusy(() => this.core.createNamespace({ body: namespaceManifest(name, component) }));
  }

  async deleteNamespace(name: string): Promise<void> {
    try {
      await this.core.deleteNamespace({ name, propagationPolicy: 'Background' });
    } catch (err) {
      if (apiStatus(err) !== 404) throw new Error(`cannot delete namespace ${name} in ${this.context}: ${apiErrorMessage(err)}`, { cause: err });
    }
  }

  async runPod(req: PodRequest, timeoutMs: number): Promise<RunningPod> {
    await retryBusy(() => this.core.createNamespacedPod({ namespace: req.namespace, body: podManifest(req) }));
    const pod = await waitFor(`pod ${req.namespace}/${req.name} (${req.image}) Ready on node ${req.node} in ${this.context}`, timeoutMs, async () => {
      const p = await this.core.readNamespacedPod({ namespace: req.namespace, name: req.name });
      const failure = podFailure(p);
      if (failure !== undefined) throw new Error(`pod ${req.namespace}/${req.name} (${req.image}) in ${this.context} failed: ${failure}`);
      return { value: podReady(p) && p.status?.podIP ? p : undefined, seen: p.status?.phase ?? 'no status' };
    }, { failFast: (err) => /failed: /.test(String(err)) });
    return { namespace: req.namespace, name: req.name, container: req.name, ip: pod.status?.podIP ?? '', node: req.node };
  }

  async createService(namespace: string, name: string, selector: Record<string, string>, port: number): Promise<string> {
    const svc = await retryBusy(() => this.core.createNamespacedService({ namespace, body: serviceManifest(namespace, name, selector, port) }));
    const ip = svc.spec?.clusterIP;
    if (!ip) throw new Error(`service ${namespace}/${name} in ${this.context} got no cluster IP`);
    return ip;
  }

  exec(pod: RunningPod, command: readonly string[], timeoutMs: number): Promise<ExecResult> {
    return this.executor.exec({ namespace: pod.namespace, name: pod.name, container: pod.container }, command, timeoutMs);
  }

  async logs(pod: RunningPod): Promise<string> {
    return this.core.readNamespacedPodLog({ namespace: pod.namespace, name: pod.name, container: pod.container });
  }

  async exportService(namespace: string, name: string): Promise<void> {
    await exportService(this.kc, { namespace, name });
  }

  async unexportService(namespace: string, name: string): Promise<void> {
    await unexportService(this.kc, namespace, name);
  }

  async activeGateway(): Promise<{ pod: string; node: string } | undefined> {
    const pods = await this.core.listNamespacedPod({ namespace: this.operatorNamespace, labelSelector: `${labels.gatewayStatus}=active` });
    const p = pods.items.find((x) => x.metadata?.deletionTimestamp === undefined && podReady(x));
    return p ? { pod: p.metadata?.name ?? '', node: p.spec?.nodeName ?? '' } : undefined;
  }

  async deleteAgentPod(name: string): Promise<void> {
    await this.core.deleteNamespacedPod({ namespace: this.operatorNamespace, name });
  }

  async clusterEgressIPs(): Promise<string[]> {
    const r = ClusterGlobalEgressIPResource;
    try {
      const obj = (await this.custom.getClusterCustomObject({ group: r.group, version: r.version, plural: r.plural, name: wellKnown.clusterEgressIP })) as ClusterGlobalEgressIP;
      return obj.status?.allocatedIPs ?? [];
    } catch (err) {
      if (apiStatus(err) === 404) return [];
      throw err;
    }
  }

  async globalIngressIP(namespace: string, service: string): Promise<string | undefined> {
    const r = GlobalIngressIPResource;
    const list = (await this.custom.listNamespacedCustomObject({ group: r.group, version: r.version, plural: r.plural, namespace }).catch((err: unknown) => {
      if (apiStatus(err) === 404) return { items: [] };
      throw err;
    })) as { items: GlobalIngressIP[] };
    const ip = list.items.find((g) => g.spec.target === 'ClusterIPService' && g.spec.serviceRef?.name === service)?.status?.allocatedIP;
    return ip === '' ? undefined : ip;
  }
}

/** A random suffix for the names of test namespaces, so that runs never collide. */
export function runSuffix(random: () => number = Math.random): string {
  return random().toString(36).slice(2, 7).padEnd(5, '0');
}
