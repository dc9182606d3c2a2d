/** Median with its range: the one summary every benchmark number in the report uses. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly samples: readonly number[];
}

export function summarize(values: readonly number[]): Summary | undefined {
  const samples = values.filter((value) => Number.isFinite(value));
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], samples };
}

/** "12.3 [11.9–12.8]" with a fixed number of decimals. */
export function formatSummary(summary: Summary | undefined, decimals = 1): string {
  if (!summary) return 'n/a';
  const f = (value: number) => value.toFixed(decimals);
  return `${f(summary.median)} [${f(summary.min)}–${f(summary.max)}]`;
}

/** Rotates a list so that no arm of an A/B comparison always runs first (or always runs last). */
export function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = ((by % items.length) + items.length) % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
