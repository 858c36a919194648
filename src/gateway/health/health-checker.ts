import type { EndpointSpec, LatencyRTTSpec } from '../../api/generated.js';
import type { Logger } from '../../base/log.js';
import type { Ping } from '../../net/ping/echo.js';
import { Pinger } from '../../net/ping/pinger.js';

export const PING_FAILURE_MESSAGE = 'Failed to successfully ping the remote endpoint IP';

export interface HealthCheckerOptions {
  /** Our healthCheckIP: the source of the pings. */
  localIp: () => string | undefined;
  ping: Ping;
  intervalMs: number;
  maxPacketLoss: number;
  log: Logger;
  /** A connection turned healthy or unhealthy: the Gateway status should say so now, not at its next periodic write. */
  onChange?: (() => void) | undefined;
}

/**
 * A connection that lost its last ping is pinged this many times per interval: a cut path is reported within the
 * allowed losses at this quicker pace (under 5 s with Submariner's defaults, a ping a second and 5 lost), and a healed
 * one within a fraction of the interval.
 */
const RETRIES_PER_INTERVAL = 4;

/** What the checker knows about one remote gateway. */
export interface EndpointHealth {
  healthy: boolean;
  message: string;
  latency: LatencyRTTSpec | undefined;
}

/**
 * Pings every remote gateway's healthCheckIP from ours once per interval (active gateway only). A
 * connection turns unhealthy when more pings were lost in a row than allowed; any reply heals it. One
 * whose last ping was lost is pinged several times per interval until it answers.
 */
export class HealthChecker {
  private readonly targets = new Map<string, Pinger>();
  private timer: NodeJS.Timeout | undefined;
  private beats = 0;

  constructor(private readonly o: HealthCheckerOptions) {}

  /** Tracks the remote Endpoints by cable name; those without a healthCheckIP are not pinged. */
  setEndpoints(endpoints: readonly EndpointSpec[]): void {
    const want = new Map(endpoints.filter((e) => e.healthCheckIP).map((e) => [e.cable_name, e.healthCheckIP ?? '']));
    for (const name of this.targets.keys()) if (want.get(name) !== this.targets.get(name)?.ip) this.targets.delete(name);
    for (const [name, ip] of want) if (!this.targets.has(name)) this.targets.set(name, this.pinger(name, ip));
  }

  private pinger(name: string, ip: string): Pinger {
    return new Pinger({
      ip,
      ping: this.o.ping,
      source: this.o.localIp,
      intervalMs: this.o.intervalMs,
      maxPacketLoss: this.o.maxPacketLoss,
      onChange: this.o.onChange,
      onError: (err) => this.o.log.debug('ping failed', { endpoint: name, error: err instanceof Error ? err.message : String(err) }),
    });
  }

  health(cableName: string): EndpointHealth | undefined {
    const p = this.targets.get(cableName);
    if (!p) return undefined;
    const healthy = p.state() !== 'error';
    return { healthy, message: healthy ? '' : PING_FAILURE_MESSAGE, latency: p.latency() };
  }

  /** One round of pings (a target whose previous ping is still out is skipped). */
  async tick(): Promise<void> {
    await Promise.all([...this.targets.values()].map((p) => p.once()));
  }

  /** A retry of the connections whose last ping was lost, only. */
  async retryLossy(): Promise<void> {
    await Promise.all([...this.targets.values()].filter((p) => p.lostInARow > 0).map((p) => p.once()));
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.beats = (this.beats + 1) % RETRIES_PER_INTERVAL;
      void (this.beats === 0 ? this.tick() : this.retryLossy());
    }, this.o.intervalMs / RETRIES_PER_INTERVAL);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
