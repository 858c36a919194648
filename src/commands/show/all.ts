import { ShowCommand } from '../../show/command.js';
import type { ViewName } from '../../show/data/gather.js';

export default class ShowAll extends ShowCommand {
  static override summary = 'Show brokers, networks, endpoints, connections, gateways and versions.';
  static override examples = ['kubectl submariner show all --contexts cluster1,cluster2'];
  protected readonly views: ViewName[] = ['brokers', 'networks', 'endpoints', 'connections', 'gateways', 'versions'];
}
