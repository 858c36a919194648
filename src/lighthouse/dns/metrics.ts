/** A small Prometheus registry (counters and one histogram) rendered in the text exposition format. */

type Labels = Record<string, string>;

interface Metric {
  render(): string;
}

/** How many label sets a counter remembers the rendered text of, so that counting stays cheap on the query path. */
const MAX_CACHED_LABEL_SETS = 1000;

export class Counter implements Metric {
  private readonly values = new Map<string, number>();
  private readonly keys = new Map<string, string>();

  constructor(
    readonly name: string,
    private readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = this.key(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  private key(labels: Labels): string {
    let raw = '';
    for (const name in labels) {
      const value = labels[name] as string;
      raw += `${name.length}:${name}${value.length}:${value}`;
    }
    let key = this.keys.get(raw);
    if (key === undefined) {
      key = labelText(labels);
      if (this.keys.size < MAX_CACHED_LABEL_SETS) this.keys.set(raw, key);
    }
    return key;
  }

  /** The current value for `labels`, or the sum over all label sets when `labels` is omitted. */
  value(labels?: Labels): number {
    if (labels === undefined) return [...this.values.values()].reduce((a, b) => a + b, 0);
    return this.values.get(labelText(labels)) ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [labels, value] of [...this.values.entries()].sort()) lines.push(`${this.name}${labels} ${value}`);
    return lines.join('\n');
  }
}

export class Histogram implements Metric {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly buckets: readonly number[],
  ) {
    this.counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) {
      if (value <= (this.buckets[i] as number)) this.counts[i] = (this.counts[i] ?? 0) + 1;
    }
  }

  get observations(): number {
    return this.count;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.buckets.forEach((le, i) => lines.push(`${this.name}_bucket{le="${le}"} ${this.counts[i] ?? 0}`));
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`, `${this.name}_sum ${this.sum}`, `${this.name}_count ${this.count}`);
    return lines.join('\n');
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];

  register<M extends Metric>(metric: M): M {
    this.metrics.push(metric);
    return metric;
  }

  render(): string {
    return `${this.metrics.map((m) => m.render()).join('\n')}\n`;
  }
}

/** The DNS server's metrics. */
export class DnsMetrics {
  readonly registry = new Registry();
  readonly queries = this.registry.register(new Counter('lighthouse_dns_queries_total', 'DNS queries received, by transport and query type.'));
  readonly responses = this.registry.register(new Counter('lighthouse_dns_responses_total', 'DNS responses sent, by transport and rcode.'));
  readonly truncated = this.registry.register(
    new Counter('lighthouse_dns_truncated_responses_total', 'Responses sent with the TC flag because they did not fit, by transport.'),
  );
  readonly malformed = this.registry.register(
    new Counter('lighthouse_dns_malformed_queries_total', 'Packets or TCP frames that were not a DNS query and were dropped, by transport.'),
  );
  readonly duration = this.registry.register(
    new Histogram('lighthouse_dns_query_duration_seconds', 'Time from receiving a query to having its response ready.', [
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1,
    ]),
  );
}

function labelText(labels: Labels): string {
  const parts = Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}
