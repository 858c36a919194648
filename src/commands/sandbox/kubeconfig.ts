import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/kube-command.js';
import { sandboxKubeconfig } from '../../sandbox/control.js';

export default class SandboxKubeconfig extends BaseCommand<typeof SandboxKubeconfig> {
  static override summary = 'Print the kubeconfig of the sandbox fleet (one context per cluster).';
  static override examples = [
    'kubectl submariner sandbox kubeconfig > sandbox.kubeconfig',
    'export KUBECONFIG=$(kubectl submariner sandbox kubeconfig --path)',
  ];
  static override flags = {
    path: Flags.boolean({ summary: 'Print the path of the kubeconfig file instead of its content.', default: false }),
  };

  public async run(): Promise<void> {
    const { path, content } = sandboxKubeconfig();
    process.stdout.write(this.flags.path ? `${path}\n` : content);
  }
}
