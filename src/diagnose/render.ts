import { paint } from '../cli/color.js';
import { failures, type CheckResult, type Finding } from './model.js';

const mark = (f: Finding, color: boolean): string =>
  f.status === 'pass' ? paint('✓', 'green', color) : f.status === 'fail' ? paint('✗', 'red', color) : paint('-', 'yellow', color);

/** The report as ✓/✗ lines: one block per check and cluster, each failure followed by its fix, then a tally. */
export function renderReport(results: readonly CheckResult[], color = false): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${paint(`${r.check} on ${r.context}`, 'bold', color)} (looked at ${r.lookedAt})`);
    for (const f of r.findings) {
      lines.push(` ${mark(f, color)} ${f.status === 'skip' ? `skipped: ${f.message}` : f.message}`);
      if (f.fix) lines.push(`   fix: ${f.fix}`);
    }
    lines.push('');
  }
  const failed = failures(results);
  const passed = results.flatMap((r) => r.findings).filter((f) => f.status === 'pass').length;
  lines.push(failed.length === 0 ? `All ${passed} checks passed.` : `${failed.length} check${failed.length === 1 ? '' : 's'} failed, ${passed} passed.`);
  return lines.join('\n') + '\n';
}
