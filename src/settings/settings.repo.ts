import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client";
import { settings } from "../db/schema";
import { forgetSettings } from "./settings.cache";

/** Key/value settings stored as JSON per tenant. */
export function createSettingsRepo(db: Db) {
  return {
    async getAll(tenantId: string): Promise<Record<string, unknown>> {
      const rows = await db.select().from(settings).where(eq(settings.tenantId, tenantId)).all();
      return Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]));
    },
    /** Applies sets and clears (value `null`) in one atomic batch. */
    async apply(tenantId: string, changes: Record<string, unknown>): Promise<void> {
      const now = Date.now();
      const sets = Object.entries(changes).filter(([, v]) => v !== null && v !== undefined);
      const clears = Object.entries(changes)
        .filter(([, v]) => v === null)
        .map(([k]) => k);
      const statements = sets.map(([key, value]) =>
        db
          .insert(settings)
          .values({ tenantId, key, value: JSON.stringify(value), updatedAt: now })
          .onConflictDoUpdate({
            target: [settings.tenantId, settings.key],
            set: { value: JSON.stringify(value), updatedAt: now },
          }),
      );
      const all = clears.length
        ? [
            ...statements,
            db.delete(settings).where(and(eq(settings.tenantId, tenantId), inArray(settings.key, clears))),
          ]
        : statements;
      const [first, ...rest] = all;
      try {
        if (first) await db.batch([first, ...rest]);
      } finally {
        forgetSettings(tenantId);
      }
    },
  };
}
