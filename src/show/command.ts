import { Flags } from '@oclif/core';
import { KubeCommand } from '../cli/kube-command.js';
import { formatData, formatTable } from '../cli/output.js';
import { columns, dataOf } from './columns.js';
import { gather, type ViewName } from './data/gather.js';
import { targets } from './show.js';

const flags = {
  contexts: Flags.string({ summary: 'Comma-separated kube contexts to show in one table.' }),
};

/** `show <view>`: one or several views over one or several clusters, as tables or json/yaml. */
export abstract class ShowCommand extends KubeCommand<typeof ShowCommand> {
  static override flags = flags;
  protected abstract readonly views: ViewName[];

  public async run(): Promise<void> {
    const ts = targets({
      kubeconfig: this.flags.kubeconfig,
      context: this.flags.context,
      contexts: this.flags.contexts?.split(',').map((c) => c.trim()).filter((c) => c !== ''),
      namespace: this.flags.namespace,
    });
    const multi = ts.length > 1;
    const results = await Promise.all(this.views.map(async (v) => ({ view: v, rows: await gather(v, ts) })));
    if (this.outputFormat === 'json' || this.outputFormat === 'yaml') {
      process.stdout.write(formatData(dataOf(results), this.outputFormat));
      return;
    }
    for (const [i, r] of results.entries()) {
      if (this.views.length > 1) process.stdout.write(`${i > 0 ? '\n' : ''}Showing ${r.view}\n`);
      if (r.rows.length === 0) {
        process.stderr.write(`No resources found${this.views.length > 1 ? ` (${r.view})` : ''}\n`);
        continue;
      }
      process.stdout.write(formatTable({ columns: columns(r.view, multi, r.rows), rows: r.rows }, this.outputFormat === 'wide'));
    }
  }
}
