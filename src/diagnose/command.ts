import { Flags } from '@oclif/core';
import { KubeCommand } from '../cli/kube-command.js';
import { formatData } from '../cli/output.js';
import { StderrReporter } from '../cli/reporter.js';
import { KubePodAccess } from '../kube/exec.js';
import { targets } from '../show/show.js';
import { diagnose } from './diagnose.js';
import { failures, type CheckName } from './model.js';
import { renderReport } from './render.js';

const flags = {
  contexts: Flags.string({ summary: 'Comma-separated kube contexts to diagnose (default: every context of the kubeconfig).' }),
};

/** `diagnose <check>`: runs checks over the given contexts (or all of them), prints ✓/✗ lines, exits 1 on a failure. */
export abstract class DiagnoseCommand extends KubeCommand<typeof DiagnoseCommand> {
  static override flags = flags;
  protected abstract readonly checks: CheckName[];

  public async run(): Promise<void> {
    const ts = targets({
      kubeconfig: this.flags.kubeconfig,
      context: this.flags.context,
      contexts: this.flags.contexts?.split(',').map((c) => c.trim()).filter((c) => c !== ''),
      allContexts: this.flags.context === undefined,
      namespace: this.flags.namespace,
    }).map((t) => ({ ...t, exec: new KubePodAccess(t.kc) }));
    const report = await diagnose(ts, this.checks, new StderrReporter());
    if (this.outputFormat === 'json' || this.outputFormat === 'yaml') process.stdout.write(formatData(report, this.outputFormat));
    else process.stdout.write(renderReport(report.results, this.color));
    if (failures(report.results).length > 0) this.exit(1);
  }
}
