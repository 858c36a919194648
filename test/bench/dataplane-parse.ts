// What the data plane benchmark reads from iperf3 and ping output.

import { parsePingRtt } from '../../src/net/ping/echo.js';

/** Average round-trip time in ms from ping's summary line (`rtt min/avg/max/mdev = a/b/c/d ms`). */
export function pingAverageMs(output: string): number {
  const ns = parsePingRtt(output);
  if (ns === undefined) throw new Error(`ping printed no round-trip summary (no reply?):\n${output.slice(-500)}`);
  return ns / 1e6;
}

/** Receive times in ms of every reply line of `ping -D` (`[1718000000.123456] 64 bytes from ...`). */
export function pingReplyTimes(lines: readonly string[]): number[] {
  const out: number[] = [];
  for (const l of lines) {
    const m = /^\[(\d+\.\d+)\] \d+ bytes from /.exec(l);
    if (m?.[1] !== undefined) out.push(Number(m[1]) * 1000);
  }
  return out;
}

export { bitRate, iperfReceivedBps } from '../../src/benchmark/parse.js';
export { longestGapMs } from '../../src/base/stats.js';
