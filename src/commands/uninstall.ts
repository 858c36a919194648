import { Flags } from '@oclif/core';
import { KubeCommand } from '../cli/kube-command.js';
import { confirm } from '../cli/confirm.js';
import { StderrReporter } from '../cli/reporter.js';
import { uninstallCluster } from '../broker/uninstall.js';
import { names } from '../api/names.js';

export default class Uninstall extends KubeCommand<typeof Uninstall> {
  static override summary = 'Remove Submariner from a cluster, and the cluster from its broker.';
  static override description =
    'The agents first remove what they created on the nodes (interfaces, routes, rules, iptables chains); then ' +
    'everything join created is deleted, the cluster is deregistered from the broker, and a broker running on this ' +
    'cluster is removed once no member is left. Running it again is harmless.';
  static override examples = ['kubectl submariner uninstall --context cluster2 -y', 'kubectl submariner uninstall --context cluster1 --broker -y'];
  static override flags = {
    yes: Flags.boolean({ char: 'y', summary: 'Do not ask for confirmation.', default: false }),
    broker: Flags.boolean({ summary: 'Remove an idle broker on this cluster even if this cluster never joined it.', default: false }),
  };

  public async run(): Promise<void> {
    const kc = this.kubeConfig();
    if (!this.flags.yes && !(await confirm(`Remove Submariner from the cluster of context ${kc.getCurrentContext()}?`))) {
      process.stderr.write('Nothing was changed.\n');
      return;
    }
    const result = await uninstallCluster(kc, { namespace: this.flags.namespace ?? names.defaultNamespace, broker: this.flags.broker }, new StderrReporter());
    process.stderr.write(
      `Submariner${result.clusterId ? ` (cluster ${result.clusterId})` : ''} has been removed${result.brokerRemoved ? ', with the broker' : ''}.\n`,
    );
  }
}
