import { z } from "@hono/zod-openapi";
import type { SearchHit, SearchRequest } from "./types";

/** Longest query accepted, in characters: room for a pasted page, bounded so a body cannot pin a CPU. */
export const MAX_QUERY_CHARS = 20_000;
/** Most results per search (Vectorize's topK limit; more is never a useful context). */
export const MAX_TOP_K = 100;
/** Default number of results. */
export const DEFAULT_TOP_K = 10;

const Weight = z.number().min(0).max(10);

/** `POST /v1/search` body. */
export const SearchInput = z
  .object({
    query: z
      .string()
      .min(1)
      .max(MAX_QUERY_CHARS)
      .refine((q) => q.trim().length > 0, "must contain text")
      .openapi({ example: "How do refunds work?" }),
    top_k: z
      .number()
      .int()
      .min(1)
      .max(MAX_TOP_K)
      .optional()
      .openapi({ description: `Default ${DEFAULT_TOP_K}.` }),
    mode: z.enum(["hybrid", "vector", "keyword"]).optional().openapi({ description: "Default `hybrid`." }),
    filter: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({
        description:
          "Metadata filter on document metadata (plus `document_id`, `ordinal`, `page`) with Vectorize's " +
          "operators $eq $ne $in $nin $lt $lte $gt $gte; applied by both retrievers.",
        example: { team: "support", year: { $gte: 2023 } },
      }),
    rerank: z
      .boolean()
      .optional()
      .openapi({ description: "Rerank the fused candidates with the tenant's reranker." }),
    min_score: z
      .number()
      .optional()
      .openapi({
        description:
          "Drop results whose final `score` is below this. The scale is the last stage's: with `rerank`, the " +
          "reranker's; `hybrid` with the built-in hash embedder, the fused score in 0–(1 + vector weight) — each " +
          "list min–max scaled within the query, so relative to the best hit; `hybrid` with a model embedder, " +
          "reciprocal rank fusion (at most about 0.033 at equal weights); `keyword`, BM25 (0 and up, " +
          "unbounded); `vector`, cosine similarity (−1 to 1).",
      }),
    context: z
      .number()
      .int()
      .min(0)
      .max(3)
      .optional()
      .openapi({ description: "Neighbouring chunks to attach on each side of every result (0–3)." }),
    dedupe: z.boolean().optional().openapi({ description: "At most one result per document." }),
    diversity: z.number().min(0).max(1).optional().openapi({
      description: "MMR lambda: 1 = pure relevance, lower = more diverse results. Omit for none.",
    }),
    weights: z
      .object({ vector: Weight.optional(), keyword: Weight.optional() })
      .strict()
      .optional()
      .openapi({
        description:
          "Fusion weights in hybrid mode (defaults: keyword 1 and vector 0.15 with the built-in hash embedder, " +
          "fused by normalised scores; 1 and 1 with model embedders, fused by reciprocal rank).",
      }),
  })
  .strict()
  .openapi("SearchInput");

const Scores = z.object({
  vector: z.number().optional(),
  keyword: z.number().optional(),
  fused: z.number().optional(),
  rerank: z.number().optional(),
});

/** One result on the wire. */
export const SearchResultView = z
  .object({
    chunk_id: z.string(),
    document_id: z.string(),
    title: z.string().nullable(),
    text: z.string(),
    score: z.number(),
    metadata: z.record(z.string(), z.unknown()),
    scores: Scores,
    context: z.object({ before: z.array(z.string()), after: z.array(z.string()) }).optional(),
  })
  .openapi("SearchResult");

/** `POST /v1/search` response. */
export const SearchOutput = z
  .object({
    results: z.array(SearchResultView),
    timings: z.record(z.string(), z.number()),
    warnings: z
      .array(z.object({ code: z.string(), message: z.string() }))
      .optional()
      .openapi({
        description:
          "Present when the search ran degraded but still answered, e.g. `embedder_mismatch`: hybrid " +
          "search returned keyword results only because the vector index was built with another embedder.",
      }),
  })
  .openapi("SearchResponse");

/** The validated wire body as the retriever's request. */
export function toSearchRequest(input: z.infer<typeof SearchInput>, signal?: AbortSignal): SearchRequest {
  return {
    query: input.query,
    topK: input.top_k ?? DEFAULT_TOP_K,
    mode: input.mode ?? "hybrid",
    filter: input.filter as SearchRequest["filter"],
    rerank: input.rerank,
    minScore: input.min_score,
    context: input.context,
    dedupe: input.dedupe,
    mmrLambda: input.diversity,
    weights: input.weights,
    signal,
  };
}

/** A hit as the wire shows it (snake_case). */
export function toResultView(h: SearchHit): z.infer<typeof SearchResultView> {
  return {
    chunk_id: h.chunkId,
    document_id: h.documentId,
    title: h.title,
    text: h.text,
    score: h.score,
    metadata: h.metadata,
    scores: h.scores,
    ...(h.context ? { context: h.context } : {}),
  };
}
