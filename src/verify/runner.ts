import { errorMessage } from '../base/errors.js';
import type { Outcome, Side, StepResult, TestDefinition, TestEnv, TestKey, TestResult, VerifyReport } from './model.js';
import { InterruptedError } from './probes.js';
import { verifyTests } from './tests.js';
import { runSuffix, type Images, type TestCluster } from './workloads.js';

/** Live progress of a run: a line per test, updated as its steps go. */
export interface VerifyProgress {
  testStarted(title: string): void;
  stepStarted(title: string, step: string): void;
  testFinished(result: TestResult): void;
}

export interface VerifyOptions {
  from: TestCluster;
  to: TestCluster;
  only: readonly TestKey[];
  disruptive: boolean;
  images: Images;
  timeoutMs: number;
  progress: VerifyProgress;
  /** Aborted on interrupt: the running step stops, the test's namespaces are removed, the rest is skipped. */
  signal: AbortSignal;
  tests?: readonly TestDefinition[];
  now?: () => number;
  suffix?: () => string;
}

/** Settles like `p`, or rejects with InterruptedError as soon as `signal` aborts. */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new InterruptedError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new InterruptedError());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

const skipped = (def: TestDefinition, startedAt: string, message: string): TestResult => ({
  key: def.key,
  title: def.title,
  outcome: 'skipped',
  startedAt,
  durationMs: 0,
  steps: [],
  message,
  measurements: {},
});

/**
 * Runs the selected tests between two clusters, one after another. Each test gets its own namespace in both
 * clusters, removed when the test ends, whether it passed, failed or was interrupted.
 */
export async function runVerify(o: VerifyOptions): Promise<VerifyReport> {
  const now = o.now ?? Date.now;
  const started = now();
  const startedAt = new Date(started).toISOString();
  const [fromFacts, toFacts] = await Promise.all([o.from.facts(), o.to.facts()]);
  const from: Side = { cluster: o.from, facts: fromFacts };
  const to: Side = { cluster: o.to, facts: toFacts };
  const suffix = (o.suffix ?? runSuffix)();
  const results: TestResult[] = [];
  for (const def of (o.tests ?? verifyTests).filter((t) => o.only.includes(t.key))) {
    const result = await runOne(def, o, from, to, suffix, now);
    results.push(result);
    o.progress.testFinished(result);
  }
  return { context: o.from.context, toContext: o.to.context, startedAt, durationMs: now() - started, interrupted: o.signal.aborted, tests: results };
}

async function runOne(def: TestDefinition, o: VerifyOptions, from: Side, to: Side, suffix: string, now: () => number): Promise<TestResult> {
  const iso = (): string => new Date(now()).toISOString();
  if (o.signal.aborted) return skipped(def, iso(), 'not run: interrupted');
  if (def.disruptive && !o.disruptive) return skipped(def, iso(), 'disruptive: run with --disruptive-tests');
  const measurements: Record<string, string> = {};
  const env: TestEnv = {
    from,
    to,
    namespace: `verify-${def.key}-${suffix}`,
    images: o.images,
    timeoutMs: o.timeoutMs,
    signal: o.signal,
    measure: (name, value) => void (measurements[name] = value),
  };
  const reason = def.skip(env);
  if (reason !== undefined) return skipped(def, iso(), reason);
  o.progress.testStarted(def.title);
  return runTest(def, env, o, now, measurements);
}

async function runTest(def: TestDefinition, env: TestEnv, o: VerifyOptions, now: () => number, measurements: Record<string, string>): Promise<TestResult> {
  const startedAt = new Date(now()).toISOString();
  const started = now();
  const clusters = o.from === o.to ? [o.from] : [o.from, o.to];
  const steps: StepResult[] = [];
  let failure: string | undefined;
  const runStep = async (name: string, fn: () => Promise<void>): Promise<void> => {
    o.progress.stepStarted(def.title, name);
    const t0 = now();
    try {
      await abortable(fn(), o.signal);
      steps.push({ name, outcome: 'passed', durationMs: now() - t0 });
    } catch (err) {
      const message = err instanceof InterruptedError ? 'interrupted' : errorMessage(err);
      steps.push({ name, outcome: 'failed', durationMs: now() - t0, message });
      failure ??= `${name}: ${message}`;
    }
  };
  const created: TestCluster[] = [];
  try {
    await runStep(`create namespace ${env.namespace} in ${clusters.map((c) => c.context).join(' and ')}`, async () => {
      for (const c of clusters) {
        await c.createNamespace(env.namespace, 'verify');
        created.push(c);
      }
    });
    for (const step of def.steps(env)) {
      if (failure !== undefined) {
        steps.push({ name: step.name, outcome: 'skipped', durationMs: 0, message: 'not run: an earlier step failed' });
        continue;
      }
      await runStep(step.name, () => step.run());
    }
  } finally {
    // Cleanup runs even after an interrupt, so it is not raced against the signal.
    const t0 = now();
    const errors: string[] = [];
    for (const c of created) await c.deleteNamespace(env.namespace).catch((err: unknown) => errors.push(errorMessage(err)));
    const name = `remove namespace ${env.namespace}`;
    if (errors.length > 0) {
      steps.push({ name, outcome: 'failed', durationMs: now() - t0, message: errors.join('; ') });
      failure ??= `${name}: ${errors.join('; ')}`;
    } else {
      steps.push({ name, outcome: 'passed', durationMs: now() - t0 });
    }
  }
  const outcome: Outcome = failure === undefined ? 'passed' : 'failed';
  return {
    key: def.key,
    title: def.title,
    outcome,
    startedAt,
    durationMs: now() - started,
    steps,
    ...(failure !== undefined ? { message: failure } : {}),
    measurements,
  };
}
