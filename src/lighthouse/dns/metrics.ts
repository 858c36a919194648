import { Counter, Histogram, Registry } from 'prom-client';

/** The DNS server's metrics, in a prom-client registry of their own. */
export class DnsMetrics {
  readonly registry = new Registry();
  private readonly registers = [this.registry];
  readonly queries = new Counter({ name: 'lighthouse_dns_queries_total', help: 'DNS queries received, by transport and query type.', labelNames: ['proto', 'type'] as const, registers: this.registers });
  readonly responses = new Counter({ name: 'lighthouse_dns_responses_total', help: 'DNS responses sent, by transport and rcode.', labelNames: ['proto', 'rcode'] as const, registers: this.registers });
  readonly truncated = new Counter({
    name: 'lighthouse_dns_truncated_responses_total',
    help: 'Responses sent with the TC flag because they did not fit, by transport.',
    labelNames: ['proto'] as const,
    registers: this.registers,
  });
  readonly malformed = new Counter({
    name: 'lighthouse_dns_malformed_queries_total',
    help: 'Packets or TCP frames that were not a DNS query and were dropped, by transport.',
    labelNames: ['proto'] as const,
    registers: this.registers,
  });
  readonly duration = new Histogram({
    name: 'lighthouse_dns_query_duration_seconds',
    help: 'Time from receiving a query to having its response ready.',
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1],
    registers: this.registers,
  });
}
