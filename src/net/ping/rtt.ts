import { formatGoDuration } from '../../base/duration.js';

/** Round-trip statistics in nanoseconds. */
export interface RttValues {
  last: number;
  min: number;
  average: number;
  max: number;
  stdDev: number;
}

/** The same statistics as Go duration strings, the shape of a connection's latencyRTT. */
export type RttSpec = { [K in keyof RttValues]: string };

/** Round-trip-time statistics over the last `window` samples (Submariner keeps 1000). */
export class RttStats {
  private readonly samples: number[] = [];
  private lastNs: number | undefined;

  constructor(private readonly window = 1000) {}

  /** Adds one round trip, in nanoseconds. */
  add(ns: number): void {
    this.lastNs = ns;
    this.samples.push(ns);
    if (this.samples.length > this.window) this.samples.shift();
  }

  get count(): number {
    return this.samples.length;
  }

  /** The statistics in nanoseconds, or undefined before the first sample. */
  values(): RttValues | undefined {
    if (this.lastNs === undefined || this.samples.length === 0) return undefined;
    const n = this.samples.length;
    const average = this.samples.reduce((a, b) => a + b, 0) / n;
    const variance = this.samples.reduce((a, b) => a + (b - average) ** 2, 0) / n;
    return { last: this.lastNs, min: Math.min(...this.samples), average, max: Math.max(...this.samples), stdDev: Math.sqrt(variance) };
  }

  /** As the Gateway and RouteAgent statuses show them: Go duration strings. */
  spec(): RttSpec | undefined {
    const v = this.values();
    if (!v) return undefined;
    return {
      last: formatGoDuration(v.last),
      min: formatGoDuration(v.min),
      average: formatGoDuration(v.average),
      max: formatGoDuration(v.max),
      stdDev: formatGoDuration(v.stdDev),
    };
  }
}
