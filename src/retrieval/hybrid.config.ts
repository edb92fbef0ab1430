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

/** Keyword candidates fetched per query without a filter (enough for Recall@100 at document level). */
export const KEYWORD_POOL = 200;
/**
 * Keyword candidates fetched when a metadata filter applies: FTS5 cannot see document
 * metadata, so the filter runs on the candidates and a larger pool keeps selective filters
 * from starving the list.
 */
export const KEYWORD_FILTER_POOL = 1000;
/** Vector candidates per query: Vectorize's topK limit without values or full metadata. */
export const VECTOR_POOL = 100;
/** How many fused candidates the reranker scores (at least `top_k`). */
export const RERANK_POOL = 30;
