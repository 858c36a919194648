// A cluster's render as ManifestWork: the objects renderCluster returns, adjusted by the AddOnDeploymentConfig,
// split under ManifestWork's size limit, with the feedback rules status is read from. Pure.
import { uninstallEnv, uninstalledMarker } from '../src/api/agent-env.js';
import { managedByLabels, names } from '../src/api/names.js';
import { ManagedClusterAddOnResource, ocmAnnotations, ocmLabels, type FeedbackValue, type ManifestConfig, type ManifestWork } from '../src/api/ocm.js';
import { apiVersionOf } from '../src/api/index.js';
import type { KubeObject } from '../src/render/index.js';
import { addonName, deployWorkName } from './names.js';
import type { AddonSettings } from './config.js';

/** The hub webhook refuses works whose manifests exceed 500 KiB; each work stays well under. */
export const maxWorkBytes = 400 * 1024;

export interface WorkOwner {
  /** The ManagedClusterAddOn the works belong to (garbage-collected with it). */
  name: string;
  uid: string;
  /** The owner reference's apiVersion (default: the version the addon speaks); see AddonController's ownerApiVersion. */
  apiVersion?: string;
}

export interface WorkOptions {
  /** The cluster namespace on the hub. */
  namespace: string;
  owner: WorkOwner;
  /** Spec hashes of the configs the render came from, by config key. */
  hashes: Record<string, string>;
  maxBytes?: number;
}

type Workload = KubeObject & { spec: { template: { spec: { containers: Record<string, unknown>[]; nodeSelector?: Record<string, string>; tolerations?: unknown[] } } } };

const isWorkload = (o: { kind?: unknown }): boolean => o.kind === 'DaemonSet' || o.kind === 'Deployment';

/** Node placement and registry mirrors of the AddOnDeploymentConfig, on every agent's pods. Returns new objects. */
export function applyPlacement(objects: readonly KubeObject[], s: Pick<AddonSettings, 'nodePlacement' | 'registries'>): KubeObject[] {
  return objects.map((o) => {
    if (!isWorkload(o)) return o;
    const w = structuredClone(o) as Workload;
    const pod = w.spec.template.spec;
    if (Object.keys(s.nodePlacement.nodeSelector).length > 0) pod.nodeSelector = { ...(pod.nodeSelector ?? {}), ...s.nodePlacement.nodeSelector };
    if (s.nodePlacement.tolerations.length > 0) pod.tolerations = [...(pod.tolerations ?? []), ...s.nodePlacement.tolerations];
    for (const c of pod.containers) if (typeof c.image === 'string') c.image = mirrorImage(c.image, s.registries);
    return w;
  });
}

/** An image pulled through the last registry mirror whose source prefixes it (an empty source matches every image's registry). */
export function mirrorImage(image: string, registries: readonly { source: string; mirror: string }[]): string {
  let out = image;
  for (const r of registries) {
    if (r.source === '') {
      const slash = image.lastIndexOf('/');
      out = `${r.mirror.replace(/\/+$/, '')}/${image.slice(slash + 1)}`;
    } else if (image.startsWith(r.source)) {
      out = r.mirror + image.slice(r.source.length);
    }
  }
  return out;
}

/**
 * The agents of one kind switched to uninstall mode: they remove what they made on their nodes (DaemonSets) or in
 * the cluster (the operator's labels and CoreDNS block), then report ready through a probe on their marker.
 */
export function uninstallMode<T extends { kind?: unknown }>(objects: readonly T[], kind: 'DaemonSet' | 'Deployment'): T[] {
  return objects.map((o) => {
    if (o.kind !== kind) return o;
    const w = structuredClone(o) as unknown as Workload;
    w.spec.template.spec.containers = w.spec.template.spec.containers.map((c) => ({
      ...c,
      env: [...((c.env as { name: string }[] | undefined) ?? []).filter((e) => e.name !== uninstallEnv), { name: uninstallEnv, value: 'true' }],
      readinessProbe: { exec: { command: ['test', '-f', uninstalledMarker] }, periodSeconds: 2 },
    }));
    return w as unknown as T;
  });
}

const workloadResource: Record<string, string> = { DaemonSet: 'daemonsets', Deployment: 'deployments' };

const activeGateway = '.status.gateways[?(@.haStatus=="active")]';

/**
 * The gateways' state as the Submariner object reports it, field by field: the hub keeps a raw JSON feedback value
 * to 1,024 characters, which the whole `.status.gateways` (endpoints, status messages, RTT statistics) outgrows with
 * the first connection. Each value is a string (one result) or a JSON list (several); the three connection lists
 * stay under the limit up to about 60 connected clusters.
 */
const gatewayFeedback: { name: string; path: string }[] = [
  { name: 'gatewayHA', path: '.status.gateways[*].haStatus' },
  { name: 'connectionClusters', path: `${activeGateway}.connections[*].endpoint.cluster_id` },
  { name: 'connectionStates', path: `${activeGateway}.connections[*].status` },
  { name: 'connectionRTTs', path: `${activeGateway}.connections[*].latencyRTT.average` },
];

/** Status read back from the managed cluster: the agents' rollout, and the gateways as the Submariner object reports them. */
function manifestConfigs(objects: readonly KubeObject[]): ManifestConfig[] {
  const configs: ManifestConfig[] = [];
  for (const o of objects) {
    const id = { name: o.metadata.name, namespace: o.metadata.namespace ?? '' };
    if (o.kind === 'DaemonSet' || o.kind === 'Deployment') {
      const ds = o.kind === 'DaemonSet';
      configs.push({
        resourceIdentifier: { group: 'apps', resource: workloadResource[o.kind] ?? '', ...id },
        feedbackRules: [
          { type: 'WellKnownStatus' },
          {
            type: 'JSONPaths',
            jsonPaths: [
              { name: 'generation', path: '.metadata.generation' },
              { name: 'observedGeneration', path: '.status.observedGeneration' },
              ds ? { name: 'updated', path: '.status.updatedNumberScheduled' } : { name: 'updated', path: '.status.updatedReplicas' },
              ...(ds ? [] : [{ name: 'specReplicas', path: '.spec.replicas' }]),
              { name: 'uninstall', path: `.spec.template.spec.containers[0].env[?(@.name=="${uninstallEnv}")].value` },
            ],
          },
        ],
      });
    } else if (o.kind === 'Submariner' && o.metadata.name === names.submarinerCR) {
      configs.push({
        resourceIdentifier: { group: 'submariner.io', resource: 'submariners', ...id },
        feedbackRules: [{ type: 'JSONPaths', jsonPaths: gatewayFeedback }],
      });
    }
  }
  return configs;
}

/** `objects` in order, cut into groups whose JSON stays under `maxBytes` each (an object larger than that goes alone). */
export function splitObjects<T>(objects: readonly T[], maxBytes: number): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const o of objects) {
    const bytes = Buffer.byteLength(JSON.stringify(o));
    if (current.length > 0 && size + bytes > maxBytes) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(o);
    size += bytes;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** The metadata every work of the addon carries: name, label, config hashes and the controller owner reference to the ManagedClusterAddOn. */
export function workMeta(index: number, o: WorkOptions): ManifestWork['metadata'] {
  return {
    name: deployWorkName(index),
    namespace: o.namespace,
    labels: { ...managedByLabels, [ocmLabels.addonName]: addonName },
    annotations: { [ocmAnnotations.configSpecHash]: JSON.stringify(Object.fromEntries(Object.entries(o.hashes).sort())) },
    ownerReferences: [
      {
        apiVersion: o.owner.apiVersion ?? apiVersionOf(ManagedClusterAddOnResource),
        kind: ManagedClusterAddOnResource.kind,
        name: o.owner.name,
        uid: o.owner.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  };
}

/**
 * The works `addon-submariner-deploy-<n>` that deliver `objects` in order: work 0 starts with the CRDs and the
 * namespace, so the work agent's retries converge whatever order the works apply in. Deleting a work removes what it
 * applied (Foreground); the controller deletes them only once the agents have cleaned up in uninstall mode.
 */
export function renderWorks(objects: readonly KubeObject[], o: WorkOptions): ManifestWork[] {
  return splitObjects(objects, o.maxBytes ?? maxWorkBytes).map((group, i) => ({
    apiVersion: 'work.open-cluster-management.io/v1',
    kind: 'ManifestWork',
    metadata: workMeta(i, o),
    spec: {
      workload: { manifests: structuredClone(group) },
      deleteOption: { propagationPolicy: 'Foreground' },
      manifestConfigs: manifestConfigs(group),
    },
  }));
}

/** Feedback values of one manifest of the works, by name; undefined when the work agent has reported none. */
export function feedbackOf(works: readonly ManifestWork[], kind: string, name: string): Map<string, FeedbackValue['fieldValue']> | undefined {
  for (const w of works) {
    const m = w.status?.resourceStatus?.manifests?.find((s) => s.resourceMeta.kind === kind && s.resourceMeta.name === name);
    const values = m?.statusFeedback?.values;
    if (values && values.length > 0) return new Map(values.map((v) => [v.name, v.fieldValue]));
  }
  return undefined;
}

export function intValue(f: Map<string, FeedbackValue['fieldValue']> | undefined, name: string): number | undefined {
  const v = f?.get(name);
  return v?.type === 'Integer' ? v.integer : undefined;
}
