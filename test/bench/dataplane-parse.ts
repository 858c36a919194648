// What the data plane benchmark reads from iperf3 and ping output.

import { parsePingRtt } from '../../src/net/ping/echo.js';

/** Bits per second the receiver counted, from `iperf3 -c ... -J`. */
export function iperfReceivedBps(json: string): number {
  const r = JSON.parse(json) as { error?: string; end?: { sum_received?: { bits_per_second?: number } } };
  if (r.error !== undefined) throw new Error(`iperf3: ${r.error}`);
  const bps = r.end?.sum_received?.bits_per_second;
  if (typeof bps !== 'number') throw new Error(`iperf3 reported no received throughput: ${json.slice(0, 500)}`);
  return bps;
}

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

/** The longest time without a reply, in ms, over replies from `fromMs` on (counting the gap that straddles it). */
export function longestGapMs(replies: readonly number[], fromMs: number): number {
  const before = replies.filter((t) => t < fromMs).at(-1);
  const after = replies.filter((t) => t >= fromMs);
  const series = before === undefined ? after : [before, ...after];
  let longest = 0;
  for (let i = 1; i < series.length; i++) longest = Math.max(longest, (series[i] ?? 0) - (series[i - 1] ?? 0));
  return longest;
}

export const bitRate = (bps: number): string => (bps >= 1e9 ? `${(bps / 1e9).toFixed(2)} Gbit/s` : `${(bps / 1e6).toFixed(0)} Mbit/s`);
