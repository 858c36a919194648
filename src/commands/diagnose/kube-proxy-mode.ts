import { DiagnoseCommand } from '../../diagnose/command.js';
import type { CheckName } from '../../diagnose/model.js';

export default class DiagnoseKubeProxyMode extends DiagnoseCommand {
  static override summary = 'Check that kube-proxy does not run in IPVS mode.';
  static override examples = ['kubectl submariner diagnose kube-proxy-mode', 'kubectl submariner diagnose kube-proxy-mode --contexts cluster1,cluster2 -o json'];
  protected readonly checks: CheckName[] = ['kube-proxy-mode'];
}
