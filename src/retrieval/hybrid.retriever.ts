import { vectorMetadata } from "../documents/vector-metadata";
import { fail } from "../http/errors";
import { hashTokens } from "../providers/local/hash-embedding";
import type { Embedder, Reranker } from "../providers/types";
import type { EmbedderIdentity } from "../vectors";
import { compileFilter, type FieldClause, FilterError, fieldValue } from "../vectors/core/filter";
import { dedupeBy, type FusedCandidate, jaccard, mmr, type RankedList, rrf } from "./fusion/fusion";
import { defaultWeights, KEYWORD_FILTER_POOL, KEYWORD_POOL, RERANK_POOL, VECTOR_POOL } from "./hybrid.config";
import type { KeywordIndex } from "./keyword/keyword-index";
import { QueryVectorCache, sharedQueryCache } from "./query-cache";
import type { ChunkRecord, SearchRepo } from "./search.repo";
import type { Retriever, SearchHit, SearchRequest, SearchResponse } from "./types";

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
  cache?: QueryVectorCache;
  now?: () => number;
}

/** Stable code of a search whose filter Vectorize would reject. */
export const INVALID_FILTER = "invalid_filter";

/**
 * The hybrid retriever: FTS5 BM25 and vector search in parallel, both limited to the tenant
 * and the metadata filter, fused by weighted reciprocal rank fusion, then optionally
 * de-duplicated per document, reranked, diversified (MMR), thresholded and expanded with
 * neighbouring chunks. `score` is the last stage's score: rerank if it ran, else fused
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

  return {
    async search(tenantId: string, req: SearchRequest): Promise<SearchResponse> {
      const started = now();
      const timings: Record<string, number> = {};
      const clauses = compile(req.filter);
      if (!/[\p{L}\p{N}]/u.test(req.query)) return { results: [], timings: { total: now() - started } };

      const runKeyword = req.mode !== "vector";
      const runVector = req.mode !== "keyword";
      const records = new Map<string, ChunkRecord>();

      const keywordList = async (): Promise<RankedList["hits"]> => {
        const t = now();
        let hits = await deps.keyword.search(tenantId, req.query, {
          limit: clauses ? KEYWORD_FILTER_POOL : Math.max(KEYWORD_POOL, req.topK),
        });
        timings.keyword = now() - t;
        if (clauses) {
          const t2 = now();
          const found = await deps.repo.chunks(
            tenantId,
            hits.map((h) => h.chunkId),
          );
          for (const [id, r] of found) records.set(id, r);
          hits = hits.filter((h) => {
            const r = found.get(h.chunkId);
            return r !== undefined && matches(clauses, r);
          });
          timings.keyword_filter = now() - t2;
        }
        return hits.map((h) => ({ id: h.chunkId, score: h.score }));
      };

      const vectorList = async (): Promise<RankedList["hits"]> => {
        const t = now();
        const vector = await embedQuery(tenantId, req.query, req.signal);
        timings.embed = now() - t;
        const t2 = now();
        const { matches: found } = await deps
          .vectors({ id: deps.embedder.id, dimensions: vector.length })
          .query(vector, {
            topK: VECTOR_POOL,
            returnValues: false,
            returnMetadata: "none",
            ...(req.filter ? { filter: req.filter } : {}),
          });
        timings.vector = now() - t2;
        return found.map((m) => ({ id: m.id, score: m.score }));
      };

      const [keywordHits, vectorHits] = await Promise.all([
        runKeyword ? keywordList() : Promise.resolve([]),
        runVector ? vectorList() : Promise.resolve([]),
      ]);

      const t3 = now();
      const weights = { ...defaultWeights(deps.embedder.id), ...req.weights };
      const lists: RankedList[] = [];
      if (runKeyword)
        lists.push({
          name: "keyword",
          hits: keywordHits,
          weight: req.mode === "hybrid" ? weights.keyword : 1,
        });
      if (runVector)
        lists.push({ name: "vector", hits: vectorHits, weight: req.mode === "hybrid" ? weights.vector : 1 });
      const fused = rrf(lists.filter((l) => l.weight > 0));
      timings.fuse = now() - t3;

      // Hydrate enough candidates for dedupe / rerank / MMR to choose from; chunks deleted
      // since they were indexed (a vector not yet removed) simply drop out here.
      const t4 = now();
      const pool = Math.max(req.topK, req.rerank || req.mmrLambda !== undefined ? RERANK_POOL : 0);
      const hydrate = async (cands: FusedCandidate[]) => {
        const missing = cands.map((c) => c.id).filter((id) => !records.has(id));
        const found = await deps.repo.chunks(tenantId, missing);
        for (const [id, r] of found) records.set(id, r);
      };
      let candidates: (FusedCandidate & { record: ChunkRecord })[] = [];
      let offset = 0;
      // With dedupe, several chunks of one document may use up the first page of candidates.
      while (candidates.length < pool && offset < fused.length) {
        const page = fused.slice(offset, offset + Math.max(pool * 2, 50));
        offset += page.length;
        await hydrate(page);
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
      return { results: hits, timings };
    },
  };
}

function compile(filter: SearchRequest["filter"]): FieldClause[] | null {
  if (filter === undefined) return null;
  try {
    return compileFilter(filter);
  } catch (err) {
    if (err instanceof FilterError) throw fail.badRequest(`Invalid filter: ${err.message}.`, INVALID_FILTER);
    throw err;
  }
}

/** The filter applied to a chunk exactly as the vector index applies it to the chunk's vector metadata. */
function matches(clauses: readonly FieldClause[], r: ChunkRecord): boolean {
  const page = r.chunkMetadata.page_start;
  const meta = vectorMetadata(r.documentMetadata, {
    documentId: r.documentId,
    ordinal: r.ordinal,
    page: typeof page === "number" ? page : undefined,
  });
  return clauses.every((c) => c.test(fieldValue(meta, c.path)));
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
