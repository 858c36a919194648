import { ShowCommand } from '../../show/command.js';
import type { ViewName } from '../../show/data/gather.js';

export default class ShowConnections extends ShowCommand {
  static override summary = 'Show the cross-cluster connections of the active gateway, with status and RTT.';
  static override examples = ['kubectl submariner show connections', 'kubectl submariner show connections --contexts cluster1,cluster2 -o json'];
  protected readonly views: ViewName[] = ['connections'];
}
