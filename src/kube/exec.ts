import { Writable } from 'node:stream';
import { CoreV1Api, Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';

/** What a command run in a pod printed and how it ended. */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command inside a running pod's container, as `kubectl exec` does. */
export interface PodExec {
  exec(pod: { namespace: string; name: string; container?: string | undefined }, command: readonly string[], timeoutMs?: number): Promise<ExecResult>;
}

/** Reads a pod container's log, as `kubectl logs [--previous]` does; undefined when there is none. */
export interface PodLogs {
  logs(pod: { namespace: string; name: string; container?: string | undefined }, previous: boolean): Promise<string | undefined>;
}

function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** The exit code a remote-command Status carries (0 on Success). */
export function statusExitCode(status: V1Status): number {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = Number(cause?.message);
  return Number.isInteger(code) ? code : 1;
}

/** Exec and logs through the API server (client-node's Exec over WebSocket). */
export class KubePodAccess implements PodExec, PodLogs {
  private readonly api: CoreV1Api;

  constructor(private readonly kc: KubeConfig) {
    this.api = kc.makeApiClient(CoreV1Api);
  }

  async exec(pod: { namespace: string; name: string; container?: string | undefined }, command: readonly string[], timeoutMs = 30_000): Promise<ExecResult> {
    const out = collector();
    const err = collector();
    return new Promise<ExecResult>((resolve) => {
      let settled = false;
      const finish = (r: ExecResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const timer = setTimeout(() => finish({ code: 124, stdout: out.text(), stderr: `${err.text()}timed out after ${timeoutMs / 1000}s` }), timeoutMs);
      new Exec(this.kc)
        .exec(pod.namespace, pod.name, pod.container ?? '', [...command], out.stream, err.stream, null, false, (status) =>
          // the status frame comes before the streams are flushed; let them drain first
          setImmediate(() => finish({ code: statusExitCode(status), stdout: out.text(), stderr: err.text() })),
        )
        .then((ws) => ws.on('close', () => setTimeout(() => finish({ code: 0, stdout: out.text(), stderr: err.text() }), 50)))
        .catch((e: unknown) => finish({ code: 126, stdout: '', stderr: e instanceof Error ? e.message : String(e) }));
    });
  }

  async logs(pod: { namespace: string; name: string; container?: string | undefined }, previous: boolean): Promise<string | undefined> {
    try {
      return await this.api.readNamespacedPodLog({ namespace: pod.namespace, name: pod.name, ...(pod.container ? { container: pod.container } : {}), previous });
    } catch {
      return undefined;
    }
  }
}
