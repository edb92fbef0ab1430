/** Small statistics helpers for the vector benchmark's printed figures. */

/** The q-quantile (0…1) of samples, nearest rank. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/** Median and range of repeated measurements, e.g. `12.3 (11.8–13.0)`. */
export function spread(values: readonly number[], digits = 1): string {
  if (values.length === 0) return "n/a";
  const f = (x: number) => x.toFixed(digits);
  return `${f(quantile(values, 0.5))} (${f(Math.min(...values))}–${f(Math.max(...values))})`;
}

/** Fraction of `expected` ids found in `actual` (recall@k with k = expected.length). */
export function recall(expected: readonly number[], actual: readonly number[]): number {
  if (expected.length === 0) return 1;
  const got = new Set(actual);
  let hit = 0;
  for (const id of expected) if (got.has(id)) hit++;
  return hit / expected.length;
}

/** Mean of numbers. */
export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
}

/** The 1-minute load average, for the printed context of a run. */
export async function loadAverage(): Promise<string> {
  const { loadavg } = await import("node:os");
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
}
