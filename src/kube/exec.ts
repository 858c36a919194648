import { Writable } from 'node:stream';
import { CoreV1Api, Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';

/** What a command run in a pod printed and how it ended. */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A pod's container; the pod's first container when `container` is not given. */
export interface PodRef {
  namespace: string;
  name: string;
  container?: string | undefined;
}

/** Runs a command inside a running pod's container, as `kubectl exec` does. */
export interface PodExec {
  exec(pod: PodRef, command: readonly string[], timeoutMs?: number): Promise<ExecResult>;
}

/** Reads a pod container's log, as `kubectl logs [--previous]` does; undefined when there is none. */
export interface PodLogs {
  logs(pod: PodRef, previous: boolean): Promise<string | undefined>;
}

/** Exit code of a command that could not be started at all (no such container or binary), as a shell reports it. */
export const cannotRun = 126;
/** Exit code of a command that did not finish in time, as `timeout` reports it. */
export const timedOut = 124;

/**
 * The exit code in the Status the kubelet sends when an exec ends: 0 on Success, the `ExitCode` cause on
 * NonZeroExitCode; undefined when the command could not run at all (no such container, no such binary...).
 */
export function exitCodeOf(status: V1Status): number | undefined {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = Number(cause?.message);
  return cause !== undefined && Number.isInteger(code) ? code : undefined;
}

function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Exec and logs through the API server (client-node's Exec over WebSocket). */
export class KubePodAccess implements PodExec, PodLogs {
  private readonly api: CoreV1Api;

  constructor(private readonly kc: KubeConfig) {
    this.api = kc.makeApiClient(CoreV1Api);
  }

  async exec(pod: PodRef, command: readonly string[], timeoutMs = 30_000): Promise<ExecResult> {
    const out = collector();
    const err = collector();
    const where = `${command.join(' ')} in ${pod.namespace}/${pod.name}`;
    return new Promise<ExecResult>((resolve) => {
      let settled = false;
      const finish = (r: ExecResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const timer = setTimeout(() => finish({ code: timedOut, stdout: out.text(), stderr: `${err.text()}${where} did not finish within ${timeoutMs / 1000}s` }), timeoutMs);
      new Exec(this.kc)
        .exec(pod.namespace, pod.name, pod.container ?? '', [...command], out.stream, err.stream, null, false, (status) =>
          // The status frame comes before the streams are flushed; let them drain first.
          setImmediate(() => {
            const code = exitCodeOf(status);
            const why = code === undefined ? `cannot run ${where}: ${status.message ?? status.reason ?? 'unknown error'}` : '';
            finish({ code: code ?? cannotRun, stdout: out.text(), stderr: `${err.text()}${why}` });
          }),
        )
        .then((ws) => ws.on('close', () => setTimeout(() => finish({ code: 0, stdout: out.text(), stderr: err.text() }), 50)))
        .catch((e: unknown) => finish({ code: cannotRun, stdout: '', stderr: `cannot run ${where}: ${e instanceof Error ? e.message : String(e)}` }));
    });
  }

  async logs(pod: PodRef, previous: boolean): Promise<string | undefined> {
    try {
      return await this.api.readNamespacedPodLog({ namespace: pod.namespace, name: pod.name, ...(pod.container ? { container: pod.container } : {}), previous });
    } catch {
      return undefined;
    }
  }
}
