import { and, eq, lt, sql } from "drizzle-orm";
import { jsonGroups, prepare, rowsOf, runBatch } from "../db/batch";
import type { Db } from "../db/client";
import { blobPacks } from "../db/schema";
import { log } from "../observability/log";
import { type BlobStore, deleteObjects } from "./blobs";

/** Data access for upload packs and their reference counts. */
export function createPacksRepo(db: Db) {
  return {
    /**
     * Records packs before their objects are written (live = 0), so a crash between the R2
     * write and the D1 batch leaves a row the reclaim task finds, not an unknown object.
     */
    insertStatement: (tenantId: string, packs: readonly { key: string; bytes: number }[], now: number) =>
      prepare(
        db,
        sql`INSERT OR IGNORE INTO blob_packs (key, tenant_id, live, bytes, created_at)
            SELECT value ->> '$[0]', ${tenantId}, 0, value ->> '$[1]', ${now}
            FROM json_each(${JSON.stringify(packs.map((p) => [p.key, p.bytes]))})`,
      ),

    /**
     * Recounts the documents pointing into each pack, in the batch that changed them (D1
     * runs a batch as one transaction, so the count is exact). RETURNING key, live.
     */
    recountStatements: (keys: readonly string[]) =>
      jsonGroups([...new Set(keys)]).map((json) =>
        prepare(
          db,
          sql`UPDATE blob_packs SET live = (
                SELECT count(*) FROM documents AS d WHERE d.tenant_id = blob_packs.tenant_id AND d.blob_key = blob_packs.key)
              WHERE key IN (SELECT value FROM json_each(${json}))
              RETURNING key, live`,
        ),
      ),

    /** Packs nobody has referenced for a while (dead, or written by an accept that never committed). */
    unreferenced: (before: number, limit: number) =>
      db
        .select({ key: blobPacks.key })
        .from(blobPacks)
        .where(and(eq(blobPacks.live, 0), lt(blobPacks.createdAt, before)))
        .limit(limit)
        .all(),
  };
}

/** Keys that a recount reported at zero references. */
export function deadPacks(results: readonly D1Result[]): string[] {
  return results.flatMap((r) =>
    rowsOf<{ key: string; live: number }>(r)
      .filter((x) => x.live === 0)
      .map((x) => x.key),
  );
}

/**
 * Deletes packs that no document references: first the R2 objects, then their rows (only
 * if still unreferenced). A failure leaves the row for the reclaim task to retry.
 */
export async function reclaimPacks(
  deps: { db: Db; blobs: BlobStore },
  keys: readonly string[],
): Promise<number> {
  if (keys.length === 0) return 0;
  const packs = createPacksRepo(deps.db);
  const recount = await runBatch(deps.db, packs.recountStatements(keys));
  const dead = deadPacks(recount);
  if (dead.length === 0) return 0;
  try {
    await deleteObjects(deps.blobs, dead);
  } catch (err) {
    log.warn("could not delete unreferenced upload packs; the reclaim task retries", {
      keys: dead.length,
      err,
    });
    return 0;
  }
  await runBatch(
    deps.db,
    jsonGroups(dead).map((json) =>
      prepare(
        deps.db,
        sql`DELETE FROM blob_packs WHERE live = 0 AND key IN (SELECT value FROM json_each(${json}))`,
      ),
    ),
  );
  return dead.length;
}
