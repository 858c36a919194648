import { DiagnoseCommand } from '../../diagnose/command.js';
import type { CheckName } from '../../diagnose/model.js';

export default class DiagnoseServiceDiscovery extends DiagnoseCommand {
  static override summary = 'Check that every ServiceExport has its Service, EndpointSlice and ServiceImport and is Valid and Ready.';
  static override examples = ['kubectl submariner diagnose service-discovery', 'kubectl submariner diagnose service-discovery --contexts cluster1,cluster2 -o json'];
  protected readonly checks: CheckName[] = ['service-discovery'];
}
