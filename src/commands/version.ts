import { KubeCommand } from '../cli/kube-command.js';
import { NoKubeconfigError } from '../cli/kubeconfig.js';
import { clientVersion, serverVersion, type ClientVersion, type ServerVersion } from '../base/version.js';
import { errorMessage } from '../base/errors.js';

export interface VersionResult {
  clientVersion: ClientVersion;
  serverVersion?: ServerVersion;
}

export default class Version extends KubeCommand<typeof Version> {
  static override summary = 'Print the plugin version and, when a cluster is reachable, the server version.';
  static override examples = ['kubectl submariner version', 'kubectl submariner version --context cluster1 -o json'];

  public async run(): Promise<VersionResult> {
    const result: VersionResult = { clientVersion: clientVersion() };
    let kc;
    try {
      kc = this.kubeConfig();
    } catch (err) {
      if (!(err instanceof NoKubeconfigError)) throw err;
    }
    if (kc !== undefined) {
      try {
        result.serverVersion = await serverVersion(kc);
      } catch (err) {
        this.warning(`cannot reach the server: ${errorMessage(err)}`);
      }
    }
    if (this.outputFormat === 'json' || this.outputFormat === 'yaml') {
      this.print(result, { columns: [], rows: [] });
    } else {
      process.stdout.write(`Client Version: ${result.clientVersion.gitVersion}\n`);
      if (result.serverVersion) process.stdout.write(`Server Version: ${result.serverVersion.gitVersion}\n`);
    }
    return result;
  }
}
