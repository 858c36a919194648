import { BenchmarkCommand } from '../../benchmark/command.js';

export default class BenchmarkLatency extends BenchmarkCommand {
  static override summary = 'Measure request/response latency (p50/p99 of HTTP requests on new connections) across the clusters, beside a same-cluster baseline.';
  static override examples = [
    'kubectl submariner benchmark latency --context cluster1 --tocontext cluster2',
    'kubectl submariner benchmark latency --context cluster1 --tocontext cluster2 --requests 500 -o json',
  ];
  protected readonly kind = 'latency' as const;
}
