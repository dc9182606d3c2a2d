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

/** A small seeded generator (Park–Miller), so a bootstrap gives the same interval for the same samples. */
function seededRandom(seed: number): () => number {
  const modulus = 2147483647;
  let state = (Math.abs(Math.floor(seed)) % (modulus - 1)) + 1;
  return () => {
    state = (state * 16807) % modulus;
    return (state - 1) / (modulus - 1);
  };
}

function medianOf(values: readonly number[]): number {
  return summarize(values)?.median ?? NaN;
}

/**
 * 90 % bootstrap interval of `compare(median(a), median(b))`: resamples both arms with replacement.
 * When the interval straddles a target, one run cannot tell which side of it the truth is.
 */
export function bootstrapInterval(a: readonly number[], b: readonly number[], compare: (medianA: number, medianB: number) => number,
  iterations = 2000, seed = 12345): [number, number] | undefined {
  const xs = a.filter(Number.isFinite);
  const ys = b.filter(Number.isFinite);
  if (xs.length === 0 || ys.length === 0) return undefined;
  const random = seededRandom(seed);
  const resample = (values: readonly number[]) => values.map(() => values[Math.floor(random() * values.length)]);
  const results = Array.from({ length: iterations }, () => compare(medianOf(resample(xs)), medianOf(resample(ys)))).sort((p, q) => p - q);
  return [results[Math.floor(0.05 * iterations)], results[Math.floor(0.95 * iterations) - 1]];
}
