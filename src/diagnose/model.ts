/** The checks of `diagnose`, in the order `diagnose all` runs them. */
export const checkNames = ['k8s-version', 'cni', 'kube-proxy-mode', 'deployment', 'connections', 'firewall', 'service-discovery', 'globalnet'] as const;
export type CheckName = (typeof checkNames)[number];

/** One thing a check verified: passed, failed (with the fix) or could not be checked (with why). */
export interface Finding {
  status: 'pass' | 'fail' | 'skip';
  message: string;
  /** What to do about a failure. */
  fix?: string;
}

/** A check's verdict on one cluster: what it looked at and what it found. */
export interface CheckResult {
  check: CheckName;
  context: string;
  /** The objects and command outputs the verdict is drawn from. */
  lookedAt: string;
  findings: Finding[];
}

export const pass = (message: string): Finding => ({ status: 'pass', message });
export const fail = (message: string, fix: string): Finding => ({ status: 'fail', message, fix });
export const skip = (message: string): Finding => ({ status: 'skip', message });

export function failed(r: CheckResult): boolean {
  return r.findings.some((f) => f.status === 'fail');
}

/** Every failure across results, labelled with its check and cluster. */
export function failures(results: readonly CheckResult[]): (Finding & { check: CheckName; context: string })[] {
  return results.flatMap((r) => r.findings.filter((f) => f.status === 'fail').map((f) => ({ ...f, check: r.check, context: r.context })));
}
