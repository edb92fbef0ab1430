import type { SQL } from "drizzle-orm";

/**
 * The keyword index port: full-text search over chunk text and document titles, scoped by
 * tenant. Writes are returned as statements so callers put them in the SAME `db.batch` as
 * the chunk rows they describe: the index can never disagree with the chunks table, because
 * both change in one D1 transaction or neither does.
 */
export interface KeywordIndex {
  /**
   * Statements that index a document's chunk rows. Run them in the batch that inserts those
   * rows, after the inserts (they look the rows up by chunk id to learn their `seq`).
   * `guard` (an SQL condition) makes them no-ops unless it holds, like the inserts they follow.
   */
  indexChunks(input: IndexChunksInput, guard?: SQL): D1PreparedStatement[];
  /** Statement that removes every chunk of a document from the index; run it before deleting the rows. */
  removeDocument(tenantId: string, documentId: string, guard?: SQL): D1PreparedStatement;
  /**
   * Rebuilds the index from the chunks table (all tenants, or one): the repair path when the
   * index is lost or suspect, e.g. after dropping it for `wrangler d1 export`, which cannot
   * export virtual tables. Idempotent; searches see a partial index while it runs.
   */
  rebuild(options?: { tenantId?: string; pageSize?: number }): Promise<{ chunks: number }>;
  /** Best keyword matches for arbitrary user text, best first. Never throws on FTS5 syntax. */
  search(tenantId: string, query: string, options?: { limit?: number }): Promise<KeywordHit[]>;
  /** Number of indexed chunks of a tenant. */
  count(tenantId: string): Promise<number>;
}

/** A document's chunks as the index needs them. */
export interface IndexChunksInput {
  tenantId: string;
  documentId: string;
  title: string | null;
  chunks: readonly { id: string; text: string }[];
}

/** One keyword match. `score` is positive, higher is better (negated FTS5 bm25). */
export interface KeywordHit {
  chunkId: string;
  documentId: string;
  score: number;
}
