import { DiagnoseCommand } from '../../diagnose/command.js';
import type { CheckName } from '../../diagnose/model.js';

export default class DiagnoseCni extends DiagnoseCommand {
  static override summary = 'Check that the cluster\'s network plugin is supported.';
  static override examples = ['kubectl submariner diagnose cni', 'kubectl submariner diagnose cni --contexts cluster1,cluster2 -o json'];
  protected readonly checks: CheckName[] = ['cni'];
}
