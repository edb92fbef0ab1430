/** The embedding cache port; `cache.repo.ts` implements it on D1. */

/** A cache of vectors for one tenant and one embedder (id + revision). */
export interface EmbeddingCache {
  /** Cached vectors for `texts`, in order; undefined where missing. */
  lookup(texts: readonly string[]): Promise<(Float32Array | undefined)[]>;
  /** Stores vectors for `texts` (same order). */
  store(texts: readonly string[], vectors: readonly Float32Array[]): Promise<void>;
}
