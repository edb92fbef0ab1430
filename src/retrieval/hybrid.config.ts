/**
 * Tuning constants of the hybrid retriever, in one place so the offline evaluation and the
 * server run the same numbers. Pure.
 */

/**
 * Default RRF weights. Keyword (FTS5 BM25) carries the ranking; the vector list adds recall
 * for chunks BM25 misses (morphology, fuzzy overlap). With the weight-free local hash
 * embedder an equal weight lets its noisier ranking pull good BM25 hits down (SciFact:
 * 0.679 → 0.633 nDCG@10), so the vector list counts less; see bench/README.md#retrieval.
 */
export const DEFAULT_WEIGHTS = { keyword: 1, vector: 0.5 } as const;

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
