import { and, between, eq, ne, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { providerUsage } from "../db/schema";

/** The `day` of all-time rows. */
export const TOTAL_DAY = "total";

/** Counters added to one (provider, operation) of a tenant. */
export interface UsageDelta {
  provider: string;
  operation: string;
  calls: number;
  failures: number;
  inputTokens: number;
  outputTokens: number;
  cacheHits: number;
  latencyMs: number;
}

/** Summed counters of a group of rows. */
export type UsageSums = Omit<UsageDelta, "provider" | "operation">;

const sums = {
  calls: sql<number>`sum(${providerUsage.calls})`.mapWith(Number),
  failures: sql<number>`sum(${providerUsage.failures})`.mapWith(Number),
  inputTokens: sql<number>`sum(${providerUsage.inputTokens})`.mapWith(Number),
  outputTokens: sql<number>`sum(${providerUsage.outputTokens})`.mapWith(Number),
  cacheHits: sql<number>`sum(${providerUsage.cacheHits})`.mapWith(Number),
  latencyMs: sql<number>`sum(${providerUsage.latencyMs})`.mapWith(Number),
};

const inc = (column: keyof UsageSums) => {
  const c = providerUsage[column];
  return sql`${c} + excluded.${sql.identifier(c.name)}`;
};

/** UTC `YYYY-MM-DD` of a timestamp. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Usage counters in D1. */
export function createUsageRepo(db: Db) {
  return {
    /** Adds deltas to the day's rows and the all-time rows, atomically. */
    async add(tenantId: string, now: number, deltas: readonly UsageDelta[]): Promise<void> {
      const day = utcDay(now);
      const statements = deltas.flatMap((d) =>
        [day, TOTAL_DAY].map((bucket) =>
          db
            .insert(providerUsage)
            .values({ tenantId, day: bucket, ...d, updatedAt: now })
            .onConflictDoUpdate({
              target: [
                providerUsage.tenantId,
                providerUsage.day,
                providerUsage.provider,
                providerUsage.operation,
              ],
              set: {
                calls: inc("calls"),
                failures: inc("failures"),
                inputTokens: inc("inputTokens"),
                outputTokens: inc("outputTokens"),
                cacheHits: inc("cacheHits"),
                latencyMs: inc("latencyMs"),
                updatedAt: now,
              },
            }),
        ),
      );
      const [first, ...rest] = statements;
      if (first) await db.batch([first, ...rest]);
    },

    /** Sums per provider and operation over days `from`…`to` (inclusive, `YYYY-MM-DD`). */
    async byProvider(tenantId: string, from: string, to: string) {
      return db
        .select({ provider: providerUsage.provider, operation: providerUsage.operation, ...sums })
        .from(providerUsage)
        .where(
          and(
            eq(providerUsage.tenantId, tenantId),
            between(providerUsage.day, from, to),
            ne(providerUsage.day, TOTAL_DAY),
          ),
        )
        .groupBy(providerUsage.provider, providerUsage.operation)
        .orderBy(providerUsage.provider, providerUsage.operation)
        .all();
    },

    /** Sums per day over `from`…`to`. */
    async byDay(tenantId: string, from: string, to: string) {
      return db
        .select({ day: providerUsage.day, ...sums })
        .from(providerUsage)
        .where(
          and(
            eq(providerUsage.tenantId, tenantId),
            between(providerUsage.day, from, to),
            ne(providerUsage.day, TOTAL_DAY),
          ),
        )
        .groupBy(providerUsage.day)
        .orderBy(providerUsage.day)
        .all();
    },

    /** All-time counters of every tenant, provider and operation (for /metrics). */
    async totals() {
      return db
        .select({
          tenantId: providerUsage.tenantId,
          provider: providerUsage.provider,
          operation: providerUsage.operation,
          calls: providerUsage.calls,
          failures: providerUsage.failures,
          inputTokens: providerUsage.inputTokens,
          outputTokens: providerUsage.outputTokens,
          cacheHits: providerUsage.cacheHits,
          latencyMs: providerUsage.latencyMs,
        })
        .from(providerUsage)
        .where(eq(providerUsage.day, TOTAL_DAY))
        .all();
    },
  };
}
