import { paint } from '../cli/color.js';
import type { TableView } from '../cli/output.js';
import type { TestResult, VerifyReport } from './model.js';
import type { VerifyProgress } from './runner.js';

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

/** The summary table: one row per test with its outcome, duration and what to look at. */
export function summaryView(r: VerifyReport): TableView<TestResult> {
  return {
    columns: [
      { header: 'test', get: (t) => t.key },
      { header: 'result', get: (t) => t.outcome },
      { header: 'duration', get: (t) => (t.outcome === 'skipped' ? '-' : secs(t.durationMs)) },
      {
        header: 'details',
        get: (t) =>
          [t.message, ...Object.entries(t.measurements).map(([k, v]) => `${k}: ${v}`)].filter((x) => x !== undefined && x !== '').join('; ') || '-',
      },
    ],
    rows: r.tests,
  };
}

/**
 * Progress on stderr. On a terminal one line per test is rewritten with the running step, then replaced by the
 * outcome; elsewhere (CI logs) each test prints a start line and an outcome line.
 */
export class StderrVerifyProgress implements VerifyProgress {
  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly color = false,
  ) {}

  private get live(): boolean {
    return this.out.isTTY === true;
  }

  testStarted(title: string): void {
    if (!this.live) this.out.write(` ⌛ ${title}\n`);
  }

  stepStarted(title: string, step: string): void {
    if (!this.live) return;
    const width = (this.out.columns ?? 100) - 1;
    this.out.write(`\r\u001b[K ⌛ ${`${title}: ${step}`.slice(0, width - 4)}`);
  }

  testFinished(t: TestResult): void {
    const clear = this.live ? '\r\u001b[K' : '';
    if (t.outcome === 'passed') this.out.write(`${clear} ${paint('✓', 'green', this.color)} ${t.title} (${secs(t.durationMs)})\n`);
    else if (t.outcome === 'skipped') this.out.write(`${clear} ${paint('-', 'yellow', this.color)} ${t.title} skipped: ${t.message ?? ''}\n`);
    else this.out.write(`${clear} ${paint('✗', 'red', this.color)} ${t.title} (${secs(t.durationMs)}) failed at ${t.message ?? ''}\n`);
  }
}
