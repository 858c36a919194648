import { Flags } from '@oclif/core';
import { KubeCommand } from '../../cli/kube-command.js';
import { StderrReporter } from '../../cli/reporter.js';
import { uninstallAddon } from '../../../addon/cli.js';
import { defaultAddonNamespace } from '../../../addon/names.js';

export default class AddonUninstall extends KubeCommand<typeof AddonUninstall> {
  static override summary = 'Remove Submariner from every cluster of the addon, the brokers, and the addon itself.';
  static override examples = ['kubectl submariner addon uninstall --context hub'];
  static override flags = {
    timeout: Flags.integer({ summary: 'Seconds to wait for the clusters to be cleaned up.', default: 600 }),
    'addon-namespace': Flags.string({ summary: 'Namespace of the controller and its config.', default: defaultAddonNamespace }),
  };

  public async run(): Promise<void> {
    await uninstallAddon(this.kubeConfig(), { namespace: this.flags['addon-namespace'], timeoutMs: this.flags.timeout * 1000 }, new StderrReporter());
    process.stderr.write('The addon is removed from the hub and from every cluster it served.\n');
  }
}
