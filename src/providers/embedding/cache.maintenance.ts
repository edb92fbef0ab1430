import type { MaintenanceTask } from "../../maintenance/maintenance";

/** Cached vectors unused for this long are deleted. */
export const EMBEDDING_CACHE_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** Soft cap on rows: older rows beyond it go unless used in the last day. */
export const EMBEDDING_CACHE_MAX_ROWS = 200_000;
const RECENT_MS = 24 * 60 * 60 * 1000;
// Bounded work per cron run (every minute): D1 bills rows read and written, and a long delete
// would hold the database's single writer.
const BATCH = 1000;
const MAX_ROUNDS = 5;

/**
 * Evicts the embedding cache: first rows unused for `ttlMs`, then, past `maxRows`, the rows
 * inserted earliest that were not used within a day. The cap is located by rowid
 * (`max(rowid) - maxRows`), which costs two index lookups instead of a `count(*)` that reads
 * the whole table on every run.
 */
export function embeddingCacheEviction(opts: { ttlMs?: number; maxRows?: number } = {}): MaintenanceTask {
  const ttlMs = opts.ttlMs ?? EMBEDDING_CACHE_TTL_MS;
  const maxRows = opts.maxRows ?? EMBEDDING_CACHE_MAX_ROWS;
  return {
    name: "embedding-cache-eviction",
    async run(env, now) {
      const expired = await rounds(
        env.DB.prepare(
          "DELETE FROM embedding_cache WHERE rowid IN (SELECT rowid FROM embedding_cache WHERE last_used_at < ?1 LIMIT ?2)",
        ).bind(now - ttlMs, BATCH),
      );
      // The cap step scans rows below the rowid threshold; hourly is plenty for a soft cap.
      if (new Date(now).getUTCMinutes() !== 0) return { expired, capped: 0 };
      const capped = await rounds(
        env.DB.prepare(
          "DELETE FROM embedding_cache WHERE rowid IN (SELECT rowid FROM embedding_cache " +
            "WHERE rowid <= (SELECT max(rowid) FROM embedding_cache) - ?1 AND last_used_at < ?2 LIMIT ?3)",
        ).bind(maxRows, now - RECENT_MS, BATCH),
      );
      return { expired, capped };
    },
  };
}

async function rounds(statement: D1PreparedStatement): Promise<number> {
  let total = 0;
  for (let i = 0; i < MAX_ROUNDS; i++) {
    const { meta } = await statement.run();
    total += meta.changes;
    if (meta.changes < BATCH) break;
  }
  return total;
}
