import { createRoute } from "@hono/zod-openapi";
import { fail } from "../http/errors";
import { readOptionalJson } from "../http/json-body";
import { tenant, tenantSecurity } from "../http/middleware";
import { createRouter, errorResponses, jsonResponse } from "../http/openapi";
import { acceptDocuments } from "./documents.accept";
import {
  Accepted,
  BatchAccepted,
  BatchInput,
  chunkingFromInput,
  Deleted,
  DocumentId,
  DocumentInput,
  DocumentList,
  DocumentView,
  IdParam,
  JobParam,
  JobView,
  ListQuery,
  MultipartInput,
  ReindexAccepted,
  ReindexAllInput,
  ReindexInput,
} from "./documents.schema";
import { createDocumentsService } from "./documents.service";
import { readBatchUpload, readSingleUpload } from "./documents.uploads";
import { toDocumentView, toJobView } from "./documents.views";
import { createIngestDeps } from "./ingest.deps";

const tags = ["documents"];
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** Opaque list cursors: base64url of the last id. */
function encodeCursor(id: string): string {
  return btoa(id).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
function decodeCursor(cursor: string): string {
  try {
    const id = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    if (DocumentId.safeParse(id).success) return id;
  } catch {
    // fall through
  }
  throw fail.badRequest(
    "The cursor is not valid; pass next_cursor from a previous page unchanged.",
    "invalid_cursor",
  );
}

/**
 * The documents API: upload (JSON, multipart, JSON Lines batches), list, get, delete,
 * reindex, and ingest job status. Bodies are parsed by hand (files are binary and batches
 * come in three shapes); the zod schemas document them and validate every field.
 */
export function documentsRoutes() {
  const app = createRouter();
  app.openAPIRegistry.register("DocumentInput", DocumentInput);
  app.openAPIRegistry.register("DocumentBatchInput", BatchInput);
  app.openAPIRegistry.register("DocumentUpload", MultipartInput);

  app.openapi(
    createRoute({
      method: "post",
      path: "/documents",
      tags,
      security: tenantSecurity,
      middleware: tenant("write"),
      summary: "Add or replace one document (JSON text or a multipart file); indexing happens asynchronously",
      description:
        "With a caller-supplied `id` this is an idempotent upsert: the same content again is a no-op " +
        "(`unchanged: true`); new content becomes a new version that replaces the old chunks once indexed.",
      request: {
        body: {
          required: true,
          content: {
            "application/json": { schema: ref("DocumentInput") },
            "multipart/form-data": { schema: ref("DocumentUpload") },
          },
        },
      },
      responses: {
        202: jsonResponse(Accepted, "Accepted for indexing"),
        ...errorResponses(400, 401, 403, 409, 413, 415),
      },
    }),
    async (c) => {
      const deps = createIngestDeps(c.env);
      const doc = await readSingleUpload(c, deps.now());
      const { jobId, documents } = await acceptDocuments(deps, c.var.principal.tenantId, [doc], "ingest");
      const d = documents[0];
      if (!d) throw new Error("accept returned no document");
      return c.json(
        {
          id: d.id,
          job_id: jobId,
          status: d.status,
          version: d.version,
          unchanged: d.unchanged,
          duplicate_of: d.duplicateOf,
        },
        202,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/documents/batch",
      tags,
      security: tenantSecurity,
      middleware: tenant("write"),
      summary: "Add or replace up to 1,000 documents in one job",
      description:
        "JSON `{documents:[…]}`, JSON Lines (`application/x-ndjson`, one document object per line), or multipart " +
        "`file` fields (`.jsonl` files expand to one document per line). Invalid input rejects the whole batch.",
      request: {
        body: {
          required: true,
          content: {
            "application/json": { schema: ref("DocumentBatchInput") },
            "application/x-ndjson": { schema: ref("DocumentInput") },
            "multipart/form-data": { schema: ref("DocumentUpload") },
          },
        },
      },
      responses: {
        202: jsonResponse(BatchAccepted, "Accepted for indexing"),
        ...errorResponses(400, 401, 403, 409, 413, 415),
      },
    }),
    async (c) => {
      const deps = createIngestDeps(c.env);
      const docs = await readBatchUpload(c, deps.now());
      const { jobId, documents } = await acceptDocuments(deps, c.var.principal.tenantId, docs, "batch");
      return c.json(
        {
          job_id: jobId,
          ids: documents.map((d) => d.id),
          documents: documents.map((d) => ({
            id: d.id,
            status: d.status,
            version: d.version,
            unchanged: d.unchanged,
            duplicate_of: d.duplicateOf,
          })),
        },
        202,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/documents/reindex",
      tags,
      security: tenantSecurity,
      middleware: tenant("write"),
      summary:
        "Re-index every document of the tenant from its stored body (e.g. after changing the embedder)",
      description:
        'Optional body `{"status":"failed"}` limits it to documents with that status. If the configured embedder ' +
        "differs from the one the tenant's vectors were made with, the old vectors are dropped first " +
        "(`vectors_reset: true`); keyword search keeps working while the documents are re-embedded.",
      responses: {
        202: jsonResponse(ReindexAccepted, "Reindex job started"),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const body = await readOptionalJson(c, ReindexAllInput);
      const { jobId, total, vectorsReset } = await createDocumentsService(createIngestDeps(c.env)).reindexAll(
        c.var.principal.tenantId,
        body.status,
      );
      return c.json({ job_id: jobId, total, vectors_reset: vectorsReset }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/documents",
      tags,
      security: tenantSecurity,
      middleware: tenant("read"),
      summary: "List documents in id order, optionally by status",
      request: { query: ListQuery },
      responses: { 200: jsonResponse(DocumentList, "A page of documents"), ...errorResponses(400, 401, 403) },
    }),
    async (c) => {
      const { limit, cursor, status } = c.req.valid("query");
      const page = await createDocumentsService(createIngestDeps(c.env)).list(c.var.principal.tenantId, {
        limit,
        status,
        after: cursor === undefined ? undefined : decodeCursor(cursor),
      });
      return c.json(
        {
          documents: page.rows.map((r) => toDocumentView(r)),
          next_cursor: page.next === null ? null : encodeCursor(page.next),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/documents/{id}",
      tags,
      security: tenantSecurity,
      middleware: tenant("read"),
      summary: "One document: status, chunk count, error, embedder",
      request: { params: IdParam },
      responses: { 200: jsonResponse(DocumentView, "The document"), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const detail = await createDocumentsService(createIngestDeps(c.env)).get(
        c.var.principal.tenantId,
        c.req.valid("param").id,
      );
      return c.json(toDocumentView(detail.row, detail.duplicateOf), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/documents/{id}",
      tags,
      security: tenantSecurity,
      middleware: tenant("write"),
      summary: "Delete a document everywhere: chunks, keyword index, vectors, stored body",
      request: { params: IdParam },
      responses: { 200: jsonResponse(Deleted, "Deleted"), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { chunks } = await createDocumentsService(createIngestDeps(c.env)).remove(
        c.var.principal.tenantId,
        id,
      );
      return c.json({ id, deleted: true as const, chunks }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/documents/{id}/reindex",
      tags,
      security: tenantSecurity,
      middleware: tenant("write"),
      summary: "Re-index one document from its stored body",
      description:
        'Optional body `{"chunking":{"max_tokens":…,"overlap_tokens":…}}` re-chunks it with new options (null: defaults).',
      request: { params: IdParam },
      responses: {
        202: jsonResponse(ReindexAccepted, "Reindex job started"),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const body = await readOptionalJson(c, ReindexInput);
      const chunking = body.chunking === undefined ? undefined : chunkingFromInput(body.chunking);
      const { jobId, version } = await createDocumentsService(createIngestDeps(c.env)).reindex(
        c.var.principal.tenantId,
        id,
        chunking,
      );
      return c.json({ job_id: jobId, id, version }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/jobs/{id}",
      tags,
      security: tenantSecurity,
      middleware: tenant("read"),
      summary: "Progress of an ingest or reindex job",
      request: { params: JobParam },
      responses: { 200: jsonResponse(JobView, "The job"), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      const summary = await createDocumentsService(createIngestDeps(c.env)).job(
        c.var.principal.tenantId,
        c.req.valid("param").id,
      );
      return c.json(toJobView(summary), 200);
    },
  );

  return app;
}
