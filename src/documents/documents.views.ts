import type { z } from "@hono/zod-openapi";
import type { DocumentRow, DocumentStatus } from "./documents.repo";
import type { DocumentView, JobView } from "./documents.schema";
import { parseStoredError } from "./ingest.errors";
import type { JobSummary } from "./jobs.repo";

/** The public JSON of a document row. */
export function toDocumentView(row: DocumentRow, duplicateOf?: string[]): z.infer<typeof DocumentView> {
  let metadata: Record<string, unknown> = {};
  try {
    metadata = JSON.parse(row.metadata) as Record<string, unknown>;
  } catch {
    // Stored metadata is always written as JSON; an unreadable value shows as empty.
  }
  return {
    id: row.id,
    title: row.title,
    status: row.status as DocumentStatus,
    content_type: row.contentType,
    source: row.source,
    size_bytes: row.sizeBytes,
    content_hash: row.contentHash,
    version: row.version,
    chunk_count: row.chunkCount,
    embedder: row.embedder,
    error: parseStoredError(row.error),
    metadata,
    job_id: row.jobId,
    attempts: row.attempts,
    ...(duplicateOf ? { duplicate_of: duplicateOf } : {}),
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    indexed_at: row.indexedAt,
    expires_at: row.expiresAt,
  };
}

/** The public JSON of a job. */
export function toJobView(s: JobSummary): z.infer<typeof JobView> {
  const { pending, done, failed, skipped } = s.counts;
  const handled = done + failed + skipped;
  return {
    id: s.job.id,
    kind: s.job.kind,
    status: pending === 0 ? "done" : handled > 0 ? "running" : "queued",
    total: s.job.total,
    done,
    failed,
    skipped,
    pending,
    errors: s.errors.map((e) => {
      const parsed = parseStoredError(e.error) ?? { code: "indexing_error", message: e.error };
      return { document_id: e.documentId, ...parsed };
    }),
    created_at: s.job.createdAt,
    finished_at: s.job.finishedAt,
  };
}
