import { ShowCommand } from '../../show/command.js';
import type { ViewName } from '../../show/data/gather.js';

export default class ShowGateways extends ShowCommand {
  static override summary = 'Show the gateway nodes, their HA status and a summary of their connections.';
  static override examples = ['kubectl submariner show gateways', 'kubectl submariner show gateways --contexts cluster1,cluster2 -o json'];
  protected readonly views: ViewName[] = ['gateways'];
}
