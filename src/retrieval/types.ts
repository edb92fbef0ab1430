/**
 * The retrieval port: what /v1/search exposes and what answers, sessions and the
 * OpenAI-compatible surface consume. Implemented by the hybrid retriever (keyword FTS5 +
 * vectors, fused, optionally reranked).
 */

/** Metadata filter with Vectorize's operators ($eq $ne $in $nin $lt $lte $gt $gte), implicit AND. */
export type MetadataFilter = VectorizeVectorMetadataFilter;

/** Which retrievers run. */
export type SearchMode = "hybrid" | "vector" | "keyword";

/** A search request, already validated. */
export interface SearchRequest {
  query: string;
  topK: number;
  mode: SearchMode;
  filter?: MetadataFilter;
  rerank?: boolean;
  minScore?: number;
  /** Neighbouring chunks to attach on each side (0–3). */
  context?: number;
  /** At most one result per document. */
  dedupe?: boolean;
  /** Per-retriever weights of reciprocal rank fusion (hybrid mode); defaults in hybrid.config.ts. */
  weights?: { vector?: number; keyword?: number };
  /** MMR diversity: lambda in [0, 1] (1 = pure relevance); absent = no diversification. */
  mmrLambda?: number;
  signal?: AbortSignal;
}

/** Per-stage scores of a hit; a stage that did not run or did not find the chunk is absent. */
export interface StageScores {
  vector?: number;
  keyword?: number;
  fused?: number;
  rerank?: number;
}

/** One retrieved chunk. */
export interface SearchHit {
  chunkId: string;
  documentId: string;
  title: string | null;
  text: string;
  score: number;
  metadata: Record<string, unknown>;
  scores: StageScores;
  /** Neighbouring chunk texts when `context` > 0, in document order. */
  context?: { before: string[]; after: string[] };
}

/** Something the caller should know about a search that still succeeded (e.g. a degraded mode). */
export interface SearchWarning {
  code: string;
  message: string;
}

/** Search output with per-stage timings in milliseconds. */
export interface SearchResponse {
  results: SearchHit[];
  timings: Record<string, number>;
  /** Present when the search ran degraded, e.g. keyword-only because the vector index needs a reindex. */
  warnings?: SearchWarning[];
}

/** Searches one tenant's documents. */
export interface Retriever {
  search(tenantId: string, request: SearchRequest): Promise<SearchResponse>;
}
