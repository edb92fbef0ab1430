import { and, desc, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { apiKeys } from "../db/schema";

/** The stored, secret-free view of an API key. */
export type ApiKeyRow = typeof apiKeys.$inferSelect;

/** Data access for API keys. */
export function createKeysRepo(db: Db) {
  return {
    /** Looks a key up by the SHA-256 of its secret. */
    async findByHash(hash: string): Promise<ApiKeyRow | undefined> {
      return db.select().from(apiKeys).where(eq(apiKeys.hash, hash)).get();
    },
    async insert(row: typeof apiKeys.$inferInsert): Promise<ApiKeyRow> {
      const [created] = await db.insert(apiKeys).values(row).returning();
      if (!created) throw new Error("insert into api_keys returned no row");
      return created;
    },
    async listByTenant(tenantId: string): Promise<ApiKeyRow[]> {
      return db
        .select()
        .from(apiKeys)
        .where(eq(apiKeys.tenantId, tenantId))
        .orderBy(desc(apiKeys.createdAt))
        .all();
    },
    async findById(id: string): Promise<ApiKeyRow | undefined> {
      return db.select().from(apiKeys).where(eq(apiKeys.id, id)).get();
    },
    /** Sets `revoked_at` once; revoking twice keeps the first time. */
    async revoke(id: string, at: number): Promise<void> {
      await db
        .update(apiKeys)
        .set({ revokedAt: at })
        .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)));
    },
    async touch(id: string, at: number): Promise<void> {
      await db.update(apiKeys).set({ lastUsedAt: at }).where(eq(apiKeys.id, id));
    },
  };
}

/** The keys repository type. */
export type KeysRepo = ReturnType<typeof createKeysRepo>;
