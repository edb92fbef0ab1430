import { and, asc, eq, gt, ne, sql } from "drizzle-orm";
import { jsonGroups, prepare } from "../db/batch";
import type { Db } from "../db/client";
import { ingestJobItems, ingestJobs } from "../db/schema";
import type { DocKey, DocumentStatus } from "./documents.repo";

/** Per-document outcome within a job. */
export type JobItemStatus = "pending" | "done" | "failed" | "skipped";

/** A job item to record on accept. */
export interface JobItemInput {
  id: string;
  version: number;
  status: JobItemStatus;
  error: string | null;
}

/** A job with its per-status counts and (some of) its errors. */
export interface JobSummary {
  job: typeof ingestJobs.$inferSelect;
  counts: Record<JobItemStatus, number>;
  errors: { documentId: string; error: string }[];
}

/** Job errors returned by GET /v1/jobs/:id (the rest are on the documents themselves). */
const MAX_JOB_ERRORS = 100;

/** Data access for ingest jobs and their items. */
export function createJobsRepo(db: Db) {
  return {
    insertStatement: (id: string, tenantId: string, kind: string, total: number, now: number) =>
      prepare(
        db,
        db
          .insert(ingestJobs)
          .values({ id, tenantId, kind, status: "queued", total, createdAt: now, updatedAt: now }),
      ),

    /** A reindex job whose total is the number of documents it covers (counted in SQL, in the same batch). */
    insertCountedStatement: (id: string, tenantId: string, now: number, status?: DocumentStatus) =>
      prepare(
        db,
        sql`
        INSERT INTO ingest_jobs (id, tenant_id, kind, status, total, created_at, updated_at)
        SELECT ${id}, ${tenantId}, 'reindex', 'queued', count(*), ${now}, ${now}
        FROM documents WHERE tenant_id = ${tenantId} ${status ? sql`AND status = ${status}` : sql``}`,
      ),

    /**
     * Records items. A pending item is written only if its document row really is at that
     * version for this job — i.e. this job won the optimistic upsert — so a lost race never
     * leaves an item that would wait forever.
     */
    itemStatements(tenantId: string, jobId: string, items: readonly JobItemInput[], now: number) {
      return jsonGroups(items.map((i) => [i.id, i.version, i.status, i.error])).map((json) =>
        prepare(
          db,
          sql`
          INSERT INTO ingest_job_items (job_id, document_id, tenant_id, version, status, error, updated_at)
          SELECT ${jobId}, j.value ->> '$[0]', ${tenantId}, j.value ->> '$[1]', j.value ->> '$[2]', j.value ->> '$[3]', ${now}
          FROM json_each(${json}) AS j
          WHERE j.value ->> '$[2]' != 'pending' OR EXISTS (
            SELECT 1 FROM documents AS d
            WHERE d.tenant_id = ${tenantId} AND d.id = j.value ->> '$[0]' AND d.version = j.value ->> '$[1]'
              AND d.job_id = ${jobId})
          ON CONFLICT (job_id, document_id) DO UPDATE SET
            version = excluded.version, status = excluded.status, error = excluded.error, updated_at = excluded.updated_at`,
        ),
      );
    },

    /** Items of every document that now belongs to `jobId` (a reindex), in the same batch as the version bump. */
    itemsFromDocumentsStatement: (tenantId: string, jobId: string, now: number) =>
      prepare(
        db,
        sql`
        INSERT INTO ingest_job_items (job_id, document_id, tenant_id, version, status, updated_at)
        SELECT ${jobId}, id, tenant_id, version, 'pending', ${now} FROM documents
        WHERE tenant_id = ${tenantId} AND job_id = ${jobId}`,
      ),

    /**
     * Older jobs' pending items for documents that `jobId` just took over: they will never be
     * processed at their version, so they are settled as skipped with the reason.
     */
    supersedeStatements(tenantId: string, jobId: string, ids: readonly string[], now: number) {
      return jsonGroups(ids).map((json) =>
        prepare(
          db,
          sql`
          UPDATE ingest_job_items SET status = 'skipped', error = ${`superseded: a newer upload (job ${jobId}) replaced this version`},
            updated_at = ${now}
          WHERE tenant_id = ${tenantId} AND status = 'pending' AND job_id != ${jobId}
            AND document_id IN (
              SELECT d.id FROM json_each(${json}) AS j CROSS JOIN documents AS d ON d.tenant_id = ${tenantId} AND d.id = j.value
              WHERE d.job_id = ${jobId})`,
        ),
      );
    },

    /** Pending items of every job for a whole tenant's documents (a tenant-wide reindex supersedes them all). */
    supersedeAllStatement: (tenantId: string, jobId: string, now: number) =>
      prepare(
        db,
        db
          .update(ingestJobItems)
          .set({
            status: "skipped",
            error: `superseded: reindex job ${jobId} replaced this version`,
            updatedAt: now,
          })
          .where(
            and(
              eq(ingestJobItems.tenantId, tenantId),
              eq(ingestJobItems.status, "pending"),
              ne(ingestJobItems.jobId, jobId),
              sql`${ingestJobItems.documentId} IN (SELECT id FROM documents WHERE tenant_id = ${tenantId} AND job_id = ${jobId})`,
            ),
          ),
      ),

    /** Settles the pending item of one document version. */
    settleStatement: (
      key: DocKey,
      status: Exclude<JobItemStatus, "pending">,
      error: string | null,
      now: number,
    ) =>
      prepare(
        db,
        db
          .update(ingestJobItems)
          .set({ status, error, updatedAt: now })
          .where(
            and(
              eq(ingestJobItems.tenantId, key.tenant),
              eq(ingestJobItems.documentId, key.doc),
              eq(ingestJobItems.version, key.version),
              eq(ingestJobItems.status, "pending"),
            ),
          ),
      ),

    /** Settles every pending item of a document that is being deleted. */
    settleDeletedStatement: (tenantId: string, documentId: string, now: number) =>
      prepare(
        db,
        db
          .update(ingestJobItems)
          .set({
            status: "skipped",
            error: "deleted: the document was deleted before it was indexed",
            updatedAt: now,
          })
          .where(
            and(
              eq(ingestJobItems.tenantId, tenantId),
              eq(ingestJobItems.documentId, documentId),
              eq(ingestJobItems.status, "pending"),
            ),
          ),
      ),

    /** A job of the tenant with counts and errors, or null (another tenant's job is not found either). */
    async summary(tenantId: string, jobId: string): Promise<JobSummary | null> {
      const job = await db
        .select()
        .from(ingestJobs)
        .where(and(eq(ingestJobs.id, jobId), eq(ingestJobs.tenantId, tenantId)))
        .get();
      if (!job) return null;
      const rows = await db
        .select({ status: ingestJobItems.status, n: sql<number>`count(*)` })
        .from(ingestJobItems)
        .where(eq(ingestJobItems.jobId, jobId))
        .groupBy(ingestJobItems.status)
        .all();
      const counts: Record<JobItemStatus, number> = { pending: 0, done: 0, failed: 0, skipped: 0 };
      for (const r of rows) counts[r.status as JobItemStatus] = r.n;
      const errors = await db
        .select({ documentId: ingestJobItems.documentId, error: ingestJobItems.error })
        .from(ingestJobItems)
        .where(and(eq(ingestJobItems.jobId, jobId), eq(ingestJobItems.status, "failed")))
        .orderBy(asc(ingestJobItems.documentId))
        .limit(MAX_JOB_ERRORS)
        .all();
      return { job, counts, errors: errors.map((e) => ({ documentId: e.documentId, error: e.error ?? "" })) };
    },

    /** Records that a job has no pending items left (first observation wins). */
    markFinished: (jobId: string, now: number) =>
      db
        .update(ingestJobs)
        .set({ status: "done", finishedAt: now, updatedAt: now })
        .where(and(eq(ingestJobs.id, jobId), ne(ingestJobs.status, "done"))),

    /** The next page of a job's pending documents, for fan-out. */
    pendingPage: (jobId: string, after: string, limit: number) =>
      db
        .select({ doc: ingestJobItems.documentId, version: ingestJobItems.version })
        .from(ingestJobItems)
        .where(
          and(
            eq(ingestJobItems.jobId, jobId),
            eq(ingestJobItems.status, "pending"),
            gt(ingestJobItems.documentId, after),
          ),
        )
        .orderBy(asc(ingestJobItems.documentId))
        .limit(limit)
        .all(),
  };
}

/** The jobs repository type. */
export type JobsRepo = ReturnType<typeof createJobsRepo>;
