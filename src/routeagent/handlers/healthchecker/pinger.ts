import type { ConnectionStatus, LatencyRTTSpec } from '../../../api/generated.js';
import type { CommandRunner } from '../../../net/command.js';
import type { NsOpt } from '../../../net/iproute2/model.js';

export interface PingResult {
  ok: boolean;
  /** Round-trip time in milliseconds, when answered. */
  rttMs?: number | undefined;
}

/** Sends one ICMP echo and waits for the answer. */
export type PingFn = (ip: string) => Promise<PingResult>;

/** One `ping -c 1` through the command runner. */
export function execPing(runner: CommandRunner, ns: NsOpt = {}, waitSeconds = 1): PingFn {
  return async (ip) => {
    const res = await runner.run('ping', ['-n', '-q', '-c', '1', '-W', String(waitSeconds), ip], {
      ...ns,
      allowFailure: true,
      timeoutMs: (waitSeconds + 2) * 1000,
    });
    if (res.code !== 0) return { ok: false };
    const m = /= [\d.]+\/([\d.]+)\//.exec(res.stdout) ?? /time=([\d.]+) ms/.exec(res.stdout);
    return { ok: true, rttMs: m?.[1] === undefined ? undefined : Number(m[1]) };
  };
}

/** A duration as Go's time.Duration prints it (`388.079µs`, `1.5ms`, `2s`). */
export function goDuration(ms: number): string {
  const ns = Math.round(ms * 1e6);
  const trim = (v: number, digits: number): string => v.toFixed(digits).replace(/\.?0+$/, '');
  if (ns < 1000) return `${ns}ns`;
  if (ns < 1e6) return `${trim(ns / 1e3, 3)}µs`;
  if (ns < 1e9) return `${trim(ns / 1e6, 6)}ms`;
  return `${trim(ns / 1e9, 9)}s`;
}

export interface PingerStatus {
  status: ConnectionStatus;
  message: string;
  latency?: LatencyRTTSpec | undefined;
}

export interface PingerOptions {
  ip: string;
  ping: PingFn;
  intervalMs: number;
  /** More lost pings in a row than this make the status `error`. */
  maxPacketLoss: number;
  /** Called when status or message change (not on every RTT sample). */
  onChange: () => void;
  schedule?: (fn: () => void, ms: number) => () => void;
}

const MAX_SAMPLES = 1000;

/** Pings one remote endpoint's health-check IP at an interval and keeps its status and RTT statistics. */
export class Pinger {
  private lost = 0;
  private answered = false;
  private readonly samples: number[] = [];
  private last: number | undefined;
  private cancel: (() => void) | undefined;
  private stopped = true;

  constructor(private readonly o: PingerOptions) {}

  get ip(): string {
    return this.o.ip;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.tick();
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
    this.cancel = undefined;
  }

  status(): PingerStatus {
    if (this.lost > this.o.maxPacketLoss) {
      return { status: 'error', message: `Failed to successfully ping the remote endpoint IP ${this.o.ip}` };
    }
    if (!this.answered) return { status: 'connecting', message: `Waiting for the first ping reply from ${this.o.ip}` };
    return { status: 'connected', message: '', latency: this.latency() };
  }

  private latency(): LatencyRTTSpec | undefined {
    const n = this.samples.length;
    if (n === 0 || this.last === undefined) return undefined;
    const mean = this.samples.reduce((a, b) => a + b, 0) / n;
    const variance = this.samples.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    return {
      last: goDuration(this.last),
      min: goDuration(Math.min(...this.samples)),
      average: goDuration(mean),
      max: goDuration(Math.max(...this.samples)),
      stdDev: goDuration(Math.sqrt(variance)),
    };
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const before = this.status();
    let result: PingResult;
    try {
      result = await this.o.ping(this.o.ip);
    } catch {
      result = { ok: false };
    }
    if (this.stopped) return;
    if (result.ok) {
      this.lost = 0;
      this.answered = true;
      if (result.rttMs !== undefined) {
        this.last = result.rttMs;
        this.samples.push(result.rttMs);
        if (this.samples.length > MAX_SAMPLES) this.samples.shift();
      }
    } else {
      this.lost++;
    }
    const after = this.status();
    if (after.status !== before.status || after.message !== before.message) this.o.onChange();
    const schedule = this.o.schedule ?? defaultSchedule;
    this.cancel = schedule(() => void this.tick(), this.o.intervalMs);
  }
}

function defaultSchedule(fn: () => void, ms: number): () => void {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
}
