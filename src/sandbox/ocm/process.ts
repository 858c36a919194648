import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../controlplane/ports.js';
import { ManagedProcess, waitHttpReady } from '../controlplane/process.js';

export interface OcmProcessSpec {
  /** Process and log name, e.g. registration-controller. */
  name: string;
  file: string;
  /** The command's own arguments; the library-go ones (--listen, --disable-leader-election) are added here. */
  args: string[];
  /** Its logs go to `<dir>/logs/<name>.log`. */
  dir: string;
  onProcess?: (pid: number) => void;
}

/**
 * Starts an OCM command (a library-go controller) and waits until its health port answers. Each gets its own
 * loopback port: every one of them defaults to :8443.
 */
export async function startOcmProcess(spec: OcmProcessSpec): Promise<ManagedProcess> {
  mkdirSync(join(spec.dir, 'logs'), { recursive: true });
  const port = await freePort('127.0.0.1');
  const proc = new ManagedProcess({
    name: spec.name,
    file: spec.file,
    args: [...spec.args, '--disable-leader-election', `--listen=127.0.0.1:${port}`],
    logFile: join(spec.dir, 'logs', `${spec.name}.log`),
    cwd: spec.dir,
  });
  const pid = proc.start();
  spec.onProcess?.(pid);
  try {
    await waitHttpReady(proc, `https://127.0.0.1:${port}/healthz`, { insecure: true, what: `OCM ${spec.name}`, timeoutMs: 60_000 });
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return proc;
}
