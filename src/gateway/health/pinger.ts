import type { CommandRunner } from '../../net/command.js';
import { checkIp } from '../../net/iproute2/argv.js';

/** Sends one echo request; resolves the round trip in nanoseconds, or undefined when no reply came. */
export type Ping = (src: string, dst: string, timeoutMs: number) => Promise<number | undefined>;

/** `time=0.045 ms` from iputils ping's reply line. */
export function parsePingRtt(stdout: string): number | undefined {
  const m = /\btime[=<]([\d.]+) ?ms\b/.exec(stdout);
  return m?.[1] === undefined ? undefined : Math.round(Number(m[1]) * 1e6);
}

/** One ICMP echo through the `ping` program (root, so no unprivileged-ICMP sysctl is needed). */
export function commandPing(runner: CommandRunner): Ping {
  return async (src, dst, timeoutMs) => {
    const seconds = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
    const res = await runner.run('ping', ['-n', '-c', '1', '-W', seconds, '-I', checkIp(src, 'ping source'), checkIp(dst, 'ping destination')], {
      allowFailure: true,
      timeoutMs: timeoutMs + 2000,
    });
    return res.code === 0 ? parsePingRtt(res.stdout) : undefined;
  };
}
