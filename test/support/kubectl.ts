import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { kubectl } from './binaries.js';

const run = promisify(execFile);

export interface Kubectl {
  (args: string[], input?: string): Promise<string>;
  /** Runs and returns the exit code with both streams instead of throwing. */
  result(args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** The real kubectl against one context of a kubeconfig, as a user types it. */
export function kubectlFor(kubeconfig: string, context: string): Kubectl {
  const base = ['--kubeconfig', kubeconfig, '--context', context];
  const call = async (args: string[], input?: string): Promise<string> => {
    if (input === undefined) return (await run(kubectl, [...base, ...args], { maxBuffer: 16 * 1024 * 1024, timeout: 180_000 })).stdout;
    return new Promise((resolve, reject) => {
      const child = execFile(kubectl, [...base, ...args], { maxBuffer: 16 * 1024 * 1024, timeout: 180_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
      );
      child.stdin?.end(input);
    });
  };
  const result = async (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const r = await run(kubectl, [...base, ...args], { maxBuffer: 16 * 1024 * 1024, timeout: 180_000 });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  };
  return Object.assign(call, { result });
}

/** Polls until `check` returns a value (not undefined) or throws the last failure after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what} not met after ${timeoutMs / 1000}s${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * What `kubectl get <kinds> -A` lists (names only, Endpoints aside), taken once no namespace is terminating: an
 * earlier test's namespace that is still being deleted is not part of the cluster "as it was".
 */
export async function inventory(k: Kubectl, what = 'cluster', kinds = 'all,cm,secret,sa,role,rolebinding'): Promise<string> {
  await eventually(async () => ((await k(['get', 'namespaces', '-o', 'jsonpath={.items[*].status.phase}'])).includes('Terminating') ? undefined : true), 120_000, `${what}: no namespace terminating`);
  return (await k(['get', kinds, '-A', '-o', 'name'])).split('\n').filter((l) => l !== '' && !l.startsWith('endpoints/')).sort().join('\n');
}
