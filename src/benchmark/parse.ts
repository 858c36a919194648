// What the benchmarks read from iperf3's JSON report and from curl's per-request timings.

export interface IperfResult {
  sentBps: number;
  receivedBps: number;
  retransmits: number | undefined;
  streams: number;
}

interface IperfJson {
  error?: string;
  start?: { test_start?: { num_streams?: number } };
  end?: {
    sum_sent?: { bits_per_second?: number; retransmits?: number };
    sum_received?: { bits_per_second?: number };
  };
}

/** The totals of `iperf3 -c ... -J` (all streams); throws with iperf3's own error when it failed. */
export function parseIperf(json: string): IperfResult {
  let r: IperfJson;
  try {
    r = JSON.parse(json) as IperfJson;
  } catch {
    throw new Error(`iperf3 printed no JSON report: ${json.slice(0, 300)}`);
  }
  if (r.error !== undefined) throw new Error(`iperf3: ${r.error}`);
  const received = r.end?.sum_received?.bits_per_second;
  const sent = r.end?.sum_sent?.bits_per_second;
  if (typeof received !== 'number' || typeof sent !== 'number') throw new Error(`iperf3 reported no throughput: ${json.slice(0, 300)}`);
  return { sentBps: sent, receivedBps: received, retransmits: r.end?.sum_sent?.retransmits, streams: r.start?.test_start?.num_streams ?? 1 };
}

/** Bits per second the receiver counted, from `iperf3 -c ... -J`. */
export function iperfReceivedBps(json: string): number {
  return parseIperf(json).receivedBps;
}

export const bitRate = (bps: number): string => (bps >= 1e9 ? `${(bps / 1e9).toFixed(2)} Gbit/s` : `${(bps / 1e6).toFixed(0)} Mbit/s`);

/** The marker that starts each line of timings `curlTimingCommand` prints, apart from the response bodies. */
const timingMarker = 'KSUB-TIMING';

/** `count` GETs of `url`, each on a new connection, printing TCP connect and total time per request. */
export function curlTimingCommand(url: string, count: number, timeoutSeconds = 5): string[] {
  const urls = Array.from({ length: count }, (_, i) => `${url}${url.includes('?') ? '&' : '?'}n=${i}`);
  return ['curl', '-s', '-H', 'Connection: close', '--max-time', String(timeoutSeconds), '-w', `\\n${timingMarker} %{http_code} %{time_connect} %{time_total}\\n`, ...urls];
}

export interface RequestTiming {
  code: number;
  connectMs: number;
  totalMs: number;
}

/** The per-request timings in curl's output (response bodies in between are ignored). */
export function parseCurlTimings(stdout: string): RequestTiming[] {
  const out: RequestTiming[] = [];
  for (const line of stdout.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] !== timingMarker || f.length < 4) continue;
    const [code, connect, total] = [Number(f[1]), Number(f[2]), Number(f[3])];
    if ([code, connect, total].some((n) => !Number.isFinite(n))) continue;
    out.push({ code, connectMs: connect * 1000, totalMs: total * 1000 });
  }
  return out;
}
