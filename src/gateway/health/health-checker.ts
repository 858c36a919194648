import type { EndpointSpec, LatencyRTTSpec } from '../../api/generated.js';
import type { Logger } from '../../kube/log.js';
import type { Ping } from './pinger.js';
import { RttStats } from './rtt.js';

export const PING_FAILURE_MESSAGE = 'Failed to successfully ping the remote endpoint IP';

export interface HealthCheckerOptions {
  /** Our healthCheckIP: the source of the pings. */
  localIp: () => string | undefined;
  ping: Ping;
  intervalMs: number;
  maxPacketLoss: number;
  log: Logger;
}

/** What the checker knows about one remote gateway. */
export interface EndpointHealth {
  healthy: boolean;
  message: string;
  latency: LatencyRTTSpec | undefined;
}

interface Target {
  ip: string;
  stats: RttStats;
  sent: number;
  received: number;
  inFlight: boolean;
}

/**
 * Pings every remote gateway's healthCheckIP from ours once per interval (active gateway only). A
 * connection turns unhealthy when more pings were lost in a row than allowed; any reply heals it.
 */
export class HealthChecker {
  private readonly targets = new Map<string, Target>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: HealthCheckerOptions) {}

  /** Tracks the remote Endpoints by cable name; those without a healthCheckIP are not pinged. */
  setEndpoints(endpoints: readonly EndpointSpec[]): void {
    const want = new Map(endpoints.filter((e) => e.healthCheckIP).map((e) => [e.cable_name, e.healthCheckIP ?? '']));
    for (const name of this.targets.keys()) if (want.get(name) !== this.targets.get(name)?.ip) this.targets.delete(name);
    for (const [name, ip] of want) if (!this.targets.has(name)) this.targets.set(name, { ip, stats: new RttStats(), sent: 0, received: 0, inFlight: false });
  }

  health(cableName: string): EndpointHealth | undefined {
    const t = this.targets.get(cableName);
    if (!t) return undefined;
    const lost = t.sent - t.received;
    const healthy = lost <= this.o.maxPacketLoss;
    return { healthy, message: healthy ? '' : PING_FAILURE_MESSAGE, latency: t.stats.spec() };
  }

  /** One round of pings (a target whose previous ping is still out is skipped). */
  async tick(): Promise<void> {
    const src = this.o.localIp();
    if (!src) return;
    await Promise.all(
      [...this.targets.entries()].map(async ([name, t]) => {
        if (t.inFlight) return;
        t.inFlight = true;
        t.sent++;
        try {
          const rtt = await this.o.ping(src, t.ip, this.o.intervalMs);
          if (rtt === undefined) return;
          t.stats.add(rtt);
          t.sent = 0;
          t.received = 0;
        } catch (err) {
          this.o.log.debug('ping failed', { endpoint: name, error: err instanceof Error ? err.message : String(err) });
        } finally {
          t.inFlight = false;
        }
      }),
    );
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.o.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
