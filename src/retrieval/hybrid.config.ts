import type { FusionMethod } from "./fusion/fusion";

/**
 * Tuning constants of the hybrid retriever, in one place so the offline evaluation and the
 * server run the same numbers. Pure.
 */

/**
 * Default fusion for model embedders: reciprocal rank fusion at equal weights, the usual choice
 * when both lists are strong (not measured here: no model runs offline).
 */
export const DEFAULT_FUSION: FusionChoice = { method: "rrf", weights: { keyword: 1, vector: 1 } };

/**
 * Default fusion for the weight-free `local:hash-*` embedder: a convex combination of min–max
 * scaled scores with the vector list at 0.15. The hash ranking is far weaker than BM25 (SciFact
 * train nDCG@10: 0.425 with IDF-weighted queries vs 0.703), and rank fusion lets any real
 * weight drag BM25's clear winners down (RRF w 0.1: 0.675, w 0.5: 0.60), while score fusion keeps
 * how far ahead a hit is: 0.703 → 0.706 at 0.15, never below BM25 up to 0.2. Measured with
 * bench/retrieval/offline.ts; see bench/README.md#retrieval.
 */
export const HASH_EMBEDDER_FUSION: FusionChoice = { method: "convex", weights: { keyword: 1, vector: 0.15 } };

/** Fusion method and weights of one hybrid search. */
export interface FusionChoice {
  method: FusionMethod;
  weights: { keyword: number; vector: number };
}

/** The default fusion for an embedder id. */
export function defaultFusion(embedderId: string): FusionChoice {
  return embedderId.startsWith("local:hash-") ? HASH_EMBEDDER_FUSION : DEFAULT_FUSION;
}

/** How a hybrid search with this embedder fuses, with the request's weights applied over the defaults. */
export function fusionFor(embedderId: string, weights?: { keyword?: number; vector?: number }): FusionChoice {
  const d = defaultFusion(embedderId);
  return { method: d.method, weights: { ...d.weights, ...weights } };
}

/** Keyword candidates fetched per query without a filter (enough for Recall@100 at document level). */
export const KEYWORD_POOL = 200;
/**
 * First keyword page read from FTS5 when a metadata filter applies (D1 path only; the
 * in-memory replica filters every chunk): FTS5 cannot see document metadata, so the filter
 * runs on the rows, and the page grows fourfold until enough pass.
 */
export const KEYWORD_FILTER_POOL = 1000;
/** Largest keyword page the D1 path filters before giving up on finding more matches. */
export const KEYWORD_FILTER_POOL_MAX = 16_000;
/**
 * Vector candidates per query (more when `top_k` asks for more, up to Vectorize's 100). The
 * local index asks every shard for this many, so it sets the fan-out's work; 50 and 100 fuse to
 * the same quality on SciFact and SQuAD (within ±0.001 nDCG@10).
 */
export const VECTOR_POOL = 50;
/** How many fused candidates the reranker scores (at least `top_k`). */
export const RERANK_POOL = 30;
