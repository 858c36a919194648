import { AppsV1Api, CoreV1Api, DiscoveryV1Api, VersionApi, type V1DaemonSet, type V1Deployment, type V1EndpointSlice, type V1Node, type V1Pod, type V1Service } from '@kubernetes/client-node';
import {
  ClusterGlobalEgressIPResource,
  ClusterResource,
  EndpointResource,
  GatewayResource,
  GlobalEgressIPResource,
  GlobalIngressIPResource,
  RouteAgentResource,
  ServiceDiscoveryResource,
  ServiceExportResource,
  ServiceImportResource,
  SubmarinerResource,
  type Cluster,
  type ClusterGlobalEgressIP,
  type Endpoint,
  type Gateway,
  type GlobalEgressIP,
  type GlobalIngressIP,
  type RouteAgent,
  type ServiceDiscovery,
  type ServiceExport,
  type ServiceImport,
  type Submariner,
} from '../api/generated.js';
import { labels, lighthouseManagedBy } from '../api/names.js';
import type { ExecResult, PodExec } from '../kube/exec.js';
import { names } from '../api/names.js';
import { list, type Target } from '../show/data/gather.js';

/** Everything the single-cluster checks read, recorded from one cluster (tests build it by hand). */
export interface ClusterInputs {
  context: string;
  namespace: string;
  /** The API server's version (`/version`); undefined when it did not answer. */
  version?: { major: string; minor: string; gitVersion: string } | undefined;
  nodes: V1Node[];
  submariner?: Submariner | undefined;
  serviceDiscovery?: ServiceDiscovery | undefined;
  daemonSets: V1DaemonSet[];
  deployments: V1Deployment[];
  /** The pods of the Submariner namespace. */
  pods: V1Pod[];
  gateways: Gateway[];
  endpoints: Endpoint[];
  clusters: Cluster[];
  routeAgents: RouteAgent[];
  serviceExports: ServiceExport[];
  serviceImports: ServiceImport[];
  /** Lighthouse's EndpointSlices, all namespaces. */
  endpointSlices: V1EndpointSlice[];
  /** The Services of the namespaces that export one. */
  services: V1Service[];
  clusterGlobalEgressIPs: ClusterGlobalEgressIP[];
  globalEgressIPs: GlobalEgressIP[];
  globalIngressIPs: GlobalIngressIP[];
  /** Outputs of the node commands, by node name then command name, run in each node's route-agent pod. */
  nodeOutputs: Record<string, Record<string, ExecResult>>;
}

/** A command run on every node through its route-agent pod (host network). */
export interface NodeCommand {
  name: string;
  argv: string[];
}

/** What the node-level checks (kube-proxy mode, MTU/MSS) read from each node. */
export const diagnoseNodeCommands: NodeCommand[] = [
  { name: 'ip_-d_link', argv: ['ip', '-d', 'link', 'show'] },
  { name: 'ip_route_default', argv: ['ip', 'route', 'show', 'default'] },
  { name: 'iptables-save_mangle', argv: ['iptables-save', '-t', 'mangle'] },
];

/** The agent pods of `component` (by their `app` label). */
export function agentPods(inputs: Pick<ClusterInputs, 'pods'>, component: keyof typeof names.workload): V1Pod[] {
  return inputs.pods.filter((p) => p.metadata?.labels?.app === names.workload[component]);
}

export function podRunning(p: V1Pod): boolean {
  return p.status?.phase === 'Running' && p.metadata?.deletionTimestamp === undefined;
}

/** Runs `commands` in every running route-agent pod, by node. */
export async function runNodeCommands(
  inputs: Pick<ClusterInputs, 'pods' | 'namespace'>,
  exec: PodExec,
  commands: readonly NodeCommand[],
  onNode?: (node: string) => void,
): Promise<Record<string, Record<string, ExecResult>>> {
  const out: Record<string, Record<string, ExecResult>> = {};
  await Promise.all(
    agentPods(inputs, 'routeagent')
      .filter(podRunning)
      .map(async (p) => {
        const node = p.spec?.nodeName ?? p.metadata?.name ?? '';
        onNode?.(node);
        const results: Record<string, ExecResult> = {};
        for (const c of commands) {
          results[c.name] = await exec.exec({ namespace: inputs.namespace, name: p.metadata?.name ?? '', container: names.workload.routeagent }, c.argv).catch(
            (err: unknown) => ({ code: 126, stdout: '', stderr: err instanceof Error ? err.message : String(err) }),
          );
        }
        out[node] = results;
      }),
  );
  return out;
}

const none = <T>(): Promise<{ items: T[] }> => Promise.resolve({ items: [] });

/** Reads a cluster's objects (the thin gatherer in front of the pure checks). */
export async function collectInputs(t: Target, exec: PodExec | undefined, commands: readonly NodeCommand[] = diagnoseNodeCommands): Promise<ClusterInputs> {
  const core = t.kc.makeApiClient(CoreV1Api);
  const apps = t.kc.makeApiClient(AppsV1Api);
  const discovery = t.kc.makeApiClient(DiscoveryV1Api);
  const ns = t.namespace;
  const version = await t.kc.makeApiClient(VersionApi).getCode();
  const [nodes, daemonSets, deployments, pods, slices] = await Promise.all([
    core.listNode(),
    apps.listNamespacedDaemonSet({ namespace: ns }).catch(none<V1DaemonSet>),
    apps.listNamespacedDeployment({ namespace: ns }).catch(none<V1Deployment>),
    core.listNamespacedPod({ namespace: ns }).catch(none<V1Pod>),
    discovery.listEndpointSliceForAllNamespaces({ labelSelector: `${labels.managedBy}=${lighthouseManagedBy}` }).catch(none<V1EndpointSlice>),
  ]);
  const [subms, sds, gateways, endpoints, clusters, routeAgents, exports, imports, cgeips, geips, giips] = await Promise.all([
    list(t, SubmarinerResource, ns),
    list(t, ServiceDiscoveryResource, ns),
    list(t, GatewayResource, ns),
    list(t, EndpointResource, ns),
    list(t, ClusterResource, ns),
    list(t, RouteAgentResource, ns),
    list(t, ServiceExportResource),
    list(t, ServiceImportResource),
    list(t, ClusterGlobalEgressIPResource),
    list(t, GlobalEgressIPResource),
    list(t, GlobalIngressIPResource),
  ]);
  const exportNamespaces = [...new Set(exports.map((e) => e.metadata.namespace ?? ''))];
  const services = (await Promise.all(exportNamespaces.map((namespace) => core.listNamespacedService({ namespace }).catch(none<V1Service>)))).flatMap((l) => l.items);
  const base = { pods: pods.items, namespace: ns };
  return {
    context: t.context,
    namespace: ns,
    version: { major: version.major, minor: version.minor, gitVersion: version.gitVersion },
    nodes: nodes.items,
    submariner: subms.find((s) => s.metadata.name === names.submarinerCR),
    serviceDiscovery: sds.find((s) => s.metadata.name === names.serviceDiscoveryCR),
    daemonSets: daemonSets.items,
    deployments: deployments.items,
    pods: pods.items,
    gateways,
    endpoints,
    clusters,
    routeAgents,
    serviceExports: exports,
    serviceImports: imports,
    endpointSlices: slices.items,
    services,
    clusterGlobalEgressIPs: cgeips,
    globalEgressIPs: geips,
    globalIngressIPs: giips,
    nodeOutputs: exec ? await runNodeCommands(base, exec, commands) : {},
  };
}

/** The cluster ID of the inputs' cluster (the Submariner CR's, else the ServiceDiscovery CR's, else the context). */
export function clusterIdOf(inputs: Pick<ClusterInputs, 'submariner' | 'serviceDiscovery' | 'context'>): string {
  return inputs.submariner?.spec.clusterID ?? inputs.serviceDiscovery?.spec.clusterID ?? inputs.context;
}

/** The active Gateway of the cluster, if exactly one is active. */
export function activeGateway(inputs: Pick<ClusterInputs, 'gateways'>): Gateway | undefined {
  const active = inputs.gateways.filter((g) => g.status?.haStatus === 'active');
  return active.length === 1 ? active[0] : undefined;
}

/** The node's InternalIP. */
export function nodeIp(n: V1Node | undefined): string | undefined {
  return n?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}
