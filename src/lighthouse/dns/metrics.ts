import { Counter, Histogram, Registry } from 'prom-client';

/**
 * Counts by two label values in plain numbers: the query path adds without building label objects, and the
 * counter takes the totals when it is read.
 */
class Tally {
  private readonly counts = new Map<string, Map<string, number>>();

  add(a: string, b: string): void {
    let inner = this.counts.get(a);
    if (inner === undefined) {
      inner = new Map();
      this.counts.set(a, inner);
    }
    inner.set(b, (inner.get(b) ?? 0) + 1);
  }

  each(fn: (a: string, b: string, count: number) => void): void {
    for (const [a, inner] of this.counts) for (const [b, count] of inner) fn(a, b, count);
  }
}

/** The DNS server's metrics, in a prom-client registry of their own. */
export class DnsMetrics {
  readonly registry = new Registry();
  private readonly registers = [this.registry];
  private readonly queryTally = new Tally();
  private readonly responseTally = new Tally();
  readonly queries: Counter<'proto' | 'type'> = new Counter({
    name: 'lighthouse_dns_queries_total',
    help: 'DNS queries received, by transport and query type.',
    labelNames: ['proto', 'type'] as const,
    registers: this.registers,
    collect: () => {
      this.queries.reset();
      this.queryTally.each((proto, type, n) => this.queries.inc({ proto, type }, n));
    },
  });
  readonly responses: Counter<'proto' | 'rcode'> = new Counter({
    name: 'lighthouse_dns_responses_total',
    help: 'DNS responses sent, by transport and rcode.',
    labelNames: ['proto', 'rcode'] as const,
    registers: this.registers,
    collect: () => {
      this.responses.reset();
      this.responseTally.each((proto, rcode, n) => this.responses.inc({ proto, rcode }, n));
    },
  });
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

  /** One query and its response, counted on the query path. */
  countAnswered(proto: string, type: string, rcode: string): void {
    this.queryTally.add(proto, type);
    this.responseTally.add(proto, rcode);
  }
}
