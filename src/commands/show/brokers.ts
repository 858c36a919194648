import { ShowCommand } from '../../show/command.js';
import type { ViewName } from '../../show/data/gather.js';

export default class ShowBrokers extends ShowCommand {
  static override summary = 'Show the brokers deployed on the cluster.';
  static override examples = ['kubectl submariner show brokers', 'kubectl submariner show brokers --contexts cluster1,cluster2 -o json'];
  protected readonly views: ViewName[] = ['brokers'];
}
