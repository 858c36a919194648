import { ShowCommand } from '../../show/command.js';
import type { ViewName } from '../../show/data/gather.js';

export default class ShowNetworks extends ShowCommand {
  static override summary = "Show the cluster's network plugin and its Service, Pod and global CIDRs.";
  static override examples = ['kubectl submariner show networks', 'kubectl submariner show networks --contexts cluster1,cluster2 -o json'];
  protected readonly views: ViewName[] = ['networks'];
}
