/**
 * Rank fusion, diversity and thresholds for hybrid search. Pure: imports nothing from the
 * runtime, so tests and the offline evaluation use exactly what the server runs.
 */

/** A ranked list from one retriever: ids best first, with that retriever's raw score. */
export interface RankedList {
  name: "vector" | "keyword";
  hits: readonly { id: string; score: number }[];
  /** Multiplier of this list's reciprocal-rank contribution. */
  weight: number;
}

/** One fused candidate with the raw score from each list that found it. */
export interface FusedCandidate {
  id: string;
  fused: number;
  vector?: number;
  keyword?: number;
}

/**
 * The RRF constant from Cormack et al. (2009): large enough that rank 1 and rank 2 differ
 * by little, so a chunk ranked well by both retrievers beats one ranked first by only one.
 */
export const RRF_K = 60;

/**
 * Weighted reciprocal rank fusion: `fused(d) = Σ_lists weight / (k + rank(d))`, rank 1-based.
 * Ties keep the order of first appearance (the earlier list wins), so results are stable.
 *
 * @example rrf([{ name: "keyword", weight: 1, hits: [{ id: "a", score: 9 }] }]) // [{ id: "a", fused: 1/61, keyword: 9 }]
 */
export function rrf(lists: readonly RankedList[], k = RRF_K): FusedCandidate[] {
  const byId = new Map<string, FusedCandidate>();
  for (const list of lists) {
    list.hits.forEach((hit, i) => {
      let c = byId.get(hit.id);
      if (!c) {
        c = { id: hit.id, fused: 0 };
        byId.set(hit.id, c);
      }
      if (c[list.name] !== undefined) return; // a list repeating an id counts once, at its best rank
      c[list.name] = hit.score;
      c.fused += list.weight / (k + i + 1);
    });
  }
  return [...byId.values()].sort((a, b) => b.fused - a.fused);
}

/** How ranked lists are combined. */
export type FusionMethod = "rrf" | "convex";

/**
 * Convex combination of normalised scores (Bruch et al., "An Analysis of Fusion Functions for
 * Hybrid Retrieval", 2023): each list's scores are min–max scaled to [0, 1] over the list, a
 * candidate missing from a list gets 0 there, and `fused = Σ weight · scaled`. Unlike RRF it
 * keeps how far ahead a hit is, so a weak list can add evidence without reshuffling a strong
 * list's clear winners. A list whose scores are all equal scales to 1.
 *
 * @example convex([{ name: "keyword", weight: 1, hits: [{ id: "a", score: 9 }, { id: "b", score: 3 }] }]) // a: 1, b: 0
 */
export function convex(lists: readonly RankedList[]): FusedCandidate[] {
  const byId = new Map<string, FusedCandidate>();
  for (const list of lists) {
    if (list.hits.length === 0) continue;
    let max = Number.NEGATIVE_INFINITY;
    let min = Number.POSITIVE_INFINITY;
    for (const h of list.hits) {
      if (h.score > max) max = h.score;
      if (h.score < min) min = h.score;
    }
    const range = max - min;
    for (const hit of list.hits) {
      let c = byId.get(hit.id);
      if (!c) {
        c = { id: hit.id, fused: 0 };
        byId.set(hit.id, c);
      }
      if (c[list.name] !== undefined) continue; // a repeated id counts once, at its best score
      c[list.name] = hit.score;
      c.fused += list.weight * (range > 0 ? (hit.score - min) / range : 1);
    }
  }
  // Stable: equal fused scores keep first-appearance order (the earlier list wins).
  return [...byId.values()].sort((a, b) => b.fused - a.fused);
}

/** Fuses ranked lists with the given method. */
export function fuse(lists: readonly RankedList[], method: FusionMethod): FusedCandidate[] {
  return method === "convex" ? convex(lists) : rrf(lists);
}

/**
 * Keeps the first (best) item of each group, e.g. one chunk per document.
 */
export function dedupeBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const item of items) {
    const k = key(item);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(item);
  }
  return out;
}

/**
 * Maximal marginal relevance (Carbonell & Goldstein, 1998): picks `limit` items greedily by
 * `lambda · relevance − (1 − lambda) · max similarity to the items already picked`.
 * Relevance is the item's rank-normalised position (1 for the best, towards 0 for the
 * last), so the trade-off does not depend on the scale of whichever score ranked them.
 */
export function mmr<T>(
  items: readonly T[],
  similarity: (a: T, b: T) => number,
  { limit, lambda }: { limit: number; lambda: number },
): T[] {
  const n = items.length;
  const relevance = items.map((_, i) => 1 - i / Math.max(1, n));
  const picked: number[] = [];
  const maxSim = new Float64Array(n);
  const used = new Uint8Array(n);
  while (picked.length < Math.min(limit, n)) {
    let best = -1;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      if (used[i]) continue;
      const value = lambda * (relevance[i] ?? 0) - (1 - lambda) * (maxSim[i] ?? 0);
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    used[best] = 1;
    picked.push(best);
    const chosen = items[best] as T;
    for (let i = 0; i < n; i++) {
      if (!used[i]) maxSim[i] = Math.max(maxSim[i] ?? 0, similarity(chosen, items[i] as T));
    }
  }
  return picked.map((i) => items[i] as T);
}

/** Jaccard similarity of two term sets (1 for two empty sets). */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let inter = 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const t of small) if (large.has(t)) inter++;
  return inter / (a.size + b.size - inter);
}
