import type { Ping } from './echo.js';
import { RttStats, type RttSpec } from './rtt.js';

/**
 * `connecting` until the first reply, `error` once more pings in a row went unanswered than allowed (the one still
 * out counts, as Submariner counts sent minus received when it sends), else `connected`.
 */
export type PingState = 'connecting' | 'connected' | 'error';

export interface PingerOptions {
  ip: string;
  ping: Ping;
  /** The source address of the pings; while it is undefined no ping goes out. */
  source?: (() => string | undefined) | undefined;
  intervalMs: number;
  /** More lost pings in a row than this make the state `error`; any reply heals it. */
  maxPacketLoss: number;
  /** Called when the state changes (not on every RTT sample). */
  onChange?: (() => void) | undefined;
  /** A ping that threw; it counts as lost. */
  onError?: ((err: unknown) => void) | undefined;
  schedule?: ((fn: () => void, ms: number) => () => void) | undefined;
}

/** Pings one remote health-check IP, keeps its reachability and RTT statistics (Submariner's pinger). */
export class Pinger {
  private readonly stats = new RttStats();
  private lost = 0;
  private answered = false;
  private inFlight = false;
  private cancel: (() => void) | undefined;
  private stopped = true;

  constructor(private readonly o: PingerOptions) {}

  get ip(): string {
    return this.o.ip;
  }

  /** Pings lost in a row since the last reply. */
  get lostInARow(): number {
    return this.lost;
  }

  state(): PingState {
    if (this.lost + (this.inFlight ? 1 : 0) > this.o.maxPacketLoss) return 'error';
    return this.answered ? 'connected' : 'connecting';
  }

  /** The RTT statistics as Go duration strings, once a reply came. */
  latency(): RttSpec | undefined {
    return this.stats.spec();
  }

  /** One ping (none while the previous one is still out or there is no source address). */
  async once(): Promise<void> {
    const source = this.o.source?.();
    if (this.inFlight || (this.o.source && !source)) return;
    let before = this.state();
    this.inFlight = true;
    if (this.state() !== before) {
      before = this.state();
      this.o.onChange?.();
    }
    let rtt: number | undefined;
    try {
      rtt = await this.o.ping(this.o.ip, source);
    } catch (err) {
      this.o.onError?.(err);
    } finally {
      this.inFlight = false;
    }
    if (rtt === undefined) {
      this.lost++;
    } else {
      this.lost = 0;
      this.answered = true;
      this.stats.add(rtt);
    }
    if (this.state() !== before) this.o.onChange?.();
  }

  /** Pings every interval (after each answer or loss) until stopped. */
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

  private async tick(): Promise<void> {
    if (this.stopped) return;
    await this.once();
    if (this.stopped) return;
    const schedule = this.o.schedule ?? defaultSchedule;
    this.cancel = schedule(() => void this.tick(), this.o.intervalMs);
  }
}

function defaultSchedule(fn: () => void, ms: number): () => void {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
}
