import { and, desc, eq, lt, or } from "drizzle-orm";
import type { Db } from "../db/client";
import { feedback, queryLog } from "../db/schema";

/** Feedback as stored. */
export interface FeedbackRecord {
  id: string;
  queryId: string;
  rating: number;
  comment: string | null;
  chunkIds: string[];
  createdAt: number;
  updatedAt: number;
}

/** Data access for feedback and the query log rows it rates. */
export function createFeedbackRepo(db: Db) {
  const toRecord = (r: typeof feedback.$inferSelect): FeedbackRecord => ({
    id: r.id,
    queryId: r.queryId,
    rating: r.rating,
    comment: r.comment,
    chunkIds: JSON.parse(r.chunkIds) as string[],
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  });

  return {
    /** The logged query's cited/returned chunk ids, or undefined when the tenant has no such query. */
    async loggedResults(tenantId: string, queryId: string): Promise<string[] | undefined> {
      const row = await db
        .select({ resultIds: queryLog.resultIds })
        .from(queryLog)
        .where(and(eq(queryLog.tenantId, tenantId), eq(queryLog.id, queryId)))
        .get();
      return row ? (JSON.parse(row.resultIds) as string[]) : undefined;
    },

    /**
     * Inserts or replaces the tenant's feedback on `queryId` (one per query: rating again
     * changes it), keeping the first `created_at`. Returns the stored row and whether it is new.
     */
    async upsert(
      tenantId: string,
      input: { id: string; queryId: string; rating: number; comment: string | null; chunkIds: string[] },
      now: number,
    ): Promise<{ record: FeedbackRecord; created: boolean }> {
      const values = {
        id: input.id,
        tenantId,
        queryId: input.queryId,
        rating: input.rating,
        comment: input.comment,
        chunkIds: JSON.stringify(input.chunkIds),
        createdAt: now,
        updatedAt: now,
      };
      const [row] = await db
        .insert(feedback)
        .values(values)
        .onConflictDoUpdate({
          target: [feedback.tenantId, feedback.queryId],
          set: { rating: values.rating, comment: values.comment, chunkIds: values.chunkIds, updatedAt: now },
        })
        .returning();
      if (!row) throw new Error("feedback upsert returned no row");
      return { record: toRecord(row), created: row.id === input.id };
    },

    /** Newest first (by update time, then id), after `cursor`. */
    async list(
      tenantId: string,
      opts: { queryId?: string; rating?: number; limit: number; after?: { updatedAt: number; id: string } },
    ): Promise<FeedbackRecord[]> {
      const rows = await db
        .select()
        .from(feedback)
        .where(
          and(
            eq(feedback.tenantId, tenantId),
            opts.queryId ? eq(feedback.queryId, opts.queryId) : undefined,
            opts.rating !== undefined ? eq(feedback.rating, opts.rating) : undefined,
            opts.after
              ? or(
                  lt(feedback.updatedAt, opts.after.updatedAt),
                  and(eq(feedback.updatedAt, opts.after.updatedAt), lt(feedback.id, opts.after.id)),
                )
              : undefined,
          ),
        )
        .orderBy(desc(feedback.updatedAt), desc(feedback.id))
        .limit(opts.limit)
        .all();
      return rows.map(toRecord);
    },
  };
}
