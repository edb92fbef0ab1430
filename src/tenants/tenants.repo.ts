import { asc, eq, gt } from "drizzle-orm";
import type { Db } from "../db/client";
import { tenants } from "../db/schema";

/** A stored tenant. */
export type TenantRow = typeof tenants.$inferSelect;

/** True when a tenant with this id exists. */
export async function tenantExists(db: Db, id: string): Promise<boolean> {
  const row = await db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, id)).get();
  return row !== undefined;
}

/** Data access for tenants. */
export function createTenantsRepo(db: Db) {
  return {
    find: (id: string): Promise<TenantRow | undefined> =>
      db.select().from(tenants).where(eq(tenants.id, id)).get(),
    /** Inserts unless the id is taken; returns the new row or undefined on conflict. */
    async insert(id: string, name: string): Promise<TenantRow | undefined> {
      const rows = await db.insert(tenants).values({ id, name }).onConflictDoNothing().returning();
      return rows[0];
    },
    list: (limit: number, after?: string): Promise<TenantRow[]> =>
      db
        .select()
        .from(tenants)
        .where(after ? gt(tenants.id, after) : undefined)
        .orderBy(asc(tenants.id))
        .limit(limit)
        .all(),
  };
}

/** The tenants repository type. */
export type TenantsRepo = ReturnType<typeof createTenantsRepo>;
