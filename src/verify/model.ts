import type { Images, TestCluster, ClusterFacts } from './workloads.js';

export const testKeys = ['connectivity', 'service-discovery', 'globalnet', 'gateway-failover'] as const;
export type TestKey = (typeof testKeys)[number];

export type Outcome = 'passed' | 'failed' | 'skipped';

export interface StepResult {
  name: string;
  outcome: Outcome;
  durationMs: number;
  /** Why it failed, or why it did not run. */
  message?: string;
}

export interface TestResult {
  key: TestKey;
  title: string;
  outcome: Outcome;
  startedAt: string;
  durationMs: number;
  steps: StepResult[];
  /** The skip reason, or the failing step and its error. */
  message?: string;
  /** Figures a test measured, e.g. the traffic gap of a failover. */
  measurements: Record<string, string>;
}

export interface VerifyReport {
  context: string;
  toContext: string;
  startedAt: string;
  durationMs: number;
  interrupted: boolean;
  tests: TestResult[];
}

export function reportPassed(r: VerifyReport): boolean {
  return !r.interrupted && r.tests.every((t) => t.outcome !== 'failed');
}

/** One cluster of the run and what it is. */
export interface Side {
  cluster: TestCluster;
  facts: ClusterFacts;
}

/** What a test's steps work with: both clusters, the test's own namespace (the same name in both) and the run's settings. */
export interface TestEnv {
  from: Side;
  to: Side;
  namespace: string;
  images: Images;
  /** How long one wait (a pod to start, traffic to pass, a name to resolve) may take. */
  timeoutMs: number;
  signal: AbortSignal;
  measure(name: string, value: string): void;
}

export interface Step {
  name: string;
  run(): Promise<void>;
}

/** A verify test: when it applies, and its steps in order (each step may use what the earlier ones set up). */
export interface TestDefinition {
  key: TestKey;
  title: string;
  /** Runs only with --disruptive-tests. */
  disruptive: boolean;
  /** A reason not to run on these clusters, or undefined. */
  skip(env: TestEnv): string | undefined;
  steps(env: TestEnv): Step[];
}

/** `--only a,b`: the test keys, in the order given; an unknown key is a usage error naming the valid ones. */
export function parseTestKeys(text: string): TestKey[] {
  const keys = text.split(',').map((k) => k.trim()).filter((k) => k !== '');
  const unknown = keys.filter((k) => !(testKeys as readonly string[]).includes(k));
  if (unknown.length > 0) throw new Error(`unknown test ${unknown.join(', ')}: choose from ${testKeys.join(', ')}`);
  if (keys.length === 0) throw new Error(`no test given: choose from ${testKeys.join(', ')}`);
  return keys as TestKey[];
}
