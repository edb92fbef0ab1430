import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { parseMetadata } from "../documents/ingest.prepare";

/** A chunk as search returns it, with its document's title and metadata. */
export interface ChunkRecord {
  id: string;
  documentId: string;
  ordinal: number;
  version: number;
  text: string;
  title: string | null;
  /** The chunk's own metadata (headings, page range). */
  chunkMetadata: Record<string, unknown>;
  /** The document's metadata, as filters see it. */
  documentMetadata: Record<string, unknown>;
}

/** A chunk row joined with its document, as `SELECT ${CHUNK_COLUMNS}` reads it. */
export interface ChunkRow {
  id: string;
  document_id: string;
  ordinal: number;
  version: number;
  text: string;
  metadata: string;
  title: string | null;
  doc_metadata: string | null;
}

/** The columns of a {@link ChunkRow}: chunks as `c`, LEFT JOINed documents as `d`. */
export const CHUNK_COLUMNS = sql.raw(
  "c.id, c.document_id, c.ordinal, c.version, c.text, c.metadata, d.title, d.metadata AS doc_metadata",
);

/** A row as a record; `documentMetadata` may be passed in when it was already parsed. */
export function toChunkRecord(r: ChunkRow, documentMetadata?: Record<string, unknown>): ChunkRecord {
  return {
    id: r.id,
    documentId: r.document_id,
    ordinal: r.ordinal,
    version: r.version,
    text: r.text,
    title: r.title,
    chunkMetadata: parseMetadata(r.metadata),
    documentMetadata: documentMetadata ?? parseMetadata(r.doc_metadata ?? "{}"),
  };
}

/** Neighbouring chunk texts of one hit, in document order. */
export interface Neighbours {
  before: string[];
  after: string[];
}

/** Reads chunks and their neighbours for search results, always within one tenant. */
export interface SearchRepo {
  /** The chunks with these ids (unknown ids and other tenants' chunks are absent), keyed by id. */
  chunks(tenantId: string, ids: readonly string[]): Promise<Map<string, ChunkRecord>>;
  /** Up to `radius` chunks before and after each given chunk, from the same document version. */
  neighbours(
    tenantId: string,
    hits: readonly ChunkRecord[],
    radius: number,
  ): Promise<Map<string, Neighbours>>;
}

/**
 * The D1 search repo. Ids travel as one JSON parameter (D1 allows 100 bound parameters), and
 * `CROSS JOIN` keeps SQLite looking each id up through `chunks_id_uq` instead of scanning.
 */
export function createSearchRepo(db: Db): SearchRepo {
  return {
    async chunks(tenantId, ids) {
      const out = new Map<string, ChunkRecord>();
      if (ids.length === 0) return out;
      const rows = await db.all<ChunkRow>(sql`
        SELECT ${CHUNK_COLUMNS}
        FROM json_each(${JSON.stringify(ids)}) AS j
        CROSS JOIN chunks AS c ON c.tenant_id = ${tenantId} AND c.id = j.value
        LEFT JOIN documents AS d ON d.tenant_id = c.tenant_id AND d.id = c.document_id`);
      for (const r of rows) out.set(r.id, toChunkRecord(r));
      return out;
    },

    async neighbours(tenantId, hits, radius) {
      const out = new Map<string, Neighbours>();
      if (hits.length === 0 || radius <= 0) return out;
      const wanted = hits.map((h) => ({
        d: h.documentId,
        v: h.version,
        lo: h.ordinal - radius,
        hi: h.ordinal + radius,
      }));
      const rows = await db.all<{ document_id: string; version: number; ordinal: number; text: string }>(sql`
        SELECT c.document_id, c.version, c.ordinal, c.text
        FROM json_each(${JSON.stringify(wanted)}) AS j
        CROSS JOIN chunks AS c
          ON c.tenant_id = ${tenantId} AND c.document_id = json_extract(j.value, '$.d')
          AND c.version = json_extract(j.value, '$.v')
          AND c.ordinal BETWEEN json_extract(j.value, '$.lo') AND json_extract(j.value, '$.hi')`);
      const byKey = new Map<string, string>();
      for (const r of rows) byKey.set(`${r.document_id}\n${r.version}\n${r.ordinal}`, r.text);
      for (const h of hits) {
        const at = (o: number) => byKey.get(`${h.documentId}\n${h.version}\n${o}`);
        const before: string[] = [];
        const after: string[] = [];
        for (let o = h.ordinal - radius; o < h.ordinal; o++) {
          const t = at(o);
          if (t !== undefined) before.push(t);
        }
        for (let o = h.ordinal + 1; o <= h.ordinal + radius; o++) {
          const t = at(o);
          if (t !== undefined) after.push(t);
        }
        out.set(h.id, { before, after });
      }
      return out;
    },
  };
}
