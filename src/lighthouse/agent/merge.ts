import type { ServiceImportSpec, ServicePort } from '../../api/generated.js';
import { serviceExportReasons as R } from '../../api/names.js';
import type { ClustersetIpChoice, Conflict, Contribution } from './model.js';

/** The service the clusterset sees: the exports of every cluster merged, oldest export first. */
export interface MergedService {
  spec: ServiceImportSpec;
  /** Exported labels and annotations (ServiceExport.spec.exportedLabels/exportedAnnotations). */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The clusters whose endpoints back the service: those exporting it with the winning type, oldest first. */
  clusters: string[];
  /** Every exporting cluster, oldest first. */
  exporters: string[];
  /** Properties the exports disagree on; every export of the service carries them. */
  conflicts: Conflict[];
  /**
   * Whether the service gets a clusterset IP (the oldest export decides; never for Headless), and the IP the oldest
   * export carrying one holds: it is `spec.ips` once set.
   */
  clustersetIp: ClustersetIpChoice;
}

/** Oldest export first; exports created in the same instant are ordered by cluster ID. */
export function byAge(a: Contribution, b: Contribution): number {
  if (a.exportedAt !== b.exportedAt) return a.exportedAt < b.exportedAt ? -1 : 1;
  return a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0;
}

/**
 * Merges the exports of a service (KEP-1645): the oldest export decides what cannot be merged (type, session affinity,
 * traffic policy, IP families, clusterset IP enablement), ports are the union merged by name then by protocol and
 * port, and every property the exports disagree on is reported as a conflict. Undefined when nothing is exported. Pure.
 */
export function mergeContributions(contributions: readonly Contribution[]): MergedService | undefined {
  const ordered = [...contributions].sort(byAge);
  const oldest = ordered[0];
  if (oldest === undefined) return undefined;
  const compatible = ordered.filter((c) => c.spec.type === oldest.spec.type);
  const ports = mergePorts(compatible);
  const labels = mergeMaps(compatible, (c) => c.labels, R.labelsConflict, 'exported labels');
  const annotations = mergeMaps(compatible, (c) => c.annotations, R.annotationsConflict, 'exported annotations');
  const sameAffinity = compatible.filter((c) => c.spec.sessionAffinity === oldest.spec.sessionAffinity);
  const conflicts = [
    ports.conflict,
    typeConflict(ordered),
    disagreement(compatible, (c) => c.spec.sessionAffinity, R.sessionAffinityConflict, 'the session affinity'),
    oldest.spec.sessionAffinity === 'ClientIP'
      ? disagreement(sameAffinity, (c) => `${c.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800}s`, R.sessionAffinityConfigConflict, 'the ClientIP session timeout')
      : undefined,
    annotations.conflict,
    labels.conflict,
    disagreement(compatible, (c) => c.spec.internalTrafficPolicy, R.internalTrafficPolicyConflict, 'the internal traffic policy'),
    disagreement(compatible, (c) => c.spec.trafficDistribution ?? '(none)', R.trafficDistributionConflict, 'the traffic distribution'),
    disagreement(compatible, (c) => c.spec.ipFamilies.join(',') || '(none)', R.ipFamilyConflict, 'the IP families'),
    oldest.spec.type === 'ClusterSetIP'
      ? disagreement(compatible, (c) => (c.clustersetIp.enabled ? 'enabled' : 'disabled'), R.clustersetIpEnablementConflict, 'the clusterset IP')
      : undefined,
  ].filter((c): c is Conflict => c !== undefined);
  const s = oldest.spec;
  const clustersetIp = mergeClustersetIp(oldest, compatible);
  return {
    spec: {
      type: s.type,
      ...(clustersetIp.ip !== undefined ? { ips: [clustersetIp.ip] } : {}),
      ports: ports.merged,
      sessionAffinity: s.sessionAffinity,
      ...(s.sessionAffinityConfig ? { sessionAffinityConfig: s.sessionAffinityConfig } : {}),
      ipFamilies: s.ipFamilies,
      internalTrafficPolicy: s.internalTrafficPolicy,
      ...(s.trafficDistribution ? { trafficDistribution: s.trafficDistribution } : {}),
    },
    labels: labels.merged,
    annotations: annotations.merged,
    clusters: compatible.map((c) => c.cluster),
    exporters: ordered.map((c) => c.cluster),
    conflicts,
    clustersetIp,
  };
}

/** Enabled as the oldest export says (never for Headless); the IP of the oldest export that carries one. */
function mergeClustersetIp(oldest: Contribution, compatible: readonly Contribution[]): ClustersetIpChoice {
  const enabled = oldest.spec.type === 'ClusterSetIP' && oldest.clustersetIp.enabled;
  if (!enabled) return { enabled: false };
  const holder = compatible.find((c) => c.clustersetIp.enabled && c.clustersetIp.ip !== undefined);
  return holder === undefined ? { enabled } : { enabled, ip: holder.clustersetIp.ip, allocatedBy: holder.clustersetIp.allocatedBy ?? holder.cluster };
}

/** The union of the ports, merged by name and then by protocol and port; a port clashing with an older one is left out. */
export function mergePorts(ordered: readonly Contribution[]): { merged: ServicePort[]; conflict?: Conflict } {
  const merged: { port: ServicePort; cluster: string }[] = [];
  const clashes: string[] = [];
  for (const c of ordered) {
    for (const port of c.spec.ports) {
      const sameName = merged.find((m) => (m.port.name ?? '') === (port.name ?? ''));
      if (sameName !== undefined) {
        if (!samePort(sameName.port, port)) {
          clashes.push(`port ${portName(port)} is ${portValue(sameName.port)} in ${sameName.cluster} but ${portValue(port)} in ${c.cluster}`);
        }
        continue;
      }
      const sameNumber = merged.find((m) => protocol(m.port) === protocol(port) && m.port.port === port.port);
      if (sameNumber !== undefined) {
        clashes.push(`${protocol(port)}/${port.port} is named ${portName(sameNumber.port)} in ${sameNumber.cluster} but ${portName(port)} in ${c.cluster}`);
        continue;
      }
      merged.push({ port, cluster: c.cluster });
    }
  }
  const ports = merged.map((m) => m.port);
  const differences = [...clashes, ...missingPorts(ordered)];
  if (differences.length === 0) return { merged: ports };
  const exposed = ports.map(portText).join(', ') || 'none';
  return {
    merged: ports,
    conflict: {
      reason: R.portConflict,
      message: `the exporting clusters ${clusterList(ordered)} disagree on the ports: ${differences.join('; ')}. The import exposes the union of the ports that do not conflict, the oldest export winning: ${exposed}`,
    },
  };
}

/**
 * The ports some exports have and others lack (by name, protocol, number and appProtocol), in merge order; ports
 * that clash with another export's port by name or by protocol and number are reported as clashes instead.
 */
function missingPorts(ordered: readonly Contribution[]): string[] {
  const all = ordered.flatMap((c) => c.spec.ports);
  const clashing = (p: ServicePort): boolean =>
    all.some((q) => portText(q) !== portText(p) && ((q.name ?? '') === (p.name ?? '') || (protocol(q) === protocol(p) && q.port === p.port)));
  const seen = new Map<string, { port: ServicePort; clusters: string[] }>();
  for (const c of ordered) {
    for (const port of c.spec.ports) {
      const key = portText(port);
      const entry = seen.get(key) ?? { port, clusters: [] };
      if (!entry.clusters.includes(c.cluster)) entry.clusters.push(c.cluster);
      seen.set(key, entry);
    }
  }
  const out: string[] = [];
  for (const [key, { port, clusters }] of seen) {
    if (clusters.length === ordered.length || clashing(port)) continue;
    const without = ordered.filter((c) => !clusters.includes(c.cluster)).map((c) => c.cluster);
    out.push(`${key} is exported by ${clusters.join(', ')} but not by ${without.join(', ')}`);
  }
  return out;
}

function portText(p: ServicePort): string {
  return `${portName(p)} ${portValue(p)}`;
}

function typeConflict(ordered: readonly Contribution[]): Conflict | undefined {
  const oldest = ordered[0];
  const losers = ordered.filter((c) => c.spec.type !== oldest?.spec.type);
  if (oldest === undefined || losers.length === 0) return undefined;
  return {
    reason: R.typeConflict,
    message:
      `the exporting clusters ${clusterList(ordered)} disagree on the service type: ${groups(ordered, (c) => c.spec.type)}. ` +
      `The import is ${oldest.spec.type}, as exported by ${oldest.cluster}, the oldest export; ${losers.map((c) => c.cluster).join(', ')} ${losers.length > 1 ? 'are' : 'is'} not served`,
  };
}

/** A conflict when the exports do not all have the same value; the oldest export's value is used. */
function disagreement(ordered: readonly Contribution[], value: (c: Contribution) => string, reason: string, what: string): Conflict | undefined {
  const oldest = ordered[0];
  if (oldest === undefined || ordered.every((c) => value(c) === value(oldest))) return undefined;
  return {
    reason,
    message: `the exporting clusters ${clusterList(ordered)} disagree on ${what}: ${groups(ordered, value)}. The import uses ${value(oldest)}, as exported by ${oldest.cluster}, the oldest export`,
  };
}

/** Maps merged key by key, the oldest export winning; a key with different values is a conflict. */
function mergeMaps(
  ordered: readonly Contribution[],
  map: (c: Contribution) => Record<string, string>,
  reason: string,
  what: string,
): { merged: Record<string, string>; conflict?: Conflict } {
  const merged: Record<string, { value: string; cluster: string }> = {};
  const clashes: string[] = [];
  for (const c of ordered) {
    for (const [k, v] of Object.entries(map(c))) {
      const have = merged[k];
      if (have === undefined) merged[k] = { value: v, cluster: c.cluster };
      else if (have.value !== v) clashes.push(`${k} is ${JSON.stringify(have.value)} in ${have.cluster} but ${JSON.stringify(v)} in ${c.cluster}`);
    }
  }
  const result = Object.fromEntries(Object.entries(merged).map(([k, v]) => [k, v.value]));
  if (clashes.length === 0) return { merged: result };
  return {
    merged: result,
    conflict: { reason, message: `the exporting clusters ${clusterList(ordered)} disagree on the ${what}: ${clashes.join('; ')}. The oldest export's values are used` },
  };
}

function groups(ordered: readonly Contribution[], value: (c: Contribution) => string): string {
  const byValue = new Map<string, string[]>();
  for (const c of ordered) byValue.set(value(c), [...(byValue.get(value(c)) ?? []), c.cluster]);
  return [...byValue].map(([v, clusters]) => `${v} in ${clusters.join(', ')}`).join(', ');
}

function clusterList(ordered: readonly Contribution[]): string {
  return ordered.map((c) => c.cluster).join(', ');
}

function protocol(p: ServicePort): string {
  return p.protocol ?? 'TCP';
}

function samePort(a: ServicePort, b: ServicePort): boolean {
  return protocol(a) === protocol(b) && a.port === b.port && (a.appProtocol ?? '') === (b.appProtocol ?? '');
}

function portName(p: ServicePort): string {
  return p.name ? JSON.stringify(p.name) : '(unnamed)';
}

function portValue(p: ServicePort): string {
  return `${protocol(p)}/${p.port}${p.appProtocol ? ` (${p.appProtocol})` : ''}`;
}
