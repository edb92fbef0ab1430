import type { FusionMethod } from "./fusion/fusion";

/**
 * Tuning constants of the hybrid retriever, in one place so the offline evaluation and the
 * server run the same numbers. Pure.
 */

/**
 * Default RRF weights for model embedders: equal, the usual choice when both lists are strong.
 */
export const DEFAULT_WEIGHTS = { keyword: 1, vector: 1 } as const;

/**
 * Default RRF weights for the weight-free `local:hash-*` embedder. Its ranking is far weaker
 * than BM25 (SciFact train nDCG@10: vector 0.385, keyword 0.701), and any real weight drags
 * good BM25 hits down (w 0.5: 0.53, 0.1: 0.674), so the vector list only breaks near-ties
 * (w 0.02: 0.700). Measured with bench/retrieval/offline.ts; see bench/README.md#retrieval.
 */
export const HASH_EMBEDDER_WEIGHTS = { keyword: 1, vector: 0.02 } as const;

/** The default fusion weights for an embedder id. */
export function defaultWeights(embedderId: string): { keyword: number; vector: number } {
  return embedderId.startsWith("local:hash-") ? HASH_EMBEDDER_WEIGHTS : DEFAULT_WEIGHTS;
}

/** Fusion method and weights of one hybrid search. */
export interface FusionChoice {
  method: FusionMethod;
  weights: { keyword: number; vector: number };
}

/** How a hybrid search with this embedder fuses, with the request's weights applied over the defaults. */
export function fusionFor(embedderId: string, weights?: { keyword?: number; vector?: number }): FusionChoice {
  return { method: "rrf", weights: { ...defaultWeights(embedderId), ...weights } };
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
/** Vector candidates per query: Vectorize's topK limit without values or full metadata. */
export const VECTOR_POOL = 100;
/** How many fused candidates the reranker scores (at least `top_k`). */
export const RERANK_POOL = 30;
