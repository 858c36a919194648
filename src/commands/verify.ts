import { writeFileSync } from 'node:fs';
import { Flags } from '@oclif/core';
import { colorEnabled } from '../cli/color.js';
import { ExitCode, UsageError, UserError } from '../base/errors.js';
import { withInterrupt } from '../cli/interrupt.js';
import { KubeCommand } from '../cli/kube-command.js';
import { imagesOf, loadOtherKubeConfig, pairFlags } from '../verify/pair.js';
import { renderJUnit } from '../verify/junit.js';
import { parseTestKeys, reportPassed, testKeys } from '../verify/model.js';
import { StderrVerifyProgress, summaryView } from '../verify/report.js';
import { runVerify } from '../verify/runner.js';
import { KubeTestCluster } from '../verify/workloads.js';

export default class Verify extends KubeCommand<typeof Verify> {
  static override summary = 'Run connectivity, service discovery, GlobalNet and failover tests between two joined clusters.';
  static override description =
    'Each test creates its own namespace and pods in both clusters and removes them afterwards, also when interrupted. ' +
    'A failure exits 1 and names the failing step.';
  static override examples = [
    'kubectl submariner verify --context cluster1 --tocontext cluster2',
    'kubectl submariner verify --context cluster1 --tocontext cluster2 --only connectivity,service-discovery --junit-report verify.xml',
    'kubectl submariner verify --context cluster1 --tocontext cluster2 --only gateway-failover --disruptive-tests',
  ];
  static override flags = {
    ...pairFlags,
    only: Flags.string({ summary: `Comma-separated tests to run (${testKeys.join(', ')}).`, default: testKeys.join(',') }),
    'disruptive-tests': Flags.boolean({ summary: 'Also run tests that disrupt the clusters (gateway-failover deletes the active gateway pod).' }),
    'junit-report': Flags.string({ summary: 'Write the results as JUnit XML to this file.' }),
  };

  public async run(): Promise<void> {
    if (this.flags.tocontext === undefined && this.flags.toconfig === undefined) {
      throw new UsageError('verify needs the other cluster: pass --tocontext NAME (and --toconfig FILE when it is in another kubeconfig)');
    }
    let only;
    try {
      only = parseTestKeys(this.flags.only);
    } catch (err) {
      throw new UsageError(`--only: ${(err as Error).message}`);
    }
    const kc = this.kubeConfig();
    const from = new KubeTestCluster(kc.getCurrentContext(), kc);
    const otherKc = loadOtherKubeConfig(this.flags);
    const to = new KubeTestCluster(otherKc.getCurrentContext(), otherKc);
    const report = await withInterrupt(
      (signal) =>
        runVerify({
          from,
          to,
          only,
          disruptive: this.flags['disruptive-tests'],
          images: imagesOf(this.flags),
          timeoutMs: this.flags.timeout * 1000,
          progress: new StderrVerifyProgress(process.stderr, colorEnabled(process.stderr)),
          signal,
        }),
      'Interrupted: removing the test namespaces',
    );
    if (this.flags['junit-report'] !== undefined) writeFileSync(this.flags['junit-report'], renderJUnit(report));
    this.print(report, summaryView(report));
    if (report.interrupted) throw new UserError('verify interrupted', ExitCode.interrupted);
    if (!reportPassed(report)) {
      const failed = report.tests.filter((t) => t.outcome === 'failed').map((t) => `${t.key} failed at ${t.message ?? ''}`);
      throw new UserError(failed.join('\n'));
    }
  }
}
