/** The nearest-rank p-th percentile (0-100) of `values`; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

/** The longest time without a success, in ms, over success times from `fromMs` on (counting the gap that straddles it). */
export function longestGapMs(successes: readonly number[], fromMs: number): number {
  const before = successes.filter((t) => t < fromMs).at(-1);
  const after = successes.filter((t) => t >= fromMs);
  const series = before === undefined ? after : [before, ...after];
  let longest = 0;
  for (let i = 1; i < series.length; i++) longest = Math.max(longest, (series[i] ?? 0) - (series[i - 1] ?? 0));
  return longest;
}
