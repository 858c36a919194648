import type { CommandRunner } from '../command.js';
import { checkIp } from '../iproute2/argv.js';

/** Sends one echo request to `dst` (from `source` when given); resolves the round trip in nanoseconds, or undefined when no reply came. */
export type Ping = (dst: string, source?: string) => Promise<number | undefined>;

export interface CommandPingOptions {
  /** How long to wait for the reply: whole seconds from one second on, else that fraction (at least 100 ms). */
  timeoutMs: number;
  /** Ping from inside this named network namespace. */
  netns?: string | undefined;
}

/**
 * The round trip in nanoseconds from iputils ping's output: the summary's average
 * (`rtt min/avg/max/mdev = 0.061/0.061/0.061/0.000 ms`), else a reply line's `time=0.045 ms`.
 */
export function parsePingRtt(stdout: string): number | undefined {
  const m = /= [\d.]+\/([\d.]+)\/[\d.]+\/[\d.]+ ms/.exec(stdout) ?? /\btime[=<]([\d.]+) ?ms\b/.exec(stdout);
  return m?.[1] === undefined ? undefined : Math.round(Number(m[1]) * 1e6);
}

/** One ICMP echo through the `ping` program (root, so no unprivileged-ICMP sysctl is needed). */
export function commandPing(runner: CommandRunner, o: CommandPingOptions): Ping {
  const seconds = o.timeoutMs >= 1000 ? Math.ceil(o.timeoutMs / 1000) : Math.max(100, Math.round(o.timeoutMs)) / 1000;
  return async (dst, source) => {
    const from = source === undefined ? [] : ['-I', checkIp(source, 'ping source')];
    const res = await runner.run('ping', ['-n', '-q', '-c', '1', '-W', String(seconds), ...from, checkIp(dst, 'ping destination')], {
      netns: o.netns,
      allowFailure: true,
      timeoutMs: Math.ceil(seconds + 2) * 1000,
    });
    return res.code === 0 ? parsePingRtt(res.stdout) : undefined;
  };
}
