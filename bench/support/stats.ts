/** The q-quantile (0..1) of `values` by nearest rank; NaN for none. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/**
 * `value` as a plain multiple of `baseline`, with the direction in words, e.g. "1.18x of tfjs-wasm (more)": never
 * "0.85x less", which reads as a saving whichever side is larger.
 */
export function timesOf(value: number, baseline: number, baselineName: string): string {
  const ratio = value / baseline;
  if (!Number.isFinite(ratio)) return `n/a (${baselineName} is ${baseline})`;
  const direction = ratio > 1.005 ? 'more' : ratio < 0.995 ? 'less' : 'the same';
  return `${ratio.toFixed(2)}x of ${baselineName} (${direction})`;
}
