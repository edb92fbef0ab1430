import type { ChunkingOptions } from "../chunking/types";
import { rowsOf, runBatch } from "../db/batch";
import { fail } from "../http/errors";
import { newId } from "../lib/ids";
import { log } from "../observability/log";
import { chunkWrites } from "./chunk-writes";
import { createChunksRepo } from "./chunks.repo";
import { canonicalJson } from "./documents.accept";
import { createDocumentsRepo, type DocumentRow, type DocumentStatus } from "./documents.repo";
import { QUEUED_GRACE_MS } from "./ingest.config";
import { type IngestDeps, identityOf } from "./ingest.deps";
import { createJobsRepo, type JobSummary } from "./jobs.repo";
import { createPacksRepo, deadPacks, reclaimPacks } from "./packs.repo";
import { deleteVectors } from "./vector-cleanup";

/** A document with the other documents of its tenant that have identical content. */
export interface DocumentDetail {
  row: DocumentRow;
  duplicateOf: string[];
}

const notFound = (id: string) =>
  fail.notFound(`Document "${id}" does not exist (or belongs to another tenant).`, "document_not_found");

/**
 * Reads and lifecycle operations on documents: get, list, delete everywhere, reindex one
 * or all from their stored bodies, and job status. Every operation is scoped to one tenant;
 * another tenant's document is simply not found.
 */
export function createDocumentsService(deps: IngestDeps) {
  const documents = createDocumentsRepo(deps.db);
  const chunks = createChunksRepo(deps.db);
  const jobs = createJobsRepo(deps.db);
  const packs = createPacksRepo(deps.db);

  /**
   * Vectors of different embedders are not comparable and the index refuses to mix them, so
   * when the configured embedder differs from the one the tenant's vectors were made with,
   * a full reindex first drops the old vectors (keyword search keeps working meanwhile).
   * A partial reindex cannot switch embedders: the rest would keep unusable vectors.
   */
  async function resetVectorsOnEmbedderChange(tenantId: string, status?: DocumentStatus): Promise<boolean> {
    const recorded = await deps.vectors.recorded(tenantId);
    if (!recorded) return false;
    const embedder = await deps.embedderFor(tenantId);
    // Remote embedders learn their dimension from their first answer.
    if (embedder.dimensions === 0) await embedder.embed(["dimension probe"], { kind: "document" });
    const current = identityOf(embedder);
    if (recorded.id === current.id && recorded.dimensions === current.dimensions) return false;
    if (status) {
      throw fail.conflict(
        `The embedder changed from ${recorded.id} to ${current.id}; reindex all documents (omit "status") so no ` +
          "document keeps vectors of the old embedder.",
        "embedder_changed",
      );
    }
    await deps.vectors.drop(tenantId, await chunks.allIds(tenantId));
    return true;
  }

  return {
    /** One document, or 404. */
    async get(tenantId: string, id: string): Promise<DocumentDetail> {
      const row = await documents.find(tenantId, id);
      if (!row) throw notFound(id);
      const same = await documents.sameContent(tenantId, [row.contentHash]);
      return {
        row,
        duplicateOf: same
          .map((r) => r.id)
          .filter((d) => d !== id)
          .slice(0, 10),
      };
    },

    /** One page of documents in id order; `next` is the cursor for the following page. */
    async list(tenantId: string, opts: { limit: number; after?: string; status?: DocumentStatus }) {
      const rows = await documents.list(tenantId, { ...opts, limit: opts.limit + 1 });
      const page = rows.slice(0, opts.limit);
      return { rows: page, next: rows.length > opts.limit ? (page.at(-1)?.id ?? null) : null };
    },

    /**
     * Deletes a document everywhere: keyword index rows, chunk rows and the document row in
     * one D1 batch (pending job items settle as skipped), then its vectors (a failure there
     * is retried through the queue, never undoing the delete), its R2 body (its key dies
     * with the row; the upload pack is deleted once no other document uses it), and cached
     * results through `onChange`. An indexing run in flight finds the row gone at commit and
     * discards what it wrote.
     */
    async remove(tenantId: string, id: string): Promise<{ chunks: number }> {
      const row = await documents.find(tenantId, id);
      if (!row) throw notFound(id);
      const ids = await chunks.ids(tenantId, id);
      const now = deps.now();
      const results = await chunkWrites.around([tenantId], () =>
        runBatch(deps.db, [
          deps.keyword.removeDocument(tenantId, id),
          chunks.deleteStatement(tenantId, id),
          documents.deleteStatement(tenantId, id),
          jobs.settleDeletedStatement(tenantId, id, now),
          ...packs.recountStatements([row.blobKey]),
        ]),
      );
      await deleteVectors(deps, tenantId, ids);
      // The row (and with it the body's key) is gone; the pack goes too once it holds nothing else.
      await reclaimPacks(deps, deadPacks(results));
      await deps.onChange?.(tenantId, [id]);
      return { chunks: ids.length };
    },

    /** Re-indexes one document from its stored body as a new version (optionally with new chunking). */
    async reindex(
      tenantId: string,
      id: string,
      chunking?: Partial<ChunkingOptions> | null,
    ): Promise<{ jobId: string; version: number }> {
      if (!(await documents.find(tenantId, id))) throw notFound(id);
      const now = deps.now();
      const jobId = newId("job", now);
      const chunkingJson = chunking === undefined ? undefined : chunking ? canonicalJson(chunking) : null;
      const results = await runBatch(deps.db, [
        documents.bumpVersionStatement(tenantId, id, jobId, now, now + QUEUED_GRACE_MS, chunkingJson),
        jobs.insertStatement(jobId, tenantId, "reindex", 1, now),
        ...jobs.supersedeStatements(tenantId, jobId, [id], now),
        jobs.itemsFromDocumentsStatement(tenantId, jobId, now),
      ]);
      const version = rowsOf<{ version: number }>(results[0])[0]?.version;
      // Deleted between the read and the batch: the job recorded nothing.
      if (version === undefined) throw notFound(id);
      try {
        await deps.queue.send({ kind: "ingest", tenant: tenantId, doc: id, version });
      } catch (err) {
        log.warn("enqueueing a reindex failed; the sweep will pick it up", { job_id: jobId, err });
      }
      return { jobId, version };
    },

    /**
     * Re-indexes every document of the tenant (or every one with `status`, e.g. `failed`)
     * from the stored bodies, e.g. after changing the embedder. One D1 batch bumps all
     * versions and records the job; a single `fanout` message then enqueues the documents
     * page by page, so the request stays small whatever the tenant's size.
     */
    async reindexAll(
      tenantId: string,
      status?: DocumentStatus,
    ): Promise<{ jobId: string; total: number; vectorsReset: boolean }> {
      const vectorsReset = await resetVectorsOnEmbedderChange(tenantId, status);
      const now = deps.now();
      const jobId = newId("job", now);
      await runBatch(deps.db, [
        jobs.insertCountedStatement(jobId, tenantId, now, status),
        documents.bumpAllStatement(tenantId, jobId, now, now + QUEUED_GRACE_MS, status),
        jobs.supersedeAllStatement(tenantId, jobId, now),
        jobs.itemsFromDocumentsStatement(tenantId, jobId, now),
      ]);
      const summary = await jobs.summary(tenantId, jobId);
      try {
        await deps.queue.send({ kind: "fanout", tenant: tenantId, job: jobId, after: "" });
      } catch (err) {
        log.warn("enqueueing a tenant reindex failed; the sweep will pick it up", { job_id: jobId, err });
      }
      return { jobId, total: summary?.job.total ?? 0, vectorsReset };
    },

    /** A job of the tenant with counts, or 404. Marks it done the first time nothing is pending. */
    async job(tenantId: string, jobId: string): Promise<JobSummary> {
      const summary = await jobs.summary(tenantId, jobId);
      if (!summary)
        throw fail.notFound(`Job "${jobId}" does not exist (or belongs to another tenant).`, "job_not_found");
      if (summary.counts.pending === 0 && summary.job.status !== "done") {
        const now = deps.now();
        await jobs.markFinished(jobId, now);
        summary.job = { ...summary.job, status: "done", finishedAt: now, updatedAt: now };
      }
      return summary;
    },
  };
}

/** The documents service type. */
export type DocumentsService = ReturnType<typeof createDocumentsService>;
