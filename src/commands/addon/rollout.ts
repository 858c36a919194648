import { Flags } from '@oclif/core';
import { UserError } from '../../base/errors.js';
import { KubeCommand } from '../../cli/kube-command.js';
import { StderrReporter } from '../../cli/reporter.js';
import { rolloutAddon } from '../../../addon/cli.js';
import { defaultAddonNamespace } from '../../../addon/names.js';

export default class AddonRollout extends KubeCommand<typeof AddonRollout> {
  static override summary = 'Roll a new version or images out to the fleet and follow OCM until every cluster has it.';
  static override description =
    "Changes the addon's default AddOnDeploymentConfig (and, with --strategy, the placement's rollout strategy); OCM then " +
    'moves the clusters to the new config as the strategy says, and this command prints each cluster as it starts and ' +
    'completes, until all have, OCM stops the rollout, or --timeout passes. A cluster that has not applied the new config ' +
    'within --progress-deadline counts as failed (so does one that stopped reporting); past --max-failures of them OCM ' +
    'stops and the clusters after them keep their previous config.';
  static override examples = [
    'kubectl submariner addon rollout --context hub --version 0.2.0',
    'kubectl submariner addon rollout --context hub --version 0.2.0 --strategy progressive --max-concurrency 1',
    'kubectl submariner addon rollout --context hub --image-override submariner-gateway=registry.local/gateway:dev',
  ];
  static override flags = {
    version: Flags.string({ summary: 'The agents\' image tag.' }),
    'image-override': Flags.string({ summary: 'component=image; repeat for several.', multiple: true, default: [] }),
    strategy: Flags.option({ options: ['all', 'progressive', 'progressive-per-group'] as const, summary: 'How OCM moves the clusters.' })(),
    'max-concurrency': Flags.string({ summary: 'With progressive: clusters at a time (a count or a percentage).' }),
    'min-success-time': Flags.string({ summary: 'How long a cluster must stay successful before the next ones start (e.g. 30s).' }),
    'progress-deadline': Flags.string({ summary: 'How long a cluster may take before it counts as failed (e.g. 5m).' }),
    'max-failures': Flags.string({ summary: 'Failed clusters tolerated before OCM stops the rollout (a count or a percentage).' }),
    timeout: Flags.integer({ summary: 'Seconds to follow the rollout.', default: 600 }),
    'addon-namespace': Flags.string({ summary: 'Namespace of the controller and its config.', default: defaultAddonNamespace }),
  };

  public async run(): Promise<void> {
    const f = this.flags;
    const result = await rolloutAddon(
      this.kubeConfig(),
      {
        namespace: f['addon-namespace'],
        version: f.version,
        imageOverrides: f['image-override'],
        strategy: f.strategy,
        maxConcurrency: f['max-concurrency'],
        minSuccessTime: f['min-success-time'],
        progressDeadline: f['progress-deadline'],
        maxFailures: f['max-failures'],
        timeoutMs: f.timeout * 1000,
      },
      new StderrReporter(),
    );
    this.print(result, {
      columns: [
        { header: 'cluster', get: (r) => r.cluster },
        { header: 'started', get: (r) => (r.startedMs === undefined ? '-' : `+${(r.startedMs / 1000).toFixed(1)}s`) },
        { header: 'completed', get: (r) => (r.completedMs === undefined ? '-' : `+${(r.completedMs / 1000).toFixed(1)}s`) },
        { header: 'failed', get: (r) => (r.failedMs === undefined ? '-' : `+${(r.failedMs / 1000).toFixed(1)}s ${r.problem ?? ''}`.trim()) },
      ],
      rows: result.clusters,
    });
    const failed = result.clusters.filter((c) => c.failedMs !== undefined);
    if (failed.length > 0) throw new UserError(`${failed.map((c) => c.cluster).join(', ')} did not apply the new config (within --max-failures, so OCM went on with the others)`);
  }
}
