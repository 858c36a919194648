import { DiagnoseCommand } from '../../diagnose/command.js';
import type { CheckName } from '../../diagnose/model.js';

export default class DiagnoseDeployment extends DiagnoseCommand {
  static override summary = 'Check that the agents run as rendered (image, environment, readiness), with exactly one active gateway and an overlay MTU that fits the path.';
  static override examples = ['kubectl submariner diagnose deployment', 'kubectl submariner diagnose deployment --contexts cluster1,cluster2 -o json'];
  protected readonly checks: CheckName[] = ['deployment'];
}
