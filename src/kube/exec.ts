import { Writable } from 'node:stream';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';

/** What a command run in a container printed, and how it ended. */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecTarget {
  namespace: string;
  pod: string;
  container: string;
}

/** Runs a command in a container, as `kubectl exec` does. */
export interface PodExecutor {
  exec(target: ExecTarget, command: readonly string[], timeoutMs: number): Promise<ExecResult>;
}

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

/** Exec through the apiserver's pods/exec subresource (client-node's WebSocket Exec). */
export class KubeExec implements PodExecutor {
  private readonly client: Exec;

  constructor(kc: KubeConfig) {
    this.client = new Exec(kc);
  }

  async exec(t: ExecTarget, command: readonly string[], timeoutMs: number): Promise<ExecResult> {
    const out = collector();
    const err = collector();
    let status: V1Status | undefined;
    const ws = await this.client.exec(t.namespace, t.pod, t.container, [...command], out.stream, err.stream, null, false, (s) => {
      status = s;
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.close();
        reject(new Error(`${command.join(' ')} in ${t.namespace}/${t.pod} did not finish within ${timeoutMs / 1000}s`));
      }, timeoutMs);
      ws.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
      ws.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    if (status === undefined) throw new Error(`exec of ${command.join(' ')} in ${t.namespace}/${t.pod} ended without an exit status`);
    const code = exitCodeOf(status);
    if (code === undefined) throw new Error(`cannot run ${command.join(' ')} in ${t.namespace}/${t.pod}: ${status.message ?? status.reason ?? 'unknown error'}`);
    return { code, stdout: out.text(), stderr: err.text() };
  }
}
