import { Args, Flags } from '@oclif/core';
import { KubeCommand } from '../../cli/kube-command.js';
import { exportService } from '../../lighthouse/export.js';

export default class ExportService extends KubeCommand<typeof ExportService> {
  static override summary = 'Export a Service to the clusterset: it resolves as <name>.<namespace>.svc.clusterset.local.';
  static override examples = ['kubectl submariner export service nginx -n default', 'kubectl submariner export service db --use-clusterset-ip'];
  static override args = { name: Args.string({ description: 'Name of the Service.', required: true }) };
  static override flags = {
    'use-clusterset-ip': Flags.boolean({ summary: 'Give the exported service a clusterset IP.', allowNo: true }),
  };

  public async run(): Promise<void> {
    const kc = this.kubeConfig();
    const namespace = this.flags.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
    await exportService(kc, { namespace, name: this.args.name, useClustersetIp: this.flags['use-clusterset-ip'] });
    process.stderr.write(`Service ${namespace}/${this.args.name} exported.\n`);
  }
}
