// Open Cluster Management kinds the hub addon reads and writes (OCM v1.2: the addon API is served and stored as
// v1alpha1), and the submariner-addon SubmarinerConfig. Written by hand from open-cluster-management.io/api: only the
// fields the addon uses are typed; the objects keep every other field as the apiserver sent it.
import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { Condition } from './generated.js';
import { ocm } from './names.js';

export const ocmGroups = { ...ocm.groups, submarinerAddon: 'submarineraddon.open-cluster-management.io' } as const;

/** A kind's descriptor: its plural is the lower-cased kind plus "s", as for every OCM kind. */
function resource<G extends string, V extends string, K extends string, N extends boolean>(group: G, version: V, kind: K, namespaced: N) {
  return { group, version, plural: `${kind.toLowerCase() as Lowercase<K>}s` as const, kind, namespaced } as const;
}

export const ManagedClusterResource = resource(ocmGroups.cluster, 'v1', 'ManagedCluster', false);
export const ManagedClusterSetResource = resource(ocmGroups.cluster, 'v1beta2', 'ManagedClusterSet', false);
export const ManagedClusterSetBindingResource = resource(ocmGroups.cluster, 'v1beta2', 'ManagedClusterSetBinding', true);
export const PlacementResource = resource(ocmGroups.cluster, 'v1beta1', 'Placement', true);
export const ManifestWorkResource = resource(ocmGroups.work, 'v1', 'ManifestWork', true);
export const ClusterManagementAddOnResource = resource(ocmGroups.addon, 'v1alpha1', 'ClusterManagementAddOn', false);
export const ManagedClusterAddOnResource = resource(ocmGroups.addon, 'v1alpha1', 'ManagedClusterAddOn', true);
export const AddOnDeploymentConfigResource = resource(ocmGroups.addon, 'v1alpha1', 'AddOnDeploymentConfig', true);
export const SubmarinerConfigResource = resource(ocmGroups.submarinerAddon, 'v1alpha1', 'SubmarinerConfig', true);

/** Every kind above, for client-node's serializer. */
export const ocmResources = [
  ManagedClusterResource,
  ManagedClusterSetResource,
  ManagedClusterSetBindingResource,
  PlacementResource,
  ManifestWorkResource,
  ClusterManagementAddOnResource,
  ManagedClusterAddOnResource,
  AddOnDeploymentConfigResource,
  SubmarinerConfigResource,
] as const;

/** OCM's own labels and annotations (more in names.ts's `ocm`). */
export const ocmLabels = {
  clusterSet: ocm.labels.clusterSet,
  /** ManifestWork: the addon it belongs to. */
  addonName: 'open-cluster-management.io/addon-name',
} as const;

export const ocmAnnotations = {
  /** ManifestWork: JSON map `<resource>.<group>/<namespace>/<name>` → specHash of the configs it was rendered from. */
  configSpecHash: 'open-cluster-management.io/config-spec-hash',
  /** ClusterManagementAddOn: `addon-manager` hands installation and rollout to OCM's addon manager. */
  lifecycle: 'addon.open-cluster-management.io/lifecycle',
} as const;

export interface ManagedCluster {
  apiVersion?: 'cluster.open-cluster-management.io/v1';
  kind?: 'ManagedCluster';
  metadata: V1ObjectMeta;
  spec?: { hubAcceptsClient?: boolean; managedClusterClientConfigs?: { url: string; caBundle?: string }[]; leaseDurationSeconds?: number; taints?: { key: string; value?: string; effect: string; timeAdded?: string }[] };
  status?: { conditions?: Condition[]; clusterClaims?: { name: string; value: string }[]; version?: { kubernetes?: string } };
}

export interface ManagedClusterSet {
  apiVersion?: 'cluster.open-cluster-management.io/v1beta2';
  kind?: 'ManagedClusterSet';
  metadata: V1ObjectMeta;
  spec?: { clusterSelector?: { selectorType?: 'ExclusiveClusterSetLabel' | 'LabelSelector' } };
  status?: { conditions?: Condition[] };
}

/** A config reference: which object of which kind. */
export interface ConfigGroupResource {
  group: string;
  resource: string;
}

export interface ConfigCoordinates {
  name: string;
  namespace?: string;
}

export interface ConfigSpecHash extends ConfigCoordinates {
  specHash?: string;
}

export interface ConfigReference extends ConfigGroupResource {
  name?: string;
  namespace?: string;
  desiredConfig?: ConfigSpecHash;
  lastAppliedConfig?: ConfigSpecHash;
  lastObservedGeneration?: number;
}

export interface RolloutStrategy {
  type?: 'All' | 'Progressive' | 'ProgressivePerGroup';
  all?: { minSuccessTime?: string; progressDeadline?: string; maxFailures?: number | string };
  progressive?: { minSuccessTime?: string; progressDeadline?: string; maxFailures?: number | string; maxConcurrency?: number | string; mandatoryDecisionGroups?: unknown[] };
  progressivePerGroup?: { minSuccessTime?: string; progressDeadline?: string; maxFailures?: number | string; mandatoryDecisionGroups?: unknown[] };
}

export interface PlacementStrategy {
  name: string;
  namespace: string;
  configs?: (ConfigGroupResource & ConfigCoordinates)[];
  rolloutStrategy?: RolloutStrategy;
}

export interface InstallProgression extends ConfigCoordinates {
  namespace: string;
  configReferences?: ConfigReference[];
  conditions?: Condition[];
}

export interface ClusterManagementAddOn {
  apiVersion?: 'addon.open-cluster-management.io/v1alpha1';
  kind?: 'ClusterManagementAddOn';
  metadata: V1ObjectMeta;
  spec?: {
    addOnMeta?: { displayName?: string; description?: string };
    supportedConfigs?: (ConfigGroupResource & { defaultConfig?: ConfigCoordinates })[];
    installStrategy?: { type: 'Manual' | 'Placements'; placements?: PlacementStrategy[] };
  };
  status?: {
    defaultConfigReferences?: { group: string; resource: string; desiredConfig?: ConfigSpecHash }[];
    installProgressions?: InstallProgression[];
  };
}

export interface ManagedClusterAddOn {
  apiVersion?: 'addon.open-cluster-management.io/v1alpha1';
  kind?: 'ManagedClusterAddOn';
  metadata: V1ObjectMeta;
  spec?: { installNamespace?: string; configs?: (ConfigGroupResource & ConfigCoordinates)[] };
  status?: {
    conditions?: Condition[];
    configReferences?: ConfigReference[];
    supportedConfigs?: ConfigGroupResource[];
    healthCheck?: { mode?: 'Lease' | 'Customized' };
    namespace?: string;
  };
}

export interface AddOnDeploymentConfig {
  apiVersion?: 'addon.open-cluster-management.io/v1alpha1';
  kind?: 'AddOnDeploymentConfig';
  metadata: V1ObjectMeta;
  spec?: {
    customizedVariables?: { name: string; value: string }[];
    nodePlacement?: { nodeSelector?: Record<string, string>; tolerations?: Record<string, unknown>[] };
    registries?: { source?: string; mirror: string }[];
    agentInstallNamespace?: string;
  };
}

/** submariner-addon's per-cluster settings (the hub's copy in the cluster namespace, named `submariner`). */
export interface SubmarinerConfig {
  apiVersion?: 'submarineraddon.open-cluster-management.io/v1alpha1';
  kind?: 'SubmarinerConfig';
  metadata: V1ObjectMeta;
  spec?: SubmarinerConfigSpec;
  status?: { conditions?: Condition[] };
}

export interface SubmarinerConfigSpec {
  cableDriver?: string;
  IPSecIKEPort?: number;
  IPSecNATTPort?: number;
  NATTDiscoveryPort?: number;
  NATTEnable?: boolean;
  IPSecDebug?: boolean;
  forceUDPEncaps?: boolean;
  airGappedDeployment?: boolean;
  Debug?: boolean;
  globalCIDR?: string;
  /** The cluster's Pod and Service CIDRs (comma-separated), when the addon cannot discover them. */
  clusterCIDR?: string;
  serviceCIDR?: string;
  gatewayConfig?: { gateways?: number };
  imagePullSpecs?: Record<string, string>;
}

/** One manifest's status in a ManifestWork. */
export interface ManifestStatus {
  resourceMeta: { ordinal?: number; group?: string; version?: string; kind?: string; resource?: string; name?: string; namespace?: string };
  statusFeedback?: { values?: FeedbackValue[] };
  conditions?: Condition[];
}

export interface FeedbackValue {
  name: string;
  fieldValue: { type: 'Integer' | 'String' | 'Boolean' | 'JsonRaw'; integer?: number; string?: string; boolean?: boolean; jsonRaw?: string };
}

export interface ManifestConfig {
  resourceIdentifier: { group: string; resource: string; name: string; namespace?: string };
  feedbackRules?: { type: 'WellKnownStatus' | 'JSONPaths'; jsonPaths?: { name: string; path: string }[] }[];
  updateStrategy?: { type: 'Update' | 'CreateOnly' | 'ServerSideApply' | 'ReadOnly'; serverSideApply?: { force?: boolean; fieldManager?: string } };
}

export interface ManifestWork {
  apiVersion?: 'work.open-cluster-management.io/v1';
  kind?: 'ManifestWork';
  metadata: V1ObjectMeta;
  spec: {
    workload: { manifests: Record<string, unknown>[] };
    deleteOption?: { propagationPolicy: 'Foreground' | 'Orphan' | 'SelectivelyOrphan' };
    manifestConfigs?: ManifestConfig[];
  };
  status?: { conditions?: Condition[]; resourceStatus?: { manifests?: ManifestStatus[] } };
}

/** The type of the objects of each OCM kind above, by `<group>/<kind>`. */
export interface OcmObjects {
  'cluster.open-cluster-management.io/ManagedCluster': ManagedCluster;
  'cluster.open-cluster-management.io/ManagedClusterSet': ManagedClusterSet;
  'work.open-cluster-management.io/ManifestWork': ManifestWork;
  'addon.open-cluster-management.io/ClusterManagementAddOn': ClusterManagementAddOn;
  'addon.open-cluster-management.io/ManagedClusterAddOn': ManagedClusterAddOn;
  'addon.open-cluster-management.io/AddOnDeploymentConfig': AddOnDeploymentConfig;
  'submarineraddon.open-cluster-management.io/SubmarinerConfig': SubmarinerConfig;
}
