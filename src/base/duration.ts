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

const GO_UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.Duration text ("388.079µs", "1.2ms", "1m30.5s") in nanoseconds; undefined when it is not one. */
export function parseGoDuration(text: string): number | undefined {
  const t = text.trim();
  if (t === '0') return 0;
  const sign = t.startsWith('-') ? -1 : 1;
  const body = t.replace(/^[-+]/, '');
  let total = 0;
  let rest = body;
  while (rest !== '') {
    const m = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * (GO_UNITS[m[2] as string] as number);
    rest = rest.slice(m[0].length);
  }
  return body === '' ? undefined : sign * total;
}
