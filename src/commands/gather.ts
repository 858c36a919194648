import { Flags } from '@oclif/core';
import { KubeCommand } from '../cli/kube-command.js';
import { UsageError } from '../base/errors.js';
import { formatData } from '../cli/output.js';
import { StderrReporter } from '../cli/reporter.js';
import { gatherModules, gatherTypes, type GatherModule, type GatherType } from '../gather/bundle.js';
import { defaultDir, gather } from '../gather/gather.js';
import { KubePodAccess } from '../kube/exec.js';
import { targets } from '../show/show.js';

function listFlag<T extends string>(value: string | undefined, allowed: readonly T[], flag: string): T[] {
  if (value === undefined) return [...allowed];
  const items = value.split(',').map((v) => v.trim()).filter((v) => v !== '');
  const bad = items.filter((v) => !(allowed as readonly string[]).includes(v));
  if (bad.length > 0) throw new UsageError(`--${flag} ${bad.join(',')}: choose from ${allowed.join(', ')}`);
  return items as T[];
}

export default class Gather extends KubeCommand<typeof Gather> {
  static override summary = 'Write a support bundle: objects, agent logs and node network state per cluster, a summary.html and a .tar.gz.';
  static override examples = [
    'kubectl submariner gather',
    'kubectl submariner gather --contexts cluster1,cluster2 --dir /tmp/bundle --module connectivity --type resources',
  ];
  static override flags = {
    contexts: Flags.string({ summary: 'Comma-separated kube contexts to gather (default: every context of the kubeconfig).' }),
    dir: Flags.string({ summary: 'Directory to write the bundle to (default: submariner-<UTC timestamp>).' }),
    module: Flags.string({ summary: `Comma-separated modules to gather (${gatherModules.join(', ')}; default: all).` }),
    type: Flags.string({ summary: `Comma-separated types to gather (${gatherTypes.join(', ')}; default: both).` }),
    'include-sensitive-data': Flags.boolean({ summary: 'Keep tokens, pre-shared keys, private keys and Secret data instead of redacting them.', default: false }),
  };

  public async run(): Promise<void> {
    const modules = listFlag<GatherModule>(this.flags.module, gatherModules, 'module');
    const types = listFlag<GatherType>(this.flags.type, gatherTypes, 'type');
    const ts = targets({
      kubeconfig: this.flags.kubeconfig,
      context: this.flags.context,
      contexts: this.flags.contexts?.split(',').map((c) => c.trim()).filter((c) => c !== ''),
      allContexts: this.flags.context === undefined,
      namespace: this.flags.namespace,
    }).map((t) => {
      const access = new KubePodAccess(t.kc);
      return { ...t, exec: access, logs: access };
    });
    const now = new Date();
    const result = await gather(ts, { dir: this.flags.dir ?? defaultDir(now), modules, types, includeSensitiveData: this.flags['include-sensitive-data'], now }, new StderrReporter());
    if (this.outputFormat === 'json' || this.outputFormat === 'yaml') {
      process.stdout.write(formatData(result, this.outputFormat));
      return;
    }
    process.stdout.write(`Wrote ${result.files} files to ${result.dir} and ${result.archive}\nSummary: ${result.summary}\n`);
    for (const c of result.unreachable) this.warning(`${c} could not be reached; the summary records it`);
  }
}
