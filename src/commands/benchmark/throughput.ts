import { BenchmarkCommand } from '../../benchmark/command.js';

export default class BenchmarkThroughput extends BenchmarkCommand {
  static override summary = 'Measure TCP throughput with iperf3 between pods on gateway and non-gateway nodes, beside a same-cluster baseline.';
  static override examples = [
    'kubectl submariner benchmark throughput --context cluster1 --tocontext cluster2',
    'kubectl submariner benchmark throughput --context cluster1 --intra-cluster',
  ];
  protected readonly kind = 'throughput' as const;
}
