import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import {
  BrokerResource,
  ClusterGlobalEgressIPResource,
  ClusterResource,
  EndpointResource,
  GatewayResource,
  GlobalEgressIPResource,
  GlobalIngressIPResource,
  RouteAgentResource,
  ServiceImportResource,
} from '../api/generated.js';
import { errorMessage } from '../base/errors.js';
import type { Reporter } from '../base/reporter.js';
import { diagnose, type DiagnoseTarget } from '../diagnose/diagnose.js';
import { agentPods, collectInputs, podRunning, runNodeCommands, type ClusterInputs, type NodeCommand } from '../diagnose/inputs.js';
import { checkNames } from '../diagnose/model.js';
import type { PodLogs } from '../kube/exec.js';
import { names } from '../api/names.js';
import { list } from '../show/data/gather.js';
import { bundleFiles, type BundleFile, type GatherModule, type GatherType, type RecordedCluster, type RecordedObject } from './bundle.js';
import { create as createTar } from 'tar';

/** What every node shows through its route-agent pod. */
export const nodeCommands: NodeCommand[] = [
  { name: 'ip_-d_link', argv: ['ip', '-d', 'link', 'show'] },
  { name: 'ip_addr', argv: ['ip', '-d', 'addr', 'show'] },
  { name: 'ip_route_show_table_all', argv: ['ip', 'route', 'show', 'table', 'all'] },
  { name: 'ip_rule', argv: ['ip', 'rule', 'list'] },
  { name: 'iptables-save', argv: ['iptables-save', '-c'] },
  { name: 'ipset_list', argv: ['ipset', 'list'] },
];

/** What the active gateway's node shows, by cable driver. */
export function gatewayCommands(cableDriver: string | undefined): NodeCommand[] {
  if (cableDriver === 'wireguard') return [{ name: 'wg_show', argv: ['wg', 'show'] }];
  if (cableDriver === 'strongswan') {
    return [
      { name: 'ip_xfrm_policy', argv: ['ip', 'xfrm', 'policy'] },
      { name: 'ip_xfrm_state', argv: ['ip', 'xfrm', 'state'] },
      { name: 'swanctl_--list-sas', argv: ['swanctl', '--list-sas'] },
    ];
  }
  if (cableDriver === 'vxlan') return [{ name: 'ip_route_show_table_100', argv: ['ip', 'route', 'show', 'table', '100'] }];
  return [
    { name: 'ip_xfrm_policy', argv: ['ip', 'xfrm', 'policy'] },
    { name: 'ip_xfrm_state', argv: ['ip', 'xfrm', 'state'] },
    { name: 'ipsec_status', argv: ['ipsec', 'status'] },
    { name: 'ipsec_trafficstatus', argv: ['ipsec', 'trafficstatus'] },
  ];
}

export interface GatherTarget extends DiagnoseTarget {
  logs: PodLogs;
}

export interface GatherOptions {
  dir: string;
  modules: readonly GatherModule[];
  types: readonly GatherType[];
  includeSensitiveData: boolean;
  now?: Date;
}

export interface GatherResult {
  dir: string;
  archive: string;
  files: number;
  summary: string;
  unreachable: string[];
}

const obj = (resource: string, o: unknown): RecordedObject => ({ resource, object: o as RecordedObject['object'] });
const plural = (r: { plural: string; group: string }): string => `${r.plural}.${r.group}`;

/** The pods whose logs each module gathers. */
function modulePods(i: ClusterInputs, module: GatherModule): V1Pod[] {
  switch (module) {
    case 'connectivity':
      return [...agentPods(i, 'gateway'), ...agentPods(i, 'routeagent')];
    case 'globalnet':
      return agentPods(i, 'globalnet');
    case 'service-discovery':
      return [...agentPods(i, 'lighthouse-agent'), ...agentPods(i, 'lighthouse-dns')];
    case 'operator':
      return agentPods(i, 'operator');
    case 'broker':
      return [];
  }
}

/** Reads one cluster: its objects per module, the agents' logs and the nodes' network state. */
export async function recordCluster(t: GatherTarget, opts: GatherOptions, reporter: Reporter): Promise<RecordedCluster> {
  const rec: RecordedCluster = { context: t.context, objects: [], logs: [], commands: [], extraSecrets: kubeconfigSecrets(t) };
  let inputs: ClusterInputs;
  try {
    inputs = await reporter.step(`${t.context}: reading the cluster`, () => collectInputs(t, undefined));
  } catch (err) {
    return { ...rec, error: errorMessage(err) };
  }
  rec.inputs = inputs;
  const core = t.kc.makeApiClient(CoreV1Api);
  const resources = opts.types.includes('resources');
  for (const module of opts.modules) {
    await reporter.step(`${t.context}: ${module}`, async () => {
      if (resources) {
        if (module === 'connectivity') {
          rec.objects.push(
            ...inputs.endpoints.map((o) => obj(plural(EndpointResource), o)),
            ...inputs.clusters.map((o) => obj(plural(ClusterResource), o)),
            ...inputs.gateways.map((o) => obj(plural(GatewayResource), o)),
            ...inputs.routeAgents.map((o) => obj(plural(RouteAgentResource), o)),
          );
          const driver = inputs.submariner?.spec.cableDriver;
          const outputs = await runNodeCommands(inputs, t.exec, nodeCommands);
          for (const [node, results] of Object.entries(outputs)) {
            for (const c of nodeCommands) if (results[c.name]) rec.commands.push({ node, name: c.name, argv: c.argv, result: results[c.name] as never });
          }
          for (const p of agentPods(inputs, 'gateway').filter(podRunning)) {
            for (const c of gatewayCommands(driver)) {
              const result = await t.exec.exec({ namespace: inputs.namespace, name: p.metadata?.name ?? '', container: names.workload.gateway }, c.argv);
              rec.commands.push({ node: p.spec?.nodeName ?? '', name: c.name, argv: c.argv, result });
            }
          }
        } else if (module === 'globalnet') {
          rec.objects.push(
            ...inputs.clusterGlobalEgressIPs.map((o) => obj(plural(ClusterGlobalEgressIPResource), o)),
            ...inputs.globalEgressIPs.map((o) => obj(plural(GlobalEgressIPResource), o)),
            ...inputs.globalIngressIPs.map((o) => obj(plural(GlobalIngressIPResource), o)),
          );
        } else if (module === 'service-discovery') {
          rec.objects.push(
            ...inputs.serviceExports.map((o) => obj('serviceexports.multicluster.x-k8s.io', o)),
            ...inputs.serviceImports.map((o) => obj('serviceimports.multicluster.x-k8s.io', o)),
            ...inputs.endpointSlices.map((o) => obj('endpointslices.discovery.k8s.io', { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', ...o })),
          );
          const coredns = await core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'coredns' }).catch(() => undefined);
          if (coredns) rec.objects.push(obj('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', ...coredns }));
          const lighthouse = inputs.deployments.find((d) => d.metadata?.name === names.workload['lighthouse-dns']);
          if (lighthouse) rec.objects.push(obj('deployments.apps', { apiVersion: 'apps/v1', kind: 'Deployment', ...lighthouse }));
          if (inputs.serviceDiscovery) rec.objects.push(obj('servicediscoveries.submariner.io', inputs.serviceDiscovery));
        } else if (module === 'broker') {
          const ns = inputs.submariner?.spec.brokerK8sRemoteNamespace ?? inputs.serviceDiscovery?.spec.brokerK8sRemoteNamespace ?? names.defaultBrokerNamespace;
          const brokerTarget = { ...t, namespace: ns };
          const [eps, cls, imports, brokers] = await Promise.all([
            list(brokerTarget, EndpointResource, ns),
            list(brokerTarget, ClusterResource, ns),
            list(brokerTarget, ServiceImportResource, ns),
            list(brokerTarget, BrokerResource, ns),
          ]).catch(() => [[], [], [], []] as unknown[][]);
          rec.objects.push(
            ...eps.map((o) => obj(`broker_${plural(EndpointResource)}`, o)),
            ...cls.map((o) => obj(`broker_${plural(ClusterResource)}`, o)),
            ...imports.map((o) => obj('broker_serviceimports.multicluster.x-k8s.io', o)),
            ...brokers.map((o) => obj(plural(BrokerResource), o)),
          );
        } else {
          if (inputs.submariner) rec.objects.push(obj('submariners.submariner.io', inputs.submariner));
          if (inputs.serviceDiscovery && !opts.modules.includes('service-discovery')) rec.objects.push(obj('servicediscoveries.submariner.io', inputs.serviceDiscovery));
          rec.objects.push(
            ...inputs.daemonSets.map((o) => obj('daemonsets.apps', { apiVersion: 'apps/v1', kind: 'DaemonSet', ...o })),
            ...inputs.deployments.filter((d) => d.metadata?.name !== names.workload['lighthouse-dns'] || !opts.modules.includes('service-discovery')).map((o) => obj('deployments.apps', { apiVersion: 'apps/v1', kind: 'Deployment', ...o })),
          );
          const secrets = await core.listNamespacedSecret({ namespace: inputs.namespace }).catch(() => ({ items: [] }));
          rec.objects.push(...secrets.items.map((o) => obj('secrets', { apiVersion: 'v1', kind: 'Secret', ...o })));
        }
      }
      if (opts.types.includes('logs')) {
        for (const p of modulePods(inputs, module)) {
          const ref = { namespace: inputs.namespace, name: p.metadata?.name ?? '' };
          const [current, previous] = await Promise.all([t.logs.logs(ref, false), t.logs.logs(ref, true)]);
          rec.logs.push({ pod: ref.name, current, previous });
        }
      }
    });
  }
  return rec;
}

/** The kubeconfig's credentials for the context: never written, scrubbed wherever they appear. */
function kubeconfigSecrets(t: GatherTarget): string[] {
  const user = t.kc.getCurrentUser();
  return [user?.token, user?.password, user?.keyData, user?.certData].filter((s): s is string => typeof s === 'string' && s.length >= 8);
}

/** The default bundle directory, `submariner-<UTC YYYYMMDDHHMMSS>`. */
export function defaultDir(now = new Date()): string {
  return `submariner-${now.toISOString().replace(/[-:T]/g, '').slice(0, 14)}`;
}

export function writeBundle(files: readonly BundleFile[], parent: string, name: string, now: Date): { archive: string } {
  for (const f of files) {
    const path = join(parent, f.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.content);
  }
  const archive = join(parent, `${name}.tar.gz`);
  // The written files, in bundle order (no directory entries), with one time and no owner: long paths go in PAX headers.
  createTar({ gzip: true, file: archive, cwd: parent, sync: true, portable: true, mtime: now }, files.map((f) => f.path));
  return { archive };
}

/** Gathers every target into `<dir>/<context>/`, runs diagnose for the summary, writes summary.html and `<dir>.tar.gz`. */
export async function gather(targets: readonly GatherTarget[], opts: GatherOptions, reporter: Reporter): Promise<GatherResult> {
  const now = opts.now ?? new Date();
  const clusters: RecordedCluster[] = [];
  for (const t of targets) clusters.push(await recordCluster(t, opts, reporter));
  const reachable = targets.filter((t) => !clusters.find((c) => c.context === t.context)?.error);
  const report = await reporter.step('Running diagnose all for the summary', () => diagnose(reachable, checkNames, reporter));
  const name = opts.dir.replace(/\/+$/, '').split('/').pop() ?? opts.dir;
  const parent = dirname(opts.dir.replace(/\/+$/, ''));
  const files = bundleFiles(clusters, report.results, { name, includeSensitiveData: opts.includeSensitiveData, generatedAt: now.toISOString() });
  const { archive } = writeBundle(files, parent, name, now);
  return {
    dir: join(parent, name),
    archive,
    files: files.length,
    summary: join(parent, name, 'summary.html'),
    unreachable: clusters.filter((c) => c.error !== undefined).map((c) => c.context),
  };
}
