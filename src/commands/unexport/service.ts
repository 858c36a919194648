import { Args } from '@oclif/core';
import { KubeCommand } from '../../cli/kube-command.js';
import { unexportService } from '../../lighthouse/export.js';

export default class UnexportService extends KubeCommand<typeof UnexportService> {
  static override summary = 'Stop exporting a Service to the clusterset.';
  static override examples = ['kubectl submariner unexport service nginx -n default'];
  static override args = { name: Args.string({ description: 'Name of the Service.', required: true }) };

  public async run(): Promise<void> {
    const kc = this.kubeConfig();
    const namespace = this.flags.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
    const removed = await unexportService(kc, namespace, this.args.name);
    process.stderr.write(removed ? `Service ${namespace}/${this.args.name} unexported.\n` : `Service ${namespace}/${this.args.name} was not exported.\n`);
  }
}
