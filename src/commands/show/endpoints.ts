import { ShowCommand } from '../../show/command.js';
import type { ViewName } from '../../show/data/gather.js';

export default class ShowEndpoints extends ShowCommand {
  static override summary = 'Show the gateway endpoints known to the cluster, local and remote.';
  static override examples = ['kubectl submariner show endpoints', 'kubectl submariner show endpoints --contexts cluster1,cluster2 -o json'];
  protected readonly views: ViewName[] = ['endpoints'];
}
