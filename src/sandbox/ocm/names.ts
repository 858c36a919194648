/** Where OCM's hub controllers and klusterlet keep their objects, as OCM's own installers name them. */
export const ocmNamespaces = {
  /** The hub controllers' namespace (events, leases). */
  hub: 'open-cluster-management-hub',
  /** The namespace of the bootstrap ServiceAccount, as the cluster-manager chart installs it. */
  bootstrap: 'open-cluster-management',
  /** The klusterlet's namespace on a managed cluster (hub-kubeconfig-secret). */
  agent: 'open-cluster-management-agent',
  /** Where addon agents are installed on a managed cluster unless told otherwise. */
  addonAgents: 'open-cluster-management-agent-addon',
} as const;

/** The ServiceAccount whose token the bootstrap kubeconfig carries, and its ClusterRole (cluster-manager chart). */
export const bootstrapServiceAccount = 'agent-registration-bootstrap';
export const bootstrapClusterRole = 'open-cluster-management:bootstrap';

/** The user a klusterlet bootstraps as: only its CSRs are approved on accept. */
export const bootstrapUser = `system:serviceaccount:${ocmNamespaces.bootstrap}:${bootstrapServiceAccount}`;
