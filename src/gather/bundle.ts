import { basename } from 'node:path';
import yaml from 'js-yaml';
import { connectionRows } from '../show/data/connections.js';
import { gatewayRows } from '../show/data/gateways.js';
import { serviceExportConditions } from '../api/names.js';
import { clusterIdOf, type ClusterInputs } from '../diagnose/inputs.js';
import { failures, type CheckResult } from '../diagnose/model.js';
import type { ExecResult } from '../kube/exec.js';
import { redactObject, redactText, secretValues } from './redact.js';
import { renderSummaryHtml, type ClusterSummary, type SummaryModel } from './summary.js';

export const gatherModules = ['connectivity', 'service-discovery', 'broker', 'operator', 'globalnet'] as const;
export type GatherModule = (typeof gatherModules)[number];
export const gatherTypes = ['logs', 'resources'] as const;
export type GatherType = (typeof gatherTypes)[number];

/** A Kubernetes object to write as `<resource>_<namespace>_<name>.yaml`. */
export interface RecordedObject {
  /** The resource (plural) name, such as `endpoints.submariner.io` or `configmaps`. */
  resource: string;
  object: { metadata?: { name?: string | undefined; namespace?: string | undefined } | undefined; [k: string]: unknown };
}

/** Everything gathered from one cluster, before it is written (tests build it by hand). */
export interface RecordedCluster {
  context: string;
  /** Why the cluster could not be read; the rest of the record is empty then. */
  error?: string | undefined;
  inputs?: ClusterInputs | undefined;
  objects: RecordedObject[];
  logs: { pod: string; current?: string | undefined; previous?: string | undefined }[];
  /** Command outputs by node, run in the node's agent pods. */
  commands: { node: string; name: string; argv: string[]; result: ExecResult }[];
  /** Secrets known apart from the objects (the kubeconfig's credentials), scrubbed from every file. */
  extraSecrets?: string[] | undefined;
}

export interface BundleFile {
  path: string;
  content: string;
}

export interface BundleOptions {
  /** The bundle's directory name, the root of every path. */
  name: string;
  includeSensitiveData: boolean;
  generatedAt: string;
}

/** File names keep letters, digits, dot, dash and underscore; anything else becomes `_`. */
export const escapeName = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, '_');

function exportStatus(e: ClusterInputs['serviceExports'][number]): string {
  const cond = (t: string): string | undefined => e.status?.conditions?.find((c) => c.type === t)?.status;
  if (cond(serviceExportConditions.conflict) === 'True') return 'Conflict';
  if (cond(serviceExportConditions.valid) === 'False') return 'Invalid';
  return cond(serviceExportConditions.ready) === 'True' ? 'Ready' : 'Pending';
}

/** The summary of one recorded cluster. */
export function clusterSummary(r: RecordedCluster, files: string[]): ClusterSummary {
  const i = r.inputs;
  if (r.error !== undefined || !i) return { context: r.context, error: r.error ?? 'not gathered', gateways: [], connections: [], exports: [], files };
  return {
    context: r.context,
    clusterId: clusterIdOf(i),
    kubernetesVersion: i.version?.gitVersion,
    networkPlugin: i.submariner?.status?.networkPlugin,
    cableDriver: i.submariner?.spec.cableDriver,
    globalCidr: i.submariner?.status?.globalCIDR ?? i.submariner?.spec.globalCIDR,
    gateways: gatewayRows(r.context, i.gateways),
    connections: connectionRows(r.context, i.gateways),
    exports: i.serviceExports.map((e) => ({ namespace: e.metadata.namespace ?? '', name: e.metadata.name ?? '', status: exportStatus(e) })),
    files,
  };
}

/**
 * The files of a bundle, pure: one directory per cluster with its objects as YAML, pod logs
 * (`<pod>.log`, `<pod>.log.prev`) and node command outputs (`<node>_<command>.log`, first line the command),
 * and `summary.html` at the top. Secrets are redacted unless `includeSensitiveData`.
 */
export function bundleFiles(clusters: readonly RecordedCluster[], checks: readonly CheckResult[], opts: BundleOptions): BundleFile[] {
  const secrets = opts.includeSensitiveData ? [] : secretValues(clusters.flatMap((c) => [...c.objects.map((o) => o.object), ...(c.inputs?.pods ?? []), c.inputs?.submariner, c.inputs?.serviceDiscovery]));
  const extra = opts.includeSensitiveData ? [] : clusters.flatMap((c) => c.extraSecrets ?? []).filter((s) => s.length >= 8);
  const scrub = (text: string): string => (opts.includeSensitiveData ? text : redactText(text, [...extra, ...secrets]));
  const files: BundleFile[] = [];
  const summaries: ClusterSummary[] = [];
  for (const c of clusters) {
    const dir = `${opts.name}/${escapeName(c.context)}`;
    const own: BundleFile[] = [];
    for (const o of c.objects) {
      const obj = opts.includeSensitiveData ? o.object : redactObject(o.object);
      const file = `${escapeName(o.resource)}_${escapeName(o.object.metadata?.namespace ?? '')}_${escapeName(o.object.metadata?.name ?? '')}.yaml`;
      own.push({ path: `${dir}/${file}`, content: scrub(yaml.dump(obj, { noRefs: true, lineWidth: -1 })) });
    }
    for (const l of c.logs) {
      if (l.current !== undefined) own.push({ path: `${dir}/${escapeName(l.pod)}.log`, content: scrub(l.current) });
      if (l.previous !== undefined) own.push({ path: `${dir}/${escapeName(l.pod)}.log.prev`, content: scrub(l.previous) });
    }
    for (const cmd of c.commands) {
      const body = `${cmd.argv.join(' ')}\n${cmd.result.stdout}${cmd.result.code === 0 ? '' : `\n(exit ${cmd.result.code}) ${cmd.result.stderr}`}`;
      own.push({ path: `${dir}/${escapeName(cmd.node)}_${escapeName(cmd.name)}.log`, content: scrub(body) });
    }
    files.push(...own);
    summaries.push(clusterSummary(c, own.map((f) => `${escapeName(c.context)}/${basename(f.path)}`)));
  }
  const summary: SummaryModel = {
    title: `Submariner support bundle ${opts.name}`,
    generatedAt: opts.generatedAt,
    redacted: !opts.includeSensitiveData,
    clusters: summaries,
    failingChecks: failures(checks).map((f) => ({ check: f.check, context: f.context, message: f.message, fix: f.fix ?? '' })),
    checksPassed: checks.flatMap((r) => r.findings).filter((f) => f.status === 'pass').length,
  };
  files.push({ path: `${opts.name}/summary.html`, content: scrub(renderSummaryHtml(summary)) });
  return files;
}
