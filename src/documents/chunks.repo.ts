import { and, eq, gt, type SQL, sql } from "drizzle-orm";
import { jsonGroups, prepare } from "../db/batch";
import type { Db } from "../db/client";
import { chunks } from "../db/schema";

/** A chunk row as written by the pipeline. */
export interface ChunkRowInput {
  id: string;
  ordinal: number;
  text: string;
  tokens: number;
  metadata: Record<string, unknown>;
}

/** Data access for chunk rows. Inserts carry rows as JSON (D1: 100 bound parameters per statement). */
export function createChunksRepo(db: Db) {
  return {
    /** Inserts the chunks of one document version, as a no-op unless `guard` holds. */
    insertStatements(
      tenantId: string,
      documentId: string,
      version: number,
      rows: readonly ChunkRowInput[],
      guard: SQL,
    ): D1PreparedStatement[] {
      const payload = rows.map((r) => [r.id, r.ordinal, r.text, r.tokens, JSON.stringify(r.metadata)]);
      return jsonGroups(payload).map((json) =>
        prepare(
          db,
          sql`
          INSERT INTO chunks (id, tenant_id, document_id, version, ordinal, text, token_count, metadata)
          SELECT value ->> '$[0]', ${tenantId}, ${documentId}, ${version}, value ->> '$[1]', value ->> '$[2]',
                 value ->> '$[3]', value ->> '$[4]'
          FROM json_each(${json})
          WHERE ${guard}`,
        ),
      );
    },

    /** Deletes every chunk row of a document (run after the keyword index statement that reads them). */
    deleteStatement: (tenantId: string, documentId: string, guard?: SQL) =>
      prepare(
        db,
        db.delete(chunks).where(and(eq(chunks.tenantId, tenantId), eq(chunks.documentId, documentId), guard)),
      ),

    /** Chunk ids of one document. */
    async ids(tenantId: string, documentId: string): Promise<string[]> {
      const rows = await db
        .select({ id: chunks.id })
        .from(chunks)
        .where(and(eq(chunks.tenantId, tenantId), eq(chunks.documentId, documentId)))
        .all();
      return rows.map((r) => r.id);
    },

    /** Every chunk id of a tenant, read in pages (for dropping its vectors). */
    async allIds(tenantId: string, pageSize = 5000): Promise<string[]> {
      const out: string[] = [];
      let after = 0;
      for (;;) {
        const rows = await db
          .select({ seq: chunks.seq, id: chunks.id })
          .from(chunks)
          .where(and(eq(chunks.tenantId, tenantId), gt(chunks.seq, after)))
          .orderBy(chunks.seq)
          .limit(pageSize)
          .all();
        out.push(...rows.map((r) => r.id));
        if (rows.length < pageSize) return out;
        after = rows.at(-1)?.seq ?? after;
      }
    },

    /** Chunk ids of many documents, keyed `tenant\u0000doc`. */
    async idsOf(keys: readonly { tenant: string; doc: string }[]): Promise<Map<string, string[]>> {
      const out = new Map<string, string[]>();
      for (const json of jsonGroups(keys.map((k) => [k.tenant, k.doc]))) {
        const rows = await db.all<{ tenant_id: string; document_id: string; id: string }>(sql`
          SELECT tenant_id, document_id, id FROM chunks
          WHERE (tenant_id, document_id) IN (SELECT value ->> '$[0]', value ->> '$[1]' FROM json_each(${json}))`);
        for (const r of rows) {
          const k = `${r.tenant_id}\u0000${r.document_id}`;
          const list = out.get(k) ?? [];
          list.push(r.id);
          out.set(k, list);
        }
      }
      return out;
    },

    /** Chunk rows of one document in order (for tests and tools). */
    listByDocument: (tenantId: string, documentId: string) =>
      db
        .select()
        .from(chunks)
        .where(and(eq(chunks.tenantId, tenantId), eq(chunks.documentId, documentId)))
        .orderBy(chunks.ordinal)
        .all(),
  };
}

/** The chunks repository type. */
export type ChunksRepo = ReturnType<typeof createChunksRepo>;
