import { DiagnoseCommand } from '../../diagnose/command.js';
import { checkNames, type CheckName } from '../../diagnose/model.js';

export default class DiagnoseAll extends DiagnoseCommand {
  static override summary = 'Run every check: Kubernetes version, CNI, kube-proxy mode, deployment, connections, firewall, service discovery and Globalnet.';
  static override examples = ['kubectl submariner diagnose all', 'kubectl submariner diagnose all --contexts cluster1,cluster2 -o json'];
  protected readonly checks: CheckName[] = [...checkNames];
}
