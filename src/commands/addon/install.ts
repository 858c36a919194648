import { Flags } from '@oclif/core';
import { KubeCommand } from '../../cli/kube-command.js';
import { StderrReporter } from '../../cli/reporter.js';
import { installAddon } from '../../../addon/cli.js';
import { defaultAddonNamespace } from '../../../addon/names.js';

export default class AddonInstall extends KubeCommand<typeof AddonInstall> {
  static override summary = 'Install the Submariner addon on an Open Cluster Management hub.';
  static override description =
    'Deploys the addon controller with its RBAC, the SubmarinerConfig and broker CRDs, a default AddOnDeploymentConfig, ' +
    'and the ClusterManagementAddOn `submariner` with installStrategy Placements, handing installation and rollout to ' +
    "OCM's addon manager. The controller keeps a broker per ManagedClusterSet on the hub and delivers each selected " +
    "cluster's agents as ManifestWork.";
  static override examples = [
    'kubectl submariner addon install --context hub',
    'kubectl submariner addon install --context hub --clusterset submariner',
    'kubectl submariner addon install --context hub --placement open-cluster-management-addon/all-clusters',
  ];
  static override flags = {
    clusterset: Flags.string({ summary: 'The ManagedClusterSet whose clusters get Submariner (a Placement of it is created).', default: 'default' }),
    placement: Flags.string({ summary: 'Use this Placement (NAME or NAMESPACE/NAME) to choose the clusters instead.' }),
    'broker-url': Flags.string({ summary: "URL managed clusters reach the hub's API server at (default: the kubeconfig server)." }),
    image: Flags.string({ summary: "The controller's image (default: the agents' image of this version)." }),
    'addon-namespace': Flags.string({ summary: 'Namespace of the controller and its config.', default: defaultAddonNamespace }),
  };

  public async run(): Promise<void> {
    const f = this.flags;
    const result = await installAddon(
      this.kubeConfig(),
      { namespace: f['addon-namespace'], clusterSet: f.clusterset, placement: f.placement, brokerUrl: f['broker-url'], image: f.image, controller: true },
      new StderrReporter(),
    );
    process.stderr.write(
      `The addon is installed; OCM adds it to the clusters of Placement ${result.placement.namespace}/${result.placement.name}. ` +
        'Follow it with: kubectl submariner addon status\n',
    );
  }
}
