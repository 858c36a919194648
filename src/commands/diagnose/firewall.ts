import { DiagnoseCommand } from '../../diagnose/command.js';
import type { CheckName } from '../../diagnose/model.js';

export default class DiagnoseFirewall extends DiagnoseCommand {
  static override summary = 'Send UDP probes between the gateways (tunnel and NAT-discovery ports) and from every node to its gateway (VXLAN), and report which are blocked.';
  static override examples = ['kubectl submariner diagnose firewall', 'kubectl submariner diagnose firewall --contexts cluster1,cluster2 -o json'];
  protected readonly checks: CheckName[] = ['firewall'];
}
