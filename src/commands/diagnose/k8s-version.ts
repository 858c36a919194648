import { DiagnoseCommand } from '../../diagnose/command.js';
import type { CheckName } from '../../diagnose/model.js';

export default class DiagnoseK8sVersion extends DiagnoseCommand {
  static override summary = 'Check that the Kubernetes version is supported.';
  static override examples = ['kubectl submariner diagnose k8s-version', 'kubectl submariner diagnose k8s-version --contexts cluster1,cluster2 -o json'];
  protected readonly checks: CheckName[] = ['k8s-version'];
}
