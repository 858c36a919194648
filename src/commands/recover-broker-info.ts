import { Flags } from '@oclif/core';
import { KubeCommand } from '../cli/kube-command.js';
import { loadKubeConfig } from '../cli/kubeconfig.js';
import { recoverBrokerInfo } from '../broker/recover.js';
import { BROKER_INFO_FILE } from '../broker/broker-info.js';
import { names } from '../api/names.js';

export default class RecoverBrokerInfo extends KubeCommand<typeof RecoverBrokerInfo> {
  static override summary = 'Rebuild broker-info.subm from a joined cluster and the cluster running the broker.';
  static override examples = [
    'kubectl submariner recover-broker-info --context cluster2 --broker-context cluster1',
    'kubectl submariner recover-broker-info --context cluster1',
  ];
  static override flags = {
    'broker-context': Flags.string({ summary: 'Context of the cluster running the broker (default: --context).' }),
    'broker-url': Flags.string({ summary: 'URL to record for the broker (default: the one the cluster joined with).' }),
    'broker-info': Flags.string({ summary: 'Where to write the broker-info file.', default: BROKER_INFO_FILE }),
  };

  public async run(): Promise<void> {
    const member = this.kubeConfig();
    const broker = this.flags['broker-context'] ? loadKubeConfig({ kubeconfig: this.flags.kubeconfig, context: this.flags['broker-context'] }) : member;
    const { backup } = await recoverBrokerInfo(member, broker, {
      namespace: this.flags.namespace ?? names.defaultNamespace,
      output: this.flags['broker-info'],
      brokerUrl: this.flags['broker-url'],
    });
    if (backup) process.stderr.write(`The previous file was kept as ${backup}\n`);
    process.stderr.write(`Wrote ${this.flags['broker-info']}\n`);
  }
}
