import { formatTable } from '../../src/cli/output.js';

export interface BenchRow {
  metric: string;
  value: string;
  baseline: string;
  target?: string;
}

/** Prints one benchmark's results: each measurement beside the baseline measured in the same run. */
export function printBench(title: string, rows: BenchRow[]): void {
  process.stdout.write(`\n${title}\n`);
  process.stdout.write(
    formatTable({
      columns: [
        { header: 'metric', get: (r: BenchRow) => r.metric },
        { header: 'value', get: (r: BenchRow) => r.value },
        { header: 'baseline', get: (r: BenchRow) => r.baseline },
        { header: 'target', get: (r: BenchRow) => r.target ?? '-' },
      ],
      rows,
    }),
  );
}

export { median, percentile } from '../../src/base/stats.js';

/** Milliseconds for a report, with `digits` decimals. */
export const ms = (v: number, digits = 0): string => `${v.toFixed(digits)} ms`;
/** Milliseconds as seconds for a report, with `digits` decimals. */
export const sec = (v: number, digits = 1): string => `${(v / 1000).toFixed(digits)} s`;
export const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
