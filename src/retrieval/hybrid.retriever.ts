import { VECTORIZE_MAX_TOP_K } from "../config/limits";
import { AppError, fail } from "../http/errors";
import { log } from "../observability/log";
import { hashTokens } from "../providers/local/hash-embedding";
import type { Embedder, Reranker } from "../providers/types";
import { EMBEDDER_MISMATCH } from "../vectors/errors";
import type { EmbedderIdentity } from "../vectors/types";
import { type ChunkSource, d1Source, type Hits, replicaSource } from "./candidates";
import { compileSearchFilter } from "./chunk-filter";
import { dedupeBy, type FusedCandidate, fuse, jaccard, mmr, type RankedList } from "./fusion/fusion";
import { fusionFor, KEYWORD_POOL, RERANK_POOL, VECTOR_POOL } from "./hybrid.config";
import type { KeywordIndex } from "./keyword/keyword-index";
import { QueryVectorCache, sharedQueryCache } from "./query-cache";
import { weightedQueryEmbedder } from "./query-vector";
import type { TenantReplica } from "./replica/replica";
import type { ChunkRecord, SearchRepo } from "./search.repo";
import type { Retriever, SearchHit, SearchRequest, SearchResponse, SearchWarning } from "./types";

export { INVALID_FILTER } from "./chunk-filter";

/** The slice of a tenant vector index search needs (a `Vectorize` query). */
export interface VectorQuery {
  query(vector: Float32Array, options: VectorizeQueryOptions): Promise<VectorizeMatches>;
}

/** What the hybrid retriever is built from; all passed in, so tests can hand it fakes. */
export interface HybridDeps {
  repo: SearchRepo;
  keyword: KeywordIndex;
  embedder: Embedder;
  /**
   * The tenant's vector index for the embedder's vectors. Opened after the query is embedded,
   * because a remote model's dimension is only known from its first answer.
   */
  vectors: (embedder: EmbedderIdentity) => VectorQuery;
  reranker: Reranker;
  /**
   * The tenant's in-memory replica when it is current (replica/replica.cache.ts), else null;
   * without it every search reads D1 (FTS5 and row reads).
   */
  replica?: () => Promise<TenantReplica | null>;
  /**
   * Whether the replica's recomputed hash vectors stand for the tenant's vector index, i.e. the
   * index was built with the same embedder (after an embedder change without a reindex it was
   * not, and hybrid search must behave as the index does: keyword-only with a warning).
   * Without it, held vectors are never used.
   */
  heldVectorsMatchIndex?: (replica: TenantReplica) => Promise<boolean>;
  cache?: QueryVectorCache;
  now?: () => number;
}

/**
 * The hybrid retriever: keyword BM25 and vector search in parallel, both limited to the tenant
 * and the metadata filter, fused (see hybrid.config.ts), then optionally de-duplicated per
 * document, reranked, diversified (MMR), thresholded and expanded with neighbouring chunks.
 * Keyword search and chunk reads use the tenant's in-memory replica when it is current, else
 * D1's FTS5 index and rows. `score` is the last stage's score: rerank if it ran, else fused
 * (hybrid), keyword BM25 or vector cosine.
 *
 * @example
 * const { results } = await createHybridRetriever(deps).search(tenantId, { query: "refund policy", topK: 5, mode: "hybrid" });
 */
export function createHybridRetriever(deps: HybridDeps): Retriever {
  const cache = deps.cache ?? sharedQueryCache;
  const now = deps.now ?? (() => performance.now());

  async function embedQuery(tenantId: string, query: string, signal?: AbortSignal): Promise<Float32Array> {
    const key = QueryVectorCache.key(tenantId, `${deps.embedder.id}#${deps.embedder.revision ?? ""}`, query);
    const hit = cache.get(key);
    if (hit) return hit;
    const { vectors } = await deps.embedder.embed([query], { kind: "query", signal });
    const v = vectors[0];
    if (!v) throw fail.unavailable(`The embedder ${deps.embedder.id} returned no vector for the query.`);
    cache.set(key, v);
    return v;
  }

  async function chunkSource(tenantId: string): Promise<ChunkSource> {
    const replica = deps.replica ? await deps.replica() : null;
    return replica ? replicaSource(replica) : d1Source(tenantId, deps.keyword, deps.repo);
  }

  return {
    async search(tenantId: string, req: SearchRequest): Promise<SearchResponse> {
      const started = now();
      const timings: Record<string, number> = {};
      const warnings: SearchWarning[] = [];
      const clauses = compileSearchFilter(req.filter);
      if (!/[\p{L}\p{N}]/u.test(req.query)) return { results: [], timings: { total: now() - started } };

      const runKeyword = req.mode !== "vector";
      const runVector = req.mode !== "keyword";
      const sourceReady = chunkSource(tenantId);

      const keywordList = async (): Promise<Hits> => {
        const source = await sourceReady;
        const t = now();
        const hits = await source.keyword(req.query, Math.max(KEYWORD_POOL, req.topK), clauses);
        timings.keyword = now() - t;
        return hits;
      };

      const vectorList = async (): Promise<Hits> => {
        const { replica } = await sourceReady;
        const t = now();
        // In hybrid search the built-in hash embedder weights query words by the tenant's IDF
        // when the replica has the statistics (query-vector.ts): it helps the fused ranking on
        // both datasets measured, but not vector-only ranking on SQuAD, so `vector` mode keeps
        // the embedder's own query vector. Model embedders always embed through their provider.
        const weighted =
          req.mode === "hybrid" && replica ? weightedQueryEmbedder(deps.embedder, replica.index) : null;
        const vector = weighted ? weighted(req.query) : await embedQuery(tenantId, req.query, req.signal);
        timings.embed = now() - t;
        const t2 = now();
        // The replica's own hash vectors (replica-vectors.ts) answer unfiltered hybrid searches
        // without a round trip to the vector shards, when they are this embedder's vectors.
        const held = replica?.vectors;
        if (
          weighted &&
          replica &&
          held &&
          !req.filter &&
          held.dimensions === vector.length &&
          held.revision === deps.embedder.revision &&
          deps.heldVectorsMatchIndex &&
          (await deps.heldVectorsMatchIndex(replica))
        ) {
          const hits = replica.nearest(vector, vectorTopK(req));
          timings.vector = now() - t2;
          return hits;
        }
        try {
          const { matches: found } = await deps
            .vectors({ id: deps.embedder.id, dimensions: vector.length })
            .query(vector, {
              topK: vectorTopK(req),
              returnValues: false,
              returnMetadata: "none",
              ...(req.filter ? { filter: req.filter } : {}),
            });
          return found.map((m) => ({ id: m.id, score: m.score }));
        } catch (err) {
          // Hybrid search still has its keyword half when the index was built with another
          // embedder (EMBEDDINGS changed, no reindex yet); vector-only search has nothing.
          if (req.mode !== "hybrid" || !(err instanceof AppError) || err.code !== EMBEDDER_MISMATCH)
            throw err;
          log.warn("hybrid search fell back to keyword-only", { tenant: tenantId, code: err.code });
          warnings.push({ code: EMBEDDER_MISMATCH, message: `Keyword results only: ${err.message}` });
          return [];
        } finally {
          timings.vector = now() - t2;
        }
      };

      const [keywordHits, vectorHits, source] = await Promise.all([
        runKeyword ? keywordList() : Promise.resolve([]),
        runVector ? vectorList() : Promise.resolve([]),
        sourceReady,
      ]);

      const t3 = now();
      const fusion = fusionFor(deps.embedder.id, req.weights);
      const lists: RankedList[] = [];
      const single = req.mode !== "hybrid";
      if (runKeyword)
        lists.push({ name: "keyword", hits: keywordHits, weight: single ? 1 : fusion.weights.keyword });
      if (runVector)
        lists.push({ name: "vector", hits: vectorHits, weight: single ? 1 : fusion.weights.vector });
      const fused = fuse(
        lists.filter((l) => l.weight > 0),
        fusion.method,
      );
      timings.fuse = now() - t3;

      // Hydrate enough candidates for dedupe / rerank / MMR to choose from; chunks deleted
      // since they were indexed (a vector not yet removed) simply drop out here.
      const t4 = now();
      const pool = Math.max(req.topK, req.rerank || req.mmrLambda !== undefined ? RERANK_POOL : 0);
      let candidates: (FusedCandidate & { record: ChunkRecord })[] = [];
      let offset = 0;
      // With dedupe, several chunks of one document may use up the first page of candidates.
      while (candidates.length < pool && offset < fused.length) {
        const page = fused.slice(
          offset,
          offset + (req.dedupe ? Math.max(pool * 2, 50) : pool - candidates.length),
        );
        offset += page.length;
        const records = await source.records(page.map((c) => c.id));
        for (const c of page) {
          const record = records.get(c.id);
          if (record) candidates.push({ ...c, record });
        }
        if (req.dedupe) candidates = dedupeBy(candidates, (c) => c.record.documentId);
      }
      candidates = candidates.slice(0, pool);
      timings.hydrate = now() - t4;

      let hits: SearchHit[] = candidates.map((c) => toHit(c, req.mode));

      if (req.rerank && hits.length > 0) {
        const t5 = now();
        const { scores } = await deps.reranker.rerank(
          req.query,
          hits.map((h) => (h.title ? `${h.title}\n${h.text}` : h.text)),
          { signal: req.signal },
        );
        hits = hits
          .map((h, i) => ({ ...h, score: scores[i] ?? 0, scores: { ...h.scores, rerank: scores[i] ?? 0 } }))
          .sort((a, b) => b.score - a.score);
        timings.rerank = now() - t5;
      }

      if (req.mmrLambda !== undefined && hits.length > 1) {
        const terms = new Map(hits.map((h) => [h.chunkId, new Set(hashTokens(h.text))]));
        const set = (h: SearchHit) => terms.get(h.chunkId) ?? new Set<string>();
        hits = mmr(hits, (a, b) => jaccard(set(a), set(b)), { limit: hits.length, lambda: req.mmrLambda });
      }

      if (req.minScore !== undefined) {
        const min = req.minScore;
        hits = hits.filter((h) => h.score >= min);
      }
      hits = hits.slice(0, req.topK);

      if (req.context && req.context > 0 && hits.length > 0) {
        const t6 = now();
        const byId = new Map(candidates.map((c) => [c.id, c.record]));
        const near = await deps.repo.neighbours(
          tenantId,
          hits.map((h) => byId.get(h.chunkId) as ChunkRecord),
          req.context,
        );
        hits = hits.map((h) => ({ ...h, context: near.get(h.chunkId) ?? { before: [], after: [] } }));
        timings.context = now() - t6;
      }
      timings.total = now() - started;
      return warnings.length ? { results: hits, timings, warnings } : { results: hits, timings };
    },
  };
}

/** Vector candidates for a request: the pool, or more when `top_k` (doubled with dedupe) asks for more. */
function vectorTopK(req: SearchRequest): number {
  return Math.min(VECTORIZE_MAX_TOP_K, Math.max(VECTOR_POOL, req.dedupe ? req.topK * 2 : req.topK));
}

function toHit(c: FusedCandidate & { record: ChunkRecord }, mode: SearchRequest["mode"]): SearchHit {
  const r = c.record;
  const scores: SearchHit["scores"] = {};
  if (c.vector !== undefined) scores.vector = c.vector;
  if (c.keyword !== undefined) scores.keyword = c.keyword;
  if (mode === "hybrid") scores.fused = c.fused;
  const score = mode === "hybrid" ? c.fused : mode === "keyword" ? (c.keyword ?? 0) : (c.vector ?? 0);
  return {
    chunkId: r.id,
    documentId: r.documentId,
    title: r.title,
    text: r.text,
    score,
    metadata: { ...r.documentMetadata, ...r.chunkMetadata, ordinal: r.ordinal },
    scores,
  };
}
