import type { V1ContainerPort, V1Probe } from '@kubernetes/client-node';
import type { CommandRunner } from '../../../net/command.js';
import { podArgv } from './runtime.js';

export interface ProbeTarget {
  pausePid: number;
  /** The pod's network namespace (`/run/netns/...`): network probes run there, pause process or not. */
  netnsPath: string;
  podIp: string;
  env: Record<string, string>;
  ports: readonly V1ContainerPort[];
  /** The argv running a command inside the container (exec probes); default: in the pause process's namespaces. */
  exec?: ((argv: readonly string[]) => string[]) | undefined;
}

function port(p: number | string | undefined, ports: readonly V1ContainerPort[]): number {
  if (typeof p === 'number') return p;
  const named = ports.find((x) => x.name === p)?.containerPort;
  const n = named ?? Number(p);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`probe port "${String(p)}" is neither a number nor a named containerPort`);
  return n;
}

/** The argv that performs one probe inside the pod, or undefined for a kind the sandbox treats as passing (gRPC). */
export function probeArgv(probe: V1Probe, target: ProbeTarget): string[] | undefined {
  const timeout = String(probe.timeoutSeconds ?? 1);
  const enter = (argv: string[], mount = false): string[] =>
    mount ? podArgv({ pausePid: target.pausePid, argv, env: target.env }) : ['nsenter', `--net=${target.netnsPath}`, '--', ...argv];
  if (probe.exec) return target.exec ? target.exec(probe.exec.command ?? []) : enter(probe.exec.command ?? [], true);
  if (probe.tcpSocket) {
    return enter(['nc', '-z', '-w', timeout, probe.tcpSocket.host || target.podIp, String(port(probe.tcpSocket.port, target.ports))]);
  }
  if (probe.httpGet) {
    const g = probe.httpGet;
    const scheme = (g.scheme ?? 'HTTP').toLowerCase();
    const host = g.host || target.podIp;
    const path = g.path?.startsWith('/') ? g.path : `/${g.path ?? ''}`;
    const headers = (g.httpHeaders ?? []).flatMap((h) => ['-H', `${h.name}: ${h.value}`]);
    return enter(['curl', '-sk', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', timeout, ...headers, `${scheme}://${host}:${port(g.port, target.ports)}${path}`]);
  }
  return undefined;
}

/** Runs one probe; true when it passed. */
export async function runProbe(runner: CommandRunner, probe: V1Probe, target: ProbeTarget): Promise<boolean> {
  const argv = probeArgv(probe, target);
  if (!argv) return true;
  const [file, ...args] = argv as [string, ...string[]];
  const timeoutMs = ((probe.timeoutSeconds ?? 1) + 2) * 1000;
  const res = await runner.run(file, args, { allowFailure: true, timeoutMs }).catch(() => undefined);
  if (!res || res.code !== 0) return false;
  if (probe.httpGet) {
    const code = Number(res.stdout.trim());
    return code >= 200 && code < 400;
  }
  return true;
}

/** Periodic probing with the probe's delay, period and thresholds; reports each change of result. */
export class Prober {
  private timer: NodeJS.Timeout | undefined;
  private successes = 0;
  private failures = 0;
  private stopped = false;
  result: boolean;

  constructor(
    private readonly probe: V1Probe,
    private readonly check: () => Promise<boolean>,
    private readonly onChange: (ok: boolean) => void,
    initial: boolean,
  ) {
    this.result = initial;
  }

  start(): void {
    this.schedule((this.probe.initialDelaySeconds ?? 0) * 1000);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    const ok = await this.check().catch(() => false);
    if (this.stopped) return;
    if (ok) {
      this.failures = 0;
      this.successes++;
      if (!this.result && this.successes >= (this.probe.successThreshold ?? 1)) this.set(true);
    } else {
      this.successes = 0;
      this.failures++;
      if (this.result && this.failures >= (this.probe.failureThreshold ?? 3)) this.set(false);
    }
    this.schedule((this.probe.periodSeconds ?? 10) * 1000);
  }

  private set(ok: boolean): void {
    this.result = ok;
    this.onChange(ok);
  }
}
