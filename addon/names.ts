// The hub addon's names: the addon, its works, finalizers, annotations, conditions and reasons. The condition
// types and reasons are submariner-addon's and OCM's addon framework's, so consoles and scripts written for
// them read ours.
import { ocmGroups } from '../src/api/ocm.js';

export const addonName = 'submariner';

/** The namespace the controller, its default AddOnDeploymentConfig and Placement live in. */
export const defaultAddonNamespace = 'submariner-addon';

/** `addon-submariner-deploy-<n>`, as OCM's addon framework names an addon's works. */
export function deployWorkName(index: number): string {
  return `addon-${addonName}-deploy-${index}`;
}

export const deployWorkPattern = new RegExp(`^addon-${addonName}-deploy-(\\d+)$`);

/** A broker per ManagedClusterSet, in `<set>-broker`. */
export function brokerNamespace(clusterSet: string): string {
  return `${clusterSet}-broker`.slice(0, 63).replace(/-+$/, '');
}

export const addonFinalizer = 'submarineraddon.open-cluster-management.io/submariner-addon-cleanup';

export const addonAnnotations = {
  /** On the works: which step of removal they are at (`agents` then `operator`). */
  uninstallPhase: 'submarineraddon.open-cluster-management.io/uninstall-phase',
  /** On the works: when that step started (RFC 3339). */
  uninstallSince: 'submarineraddon.open-cluster-management.io/uninstall-since',
  /** On a broker namespace: the ManagedClusterSet it serves. */
  clusterSet: 'submarineraddon.open-cluster-management.io/clusterset',
} as const;

export const addonLabels = {
  /** On broker namespaces the addon created. */
  broker: 'submarineraddon.open-cluster-management.io/broker',
} as const;

/** The config kinds the addon reads, as the addon framework names them. */
export const configTypes = {
  deployment: { group: ocmGroups.addon, resource: 'addondeploymentconfigs' },
  submariner: { group: ocmGroups.submarinerAddon, resource: 'submarinerconfigs' },
} as const;

/** The SubmarinerConfig used when the addon references none: `submariner` in the cluster namespace. */
export const defaultSubmarinerConfigName = 'submariner';

/** AddOnDeploymentConfig variables the addon reads. */
export const variables = {
  version: 'SUBMARINER_VERSION',
  repository: 'SUBMARINER_REPOSITORY',
  /** `component=image[,component=image]`. */
  imageOverrides: 'SUBMARINER_IMAGE_OVERRIDES',
  debug: 'SUBMARINER_DEBUG',
} as const;

export const conditionTypes = {
  manifestApplied: 'ManifestApplied',
  available: 'Available',
  configApplied: 'SubmarinerConfigApplied',
  brokerConfigApplied: 'SubmarinerBrokerConfigApplied',
  agentDegraded: 'SubmarinerAgentDegraded',
  connectionDegraded: 'SubmarinerConnectionDegraded',
  routeAgentConnectionDegraded: 'RouteAgentConnectionDegraded',
  gatewaysLabeled: 'SubmarinerGatewaysLabeled',
  /** OCM's: whether the cluster is in the current rollout batch. */
  configured: 'Configured',
  progressing: 'Progressing',
} as const;

/** The conditions the controller writes on a ManagedClusterAddOn (the others are OCM's). */
export const ownedConditions = [
  conditionTypes.manifestApplied,
  conditionTypes.available,
  conditionTypes.configApplied,
  conditionTypes.brokerConfigApplied,
  conditionTypes.agentDegraded,
  conditionTypes.connectionDegraded,
  conditionTypes.routeAgentConnectionDegraded,
  conditionTypes.gatewaysLabeled,
] as const;

export const reasons = {
  manifestApplied: 'AddonManifestApplied',
  manifestApplyFailed: 'ManifestWorkApplyFailed',
  manifestPending: 'ManifestWorkNotApplied',
  workNotFound: 'WorkNotFound',
  probeAvailable: 'ProbeAvailable',
  probeUnavailable: 'ProbeUnavailable',
  clusterUnavailable: 'ClusterUnavailable',
  configApplied: 'SubmarinerConfigApplied',
  configInvalid: 'SubmarinerConfigInvalid',
  networksUnknown: 'NetworksNotDiscovered',
  brokerConfigApplied: 'BrokerConfigApplied',
  brokerConfigMissing: 'BrokerConfigMissing',
  membershipRefused: 'BrokerMembershipRefused',
  agentDeployed: 'SubmarinerAgentDeployed',
  connectionsEstablished: 'ConnectionsEstablished',
  connectionsDegraded: 'ConnectionsDegraded',
  connectionsNotEstablished: 'ConnectionsNotEstablished',
  noGatewayStatus: 'NoGatewayStatus',
  gatewaysLabeled: 'Success',
  insufficientNodes: 'InsufficientNodes',
  uninstalling: 'Uninstalling',
} as const;

/** The controller Deployment's environment. */
export const addonEnv = {
  /** https URL of the hub API server as the managed clusters reach it (their broker). */
  brokerUrl: 'ADDON_BROKER_URL',
  /** Comma-separated ManagedClusterSets to serve; empty: every set grouping clusters by label. */
  clusterSets: 'ADDON_CLUSTERSETS',
  /** Agent image defaults. */
  repository: 'SUBMARINER_REPOSITORY',
  version: 'SUBMARINER_VERSION',
  /** Seconds each removal step waits for the agents' clean-up. */
  uninstallTimeout: 'ADDON_UNINSTALL_TIMEOUT',
  debug: 'SUBMARINER_DEBUG',
} as const;
