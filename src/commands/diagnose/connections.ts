import { DiagnoseCommand } from '../../diagnose/command.js';
import type { CheckName } from '../../diagnose/model.js';

export default class DiagnoseConnections extends DiagnoseCommand {
  static override summary = 'Check the active gateway\'s connections and every route agent\'s path to the remote clusters.';
  static override examples = ['kubectl submariner diagnose connections', 'kubectl submariner diagnose connections --contexts cluster1,cluster2 -o json'];
  protected readonly checks: CheckName[] = ['connections'];
}
