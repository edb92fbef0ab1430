import { and, inArray, lt, sql } from "drizzle-orm";
import { D1_MAX_BOUND_PARAMETERS } from "../../config/limits";
import type { Db } from "../../db/client";
import { embeddingCache } from "../../db/schema";
import { sha256Hex } from "../../lib/crypto";
import type { EmbeddingCache } from "./cache";
import { chunk } from "./concurrency";

/** Only refresh `last_used_at` once a day per row, so cache hits do not turn into writes. */
const TOUCH_INTERVAL_MS = 24 * 60 * 60 * 1000;
/** Columns per inserted row; with D1's 100 bound parameters that allows 14 rows per statement. */
const INSERT_COLUMNS = 7;

/** The D1-backed cache of `tenantId`'s vectors from `embedder` (`<id>#<revision>`). */
export function createD1EmbeddingCache(opts: {
  db: Db;
  tenantId: string;
  embedder: string;
  now?: () => number;
}): EmbeddingCache {
  const { db, tenantId, embedder } = opts;
  const now = opts.now ?? Date.now;
  // Tenant-scoped keys: a shared cache would let one tenant learn, by timing, that another
  // tenant embedded a given text.
  const keyOf = (text: string) => sha256Hex(`${tenantId}\n${embedder}\n${text}`);

  return {
    async lookup(texts) {
      if (texts.length === 0) return [];
      const keys = await Promise.all(texts.map(keyOf));
      const unique = [...new Set(keys)];
      const found = new Map<string, Float32Array>();
      const stale: string[] = [];
      const cutoff = now() - TOUCH_INTERVAL_MS;
      for (const part of chunk(unique, D1_MAX_BOUND_PARAMETERS - 1)) {
        const rows = await db
          .select({
            key: embeddingCache.key,
            vector: embeddingCache.vector,
            lastUsedAt: embeddingCache.lastUsedAt,
          })
          .from(embeddingCache)
          .where(inArray(embeddingCache.key, part))
          .all();
        for (const r of rows) {
          found.set(r.key, r.vector);
          if (r.lastUsedAt < cutoff) stale.push(r.key);
        }
      }
      const [first, ...rest] = chunk(stale, D1_MAX_BOUND_PARAMETERS - 2).map((part) =>
        db
          .update(embeddingCache)
          .set({ lastUsedAt: now() })
          .where(and(inArray(embeddingCache.key, part), lt(embeddingCache.lastUsedAt, cutoff))),
      );
      if (first) await db.batch([first, ...rest]);
      return keys.map((k) => found.get(k));
    },

    async store(texts, vectors) {
      if (texts.length === 0) return;
      const keys = await Promise.all(texts.map(keyOf));
      const t = now();
      const rows = new Map<string, typeof embeddingCache.$inferInsert>();
      keys.forEach((key, i) => {
        const vector = vectors[i];
        if (vector)
          rows.set(key, {
            key,
            tenantId,
            embedder,
            dimensions: vector.length,
            vector,
            createdAt: t,
            lastUsedAt: t,
          });
      });
      const statements = chunk([...rows.values()], Math.floor(D1_MAX_BOUND_PARAMETERS / INSERT_COLUMNS)).map(
        (part) =>
          db
            .insert(embeddingCache)
            .values(part)
            .onConflictDoUpdate({
              target: embeddingCache.key,
              set: { lastUsedAt: t, vector: sql`excluded.vector` },
            }),
      );
      const [first, ...rest] = statements;
      if (first) await db.batch([first, ...rest]);
    },
  };
}
