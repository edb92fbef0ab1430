import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { settings } from "../../db/schema";
import type { EmbedderIdentity } from "../types";

/**
 * Which embedder made each tenant's vectors in the cloud, where a Vectorize index cannot
 * store it. Rows live in `settings` under the instance scope (`tenant_id = '*'`), keyed
 * `vectors:<tenant>`, so they never show up in a tenant's own `GET /v1/settings`.
 */

/** The instance-wide settings scope. */
const INSTANCE = "*";

/** What is recorded for a tenant. */
export interface EmbedderRecord {
  embedder: EmbedderIdentity;
  createdAt: number;
}

/** Settings key of a tenant's record. */
export function registryKey(tenantId: string): string {
  return `vectors:${tenantId}`;
}

/** Reads, claims and forgets tenants' embedder records in D1. */
export function createEmbedderRegistry(db: Db) {
  const where = (tenantId: string) =>
    and(eq(settings.tenantId, INSTANCE), eq(settings.key, registryKey(tenantId)));
  return {
    /** The tenant's record, or null when it has no vectors. */
    async get(tenantId: string): Promise<EmbedderRecord | null> {
      const row = await db.select({ value: settings.value }).from(settings).where(where(tenantId)).get();
      return row ? parseRecord(row.value) : null;
    },

    /**
     * Records `embedder` unless a record exists, and returns the stored record. Concurrent
     * claims are settled by the primary key: the first insert wins, the others read it.
     */
    async claim(tenantId: string, embedder: EmbedderIdentity, now = Date.now()): Promise<EmbedderRecord> {
      const record: EmbedderRecord = { embedder, createdAt: now };
      await db
        .insert(settings)
        .values({
          tenantId: INSTANCE,
          key: registryKey(tenantId),
          value: JSON.stringify(record),
          updatedAt: now,
        })
        .onConflictDoNothing()
        .run();
      return (await this.get(tenantId)) ?? record;
    },

    /** Forgets the tenant's record (after its vectors were deleted). */
    async forget(tenantId: string): Promise<void> {
      await db.delete(settings).where(where(tenantId)).run();
    },
  };
}

/** The registry's type. */
export type EmbedderRegistry = ReturnType<typeof createEmbedderRegistry>;

function parseRecord(value: string): EmbedderRecord {
  const parsed = JSON.parse(value) as Partial<EmbedderRecord>;
  const e = parsed.embedder;
  if (!e || typeof e.id !== "string" || typeof e.dimensions !== "number") {
    throw new Error(`Corrupt vector embedder record in settings: ${value.slice(0, 200)}`);
  }
  return { embedder: { id: e.id, dimensions: e.dimensions }, createdAt: Number(parsed.createdAt ?? 0) };
}
