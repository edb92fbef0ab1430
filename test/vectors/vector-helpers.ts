import type { Metric } from "../../src/vectors/types";

/** Deterministic PRNG (mulberry32), so tests built on random data always see the same data. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` random vectors with components uniform in [-1, 1), as float32. */
export function randomVectors(n: number, dimensions: number, random: () => number): Float32Array[] {
  return Array.from({ length: n }, () => Float32Array.from({ length: dimensions }, () => random() * 2 - 1));
}

/** Vectorize's score of `x` for query `q` under `metric`, in double precision. */
export function exactScore(metric: Metric, q: ArrayLike<number>, x: ArrayLike<number>): number {
  let dot = 0;
  let qq = 0;
  let xx = 0;
  let l2 = 0;
  for (let i = 0; i < q.length; i++) {
    const a = q[i] as number;
    const b = x[i] as number;
    dot += a * b;
    qq += a * a;
    xx += b * b;
    l2 += (a - b) * (a - b);
  }
  if (metric === "euclidean") return Math.sqrt(l2);
  if (metric === "dot-product") return -dot;
  return qq > 0 && xx > 0 ? dot / Math.sqrt(qq * xx) : 0;
}

/** Ids of the exact top `k` of `rows` for `q`, best first. */
export function bruteForce(
  metric: Metric,
  q: ArrayLike<number>,
  rows: readonly { id: string; values: ArrayLike<number> }[],
  k: number,
): string[] {
  const descending = metric === "cosine";
  return rows
    .map((r) => ({ id: r.id, score: exactScore(metric, q, r.values) }))
    .sort((a, b) => (descending ? b.score - a.score : a.score - b.score) || (a.id < b.id ? -1 : 1))
    .slice(0, k)
    .map((r) => r.id);
}

/** Fraction of `expected` found in `actual`. */
export function recall(expected: readonly string[], actual: readonly string[]): number {
  const got = new Set(actual);
  return expected.filter((id) => got.has(id)).length / expected.length;
}
