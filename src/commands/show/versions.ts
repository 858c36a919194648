import { ShowCommand } from '../../show/command.js';
import type { ViewName } from '../../show/data/gather.js';

export default class ShowVersions extends ShowCommand {
  static override summary = 'Show the image version of each Submariner component.';
  static override examples = ['kubectl submariner show versions', 'kubectl submariner show versions --contexts cluster1,cluster2 -o json'];
  protected readonly views: ViewName[] = ['versions'];
}
