import type { LatencyRTTSpec } from '../../api/generated.js';

function trimmed(value: number, divisor: number, digits: number): string {
  const whole = Math.floor(value / divisor);
  const frac = String(value % divisor).padStart(digits, '0').replace(/0+$/, '');
  return frac === '' ? String(whole) : `${whole}.${frac}`;
}

/** A nanosecond count as Go's time.Duration prints it: "0s", "850ns", "388.079µs", "1.2ms", "1m30.5s". */
export function formatGoDuration(ns: number): string {
  const n = Math.round(Math.abs(ns));
  const sign = ns < 0 && n > 0 ? '-' : '';
  if (n === 0) return '0s';
  if (n < 1e3) return `${sign}${n}ns`;
  if (n < 1e6) return `${sign}${trimmed(n, 1e3, 3)}µs`;
  if (n < 1e9) return `${sign}${trimmed(n, 1e6, 6)}ms`;
  const h = Math.floor(n / 3600e9);
  const m = Math.floor((n % 3600e9) / 60e9);
  const s = `${trimmed(n % 60e9, 1e9, 9)}s`;
  if (h > 0) return `${sign}${h}h${m}m${s}`;
  if (m > 0) return `${sign}${m}m${s}`;
  return `${sign}${s}`;
}

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
  values(): { last: number; min: number; average: number; max: number; stdDev: number } | undefined {
    if (this.lastNs === undefined || this.samples.length === 0) return undefined;
    const n = this.samples.length;
    const average = this.samples.reduce((a, b) => a + b, 0) / n;
    const variance = this.samples.reduce((a, b) => a + (b - average) ** 2, 0) / n;
    return { last: this.lastNs, min: Math.min(...this.samples), average, max: Math.max(...this.samples), stdDev: Math.sqrt(variance) };
  }

  /** As the Gateway status shows them: Go duration strings. */
  spec(): LatencyRTTSpec | undefined {
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
