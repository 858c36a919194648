import { KubeCommand } from '../../cli/kube-command.js';
import { addonStatus, type ClusterStatusRow } from '../../../addon/cli.js';

export default class AddonStatus extends KubeCommand<typeof AddonStatus> {
  static override summary = "Show the addon's state on every cluster: rollout, agents' version, conditions, connections and RTT.";
  static override examples = ['kubectl submariner addon status --context hub', 'kubectl submariner addon status --context hub -o json'];

  public async run(): Promise<void> {
    const rows = await addonStatus(this.kubeConfig());
    this.print<ClusterStatusRow>(rows, {
      columns: [
        { header: 'cluster', get: (r) => r.cluster },
        { header: 'clusterset', get: (r) => r.clusterSet },
        { header: 'rollout', get: (r) => r.rollout },
        { header: 'version', get: (r) => r.version },
        { header: 'applied', get: (r) => r.applied },
        { header: 'available', get: (r) => r.available },
        { header: 'agents', get: (r) => r.agents },
        { header: 'connections', get: (r) => r.connections },
        { header: 'rtt', get: (r) => r.rtt },
      ],
      rows,
    });
    if (this.outputFormat === 'table' || this.outputFormat === 'wide') {
      for (const r of rows) for (const m of r.messages) process.stderr.write(`${r.cluster}: ${m}\n`);
    }
  }
}
