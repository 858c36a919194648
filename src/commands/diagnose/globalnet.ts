import { DiagnoseCommand } from '../../diagnose/command.js';
import type { CheckName } from '../../diagnose/model.js';

export default class DiagnoseGlobalnet extends DiagnoseCommand {
  static override summary = 'Check that Globalnet allocated the cluster egress IPs, the GlobalEgressIPs and a global IP for every exported Service.';
  static override examples = ['kubectl submariner diagnose globalnet', 'kubectl submariner diagnose globalnet --contexts cluster1,cluster2 -o json'];
  protected readonly checks: CheckName[] = ['globalnet'];
}
