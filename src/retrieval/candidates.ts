/**
 * The two candidate lists of a search and the hydration of their ids into chunk records, each
 * from the tenant's in-memory replica when it is current, else from D1 (FTS5 and row reads).
 */
import type { FieldClause } from "../vectors/core/filter";
import { chunkMatches } from "./chunk-filter";
import { KEYWORD_FILTER_POOL, KEYWORD_FILTER_POOL_MAX } from "./hybrid.config";
import type { KeywordIndex } from "./keyword/keyword-index";
import type { TenantReplica } from "./replica/replica";
import type { ChunkRecord, SearchRepo } from "./search.repo";

/** Chunk rows per D1 read while filtering (one JSON parameter of ids; rows carry chunk text). */
const ROWS_PER_READ = 1000;

/** A ranked list of chunk ids with the retriever's raw scores. */
export type Hits = { id: string; score: number }[];

/** Where one search reads chunks from: the current replica, or D1. */
export interface ChunkSource {
  /** "memory" (replica) or "d1", reported in timings as which path served the search. */
  readonly kind: "memory" | "d1";
  /** The replica, when reading from memory (term statistics, held vectors). */
  readonly replica?: TenantReplica;
  /** The best `limit` keyword hits that pass `clauses`. */
  keyword(query: string, limit: number, clauses: readonly FieldClause[] | null): Promise<Hits>;
  /** Records for these ids; ids of chunks that no longer exist are absent. */
  records(ids: readonly string[]): Promise<Map<string, ChunkRecord>>;
}

/** Chunks from a replica whose stamp matched D1's for this search. */
export function replicaSource(replica: TenantReplica): ChunkSource {
  return {
    kind: "memory",
    replica,
    async keyword(query, limit, clauses) {
      return replica.keyword(query, limit, clauses);
    },
    async records(ids) {
      const out = new Map<string, ChunkRecord>();
      for (const id of ids) {
        const r = replica.get(id);
        if (r) out.set(id, r);
      }
      return out;
    },
  };
}

/**
 * Chunks from D1. FTS5 cannot see document metadata, so with a filter the keyword list is
 * read in growing pages and filtered on the rows, until `limit` pass or FTS5 runs out (at most
 * {@link KEYWORD_FILTER_POOL_MAX} candidates: a filter that admits almost nothing costs at most
 * that many row reads). Records read for filtering are kept, so hydration does not read them again.
 */
export function d1Source(tenantId: string, keyword: KeywordIndex, repo: SearchRepo): ChunkSource {
  const known = new Map<string, ChunkRecord>();
  return {
    kind: "d1",
    async keyword(query, limit, clauses) {
      if (!clauses) {
        const hits = await keyword.search(tenantId, query, { limit });
        return hits.map((h) => ({ id: h.chunkId, score: h.score }));
      }
      let pool = Math.max(KEYWORD_FILTER_POOL, limit);
      for (;;) {
        const hits = await keyword.search(tenantId, query, { limit: pool });
        const unknown = hits.map((h) => h.chunkId).filter((id) => !known.has(id));
        for (let i = 0; i < unknown.length; i += ROWS_PER_READ) {
          for (const [id, r] of await repo.chunks(tenantId, unknown.slice(i, i + ROWS_PER_READ)))
            known.set(id, r);
        }
        const passing: Hits = [];
        for (const h of hits) {
          const r = known.get(h.chunkId);
          if (r && chunkMatches(clauses, r)) passing.push({ id: h.chunkId, score: h.score });
        }
        if (passing.length >= limit || hits.length < pool || pool >= KEYWORD_FILTER_POOL_MAX)
          return passing.slice(0, limit);
        pool = Math.min(pool * 4, KEYWORD_FILTER_POOL_MAX);
      }
    },
    async records(ids) {
      const out = new Map<string, ChunkRecord>();
      const missing: string[] = [];
      for (const id of ids) {
        const r = known.get(id);
        if (r) out.set(id, r);
        else missing.push(id);
      }
      if (missing.length) {
        for (const [id, r] of await repo.chunks(tenantId, missing)) {
          known.set(id, r);
          out.set(id, r);
        }
      }
      return out;
    },
  };
}
