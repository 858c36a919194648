import { Flags } from '@oclif/core';
import { UsageError } from '../base/errors.js';
import { withInterrupt } from '../cli/interrupt.js';
import { KubeCommand } from '../cli/kube-command.js';
import { imagesOf, loadOtherKubeConfig, pairFlags } from '../verify/pair.js';
import { StderrReporter } from '../cli/reporter.js';
import { KubeTestCluster } from '../verify/workloads.js';
import { latencyView, runBenchmark, throughputView, type BenchmarkKind } from './benchmark.js';

const flags = {
  ...pairFlags,
  'intra-cluster': Flags.boolean({ summary: 'Measure between two nodes of the --context cluster only.' }),
  streams: Flags.integer({ summary: 'Parallel iperf3 streams (-P).', default: 10, min: 1 }),
  seconds: Flags.integer({ summary: 'Length of each iperf3 run, in seconds (-t).', default: 10, min: 1 }),
  requests: Flags.integer({ summary: 'HTTP requests per latency measurement, each on a new TCP connection.', default: 100, min: 1 }),
};

/** `benchmark throughput|latency`: measure across the clusters and on a same-cluster path as the baseline. */
export abstract class BenchmarkCommand extends KubeCommand<typeof BenchmarkCommand> {
  static override flags = flags;
  protected abstract readonly kind: BenchmarkKind;

  public async run(): Promise<void> {
    const intra = this.flags['intra-cluster'];
    if (!intra && this.flags.tocontext === undefined && this.flags.toconfig === undefined) {
      throw new UsageError('benchmark needs the other cluster: pass --tocontext NAME, or --intra-cluster to measure inside one cluster');
    }
    const kc = this.kubeConfig();
    const from = new KubeTestCluster(kc.getCurrentContext(), kc);
    const otherKc = intra ? kc : loadOtherKubeConfig(this.flags);
    const to = intra ? from : new KubeTestCluster(otherKc.getCurrentContext(), otherKc);
    const result = await withInterrupt(
      (signal) =>
        runBenchmark({
          kind: this.kind,
          from,
          to,
          intraCluster: intra,
          images: imagesOf(this.flags),
          timeoutMs: this.flags.timeout * 1000,
          streams: this.flags.streams,
          seconds: this.flags.seconds,
          requests: this.flags.requests,
          reporter: new StderrReporter(),
          signal,
        }),
      'Interrupted: removing the benchmark namespace',
    );
    if (result.kind === 'throughput') this.print(result.rows, throughputView(result.rows));
    else this.print(result.rows, latencyView(result.rows));
  }
}
