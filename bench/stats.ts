/** The p-th percentile (0..100) of `values`, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Median. */
export const median = (values: readonly number[]): number => percentile(values, 50);

/** Rounds for display and JSON. */
export const round = (value: number, digits = 3): number => Number(value.toFixed(digits));
