import { BaseCommand } from '../../cli/kube-command.js';
import { ExecRunner } from '../../net/command.js';
import { sandboxDown } from '../../sandbox/control.js';

export default class SandboxDown extends BaseCommand<typeof SandboxDown> {
  static override summary = 'Stop the sandbox fleet and remove everything it created on this host.';
  static override description =
    'Removes every process, network namespace, link and file of the fleet, also after a crash of the sandbox itself.';
  static override examples = ['kubectl submariner sandbox down'];

  public async run(): Promise<void> {
    const { removed } = await sandboxDown(new ExecRunner());
    process.stderr.write(removed ? 'The sandbox is down; everything it created has been removed.\n' : 'No sandbox is up; nothing to do.\n');
  }
}
