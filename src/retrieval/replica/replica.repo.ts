import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { parseMetadata } from "../../documents/ingest.prepare";
import { CHUNK_COLUMNS, type ChunkRow, toChunkRecord } from "../search.repo";
import type { ReplicaRow, ReplicaStamp } from "./replica";
import type { ReplicaSource } from "./replica.cache";

/**
 * The D1 side of the keyword replica: the tenant's change stamp and its chunk rows in `seq`
 * order, both through `chunks_tenant_seq_idx` so neither touches other tenants' rows.
 */
export function createReplicaSource(db: Db): ReplicaSource {
  return {
    async stamp(tenantId) {
      // max() in its own subquery is one seek to the end of the tenant's index range; next to
      // count(*) it would be folded into the counting scan and stepped on every row.
      const row = await db.get<{ n: number; s: number | null }>(
        sql`SELECT count(*) AS n, (SELECT max(seq) FROM chunks WHERE tenant_id = ${tenantId}) AS s
            FROM chunks WHERE tenant_id = ${tenantId}`,
      );
      return { count: row?.n ?? 0, maxSeq: row?.s ?? 0 } satisfies ReplicaStamp;
    },

    async rows(tenantId, afterSeq, limit) {
      const rows = await db.all<ChunkRow & { seq: number }>(sql`
        SELECT c.seq, ${CHUNK_COLUMNS}
        FROM chunks AS c
        LEFT JOIN documents AS d ON d.tenant_id = c.tenant_id AND d.id = c.document_id
        WHERE c.tenant_id = ${tenantId} AND c.seq > ${afterSeq}
        ORDER BY c.seq LIMIT ${limit}`);
      // Chunks of one document share its metadata object: parsed once per page, not per chunk.
      const docMeta = new Map<string, Record<string, unknown>>();
      return rows.map((r): ReplicaRow => {
        let meta = docMeta.get(r.document_id);
        if (!meta) {
          meta = parseMetadata(r.doc_metadata ?? "{}");
          docMeta.set(r.document_id, meta);
        }
        return { seq: r.seq, ...toChunkRecord(r, meta) };
      });
    },
  };
}
