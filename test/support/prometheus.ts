// Reading metrics as a scraper does: the exposition text through a Prometheus text-format parser.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  type: string;
  help: string;
  samples: Sample[];
  /** Histograms: one entry per label set. */
  histograms: { labels: Record<string, string>; count: number; sum: number; buckets: Record<string, number> }[];
}

/** Metric families by name. */
export function parseExposition(text: string): Map<string, Family> {
  const out = new Map<string, Family>();
  for (const f of parsePrometheusTextFormat(text)) {
    const family: Family = { type: f.type.toLowerCase(), help: f.help, samples: [], histograms: [] };
    for (const m of f.metrics) {
      const labels = m.labels ?? {};
      if (m.buckets !== undefined) {
        const buckets = Object.fromEntries(Object.entries(m.buckets).map(([le, n]) => [le, Number(n)]));
        family.histograms.push({ labels, count: Number(m.count), sum: Number(m.sum), buckets });
      } else family.samples.push({ labels, value: Number(m.value) });
    }
    out.set(f.name, family);
  }
  return out;
}

const matches = (labels: Record<string, string>, want: Record<string, string>): boolean => Object.entries(want).every(([k, v]) => labels[k] === v);

/** The samples of `name` whose labels include `labels`. */
export function samplesOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): Sample[] {
  return (families.get(name)?.samples ?? []).filter((s) => matches(s.labels, labels));
}

/** The sum of the samples of `name` whose labels include `labels` (0 when there are none). */
export function total(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  return samplesOf(families, name, labels).reduce((n, s) => n + s.value, 0);
}

/** What a registry (prom-client's, or anything with its metrics()) exposes right now. */
export async function scrapeRegistry(registry: { metrics(): Promise<string> | string }): Promise<Map<string, Family>> {
  return parseExposition(await registry.metrics());
}

/** The value of one prom-client counter summed over the label sets that include `labels`. */
export async function counterValue(metric: { get(): Promise<{ values: { labels: object; value: number }[] }> }, labels: Record<string, string> = {}): Promise<number> {
  return (await metric.get()).values.filter((v) => matches(v.labels as Record<string, string>, labels)).reduce((n, v) => n + v.value, 0);
}

/** How many observations one prom-client histogram (without labels) holds. */
export async function observations(metric: { get(): Promise<{ values: { metricName?: string; value: number }[] }> }): Promise<number> {
  return (await metric.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
}
