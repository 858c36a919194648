import type { StepResult, TestResult, VerifyReport } from './model.js';

/** Text as XML 1.0 allows it: markup characters escaped, control characters (ANSI escapes included) dropped. */
export function xmlEscape(text: string): string {
  return text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

function attrs(a: Record<string, string | number>): string {
  return Object.entries(a)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join('');
}

function counts(cases: { outcome: string }[]): { tests: number; failures: number; errors: number; skipped: number } {
  return {
    tests: cases.length,
    failures: cases.filter((c) => c.outcome === 'failed').length,
    errors: 0,
    skipped: cases.filter((c) => c.outcome === 'skipped').length,
  };
}

/** The testcases of one test: its steps, or one skipped case carrying the reason when the test did not run. */
function cases(t: TestResult): StepResult[] {
  if (t.steps.length > 0) return t.steps;
  return [{ name: t.title, outcome: 'skipped', durationMs: 0, ...(t.message !== undefined ? { message: t.message } : {}) }];
}

function testcase(t: TestResult, s: StepResult): string {
  const open = `    <testcase${attrs({ name: s.name, classname: `verify.${t.key}`, time: seconds(s.durationMs) })}`;
  if (s.outcome === 'passed') return `${open}/>`;
  if (s.outcome === 'skipped') return `${open}>\n      <skipped${attrs({ message: s.message ?? '' })}/>\n    </testcase>`;
  const message = s.message ?? 'failed';
  return `${open}>\n      <failure${attrs({ message, type: 'StepFailed' })}>${xmlEscape(`${s.name}: ${message}`)}</failure>\n    </testcase>`;
}

function testsuite(r: VerifyReport, t: TestResult): string {
  const cs = cases(t);
  const props = [['context', r.context], ['tocontext', r.toContext], ...Object.entries(t.measurements)]
    .map(([name, value]) => `      <property${attrs({ name: name ?? '', value: value ?? '' })}/>`)
    .join('\n');
  return [
    `  <testsuite${attrs({ name: t.key, ...counts(cs), time: seconds(t.durationMs), timestamp: t.startedAt.replace(/\.\d+Z$/, ''), hostname: r.context })}>`,
    `    <properties>\n${props}\n    </properties>`,
    ...cs.map((s) => testcase(t, s)),
    '  </testsuite>',
  ].join('\n');
}

/** The report as JUnit XML (testsuites > testsuite per test > testcase per step), as CI tools read it. */
export function renderJUnit(r: VerifyReport): string {
  const all = r.tests.flatMap(cases);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: 'kubectl submariner verify', ...counts(all), time: seconds(r.durationMs) })}>`,
    ...r.tests.map((t) => testsuite(r, t)),
    '</testsuites>',
    '',
  ].join('\n');
}
