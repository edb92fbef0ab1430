import { z } from "@hono/zod-openapi";
import { CHUNKING_LIMITS, type ChunkingOptions, DEFAULT_CHUNKING } from "../chunking/types";
import { MAX_BATCH_DOCUMENTS } from "./ingest.config";

/** Caller metadata per document, as JSON. Kept small: it is copied into every vector's metadata. */
export const MAX_METADATA_BYTES = 16 * 1024;

/** Document ids: what callers use to upsert; safe in URLs, logs and R2 keys. */
export const DocumentId = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:@+=~-]{0,199}$/,
    "must be 1–200 characters of letters, digits and . _ : @ + = ~ -, starting with a letter or digit",
  )
  .openapi({ example: "handbook-2024" });

const Metadata = z
  .record(z.string(), z.unknown())
  .refine((m) => new TextEncoder().encode(JSON.stringify(m)).length <= MAX_METADATA_BYTES, {
    message: `must serialise to at most ${MAX_METADATA_BYTES / 1024} KB of JSON`,
  })
  .openapi({ example: { team: "support", year: 2024 } });

/** Chunking options (snake_case on the wire). */
export const ChunkingInput = z
  .object({
    max_tokens: z
      .number()
      .int()
      .min(CHUNKING_LIMITS.minMaxTokens)
      .max(CHUNKING_LIMITS.maxMaxTokens)
      .optional()
      .openapi({ description: `Chunk size in estimated tokens (default ${DEFAULT_CHUNKING.maxTokens}).` }),
    overlap_tokens: z
      .number()
      .int()
      .min(0)
      .optional()
      .openapi({
        description: `Tokens repeated between neighbouring chunks (default ${DEFAULT_CHUNKING.overlapTokens}).`,
      }),
  })
  .strict()
  .refine((c) => (c.overlap_tokens ?? 0) <= (c.max_tokens ?? DEFAULT_CHUNKING.maxTokens) / 2, {
    message: "overlap_tokens must be at most half of max_tokens",
    path: ["overlap_tokens"],
  })
  .openapi("ChunkingOptions");

/** Wire chunking options to the chunker's (only the fields given; the chunker fills in defaults); null for none. */
export function chunkingFromInput(
  c: z.infer<typeof ChunkingInput> | null | undefined,
): Partial<ChunkingOptions> | null {
  if (!c || (c.max_tokens === undefined && c.overlap_tokens === undefined)) return null;
  const options: Partial<ChunkingOptions> = {};
  if (c.max_tokens !== undefined) options.maxTokens = c.max_tokens;
  if (c.overlap_tokens !== undefined) options.overlapTokens = c.overlap_tokens;
  return options;
}

/** Expiry: an ISO 8601 time or epoch milliseconds, which must lie in the future. */
export const ExpiresAt = z
  .union([z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)), z.number().int().positive()])
  .openapi({
    example: "2030-01-01T00:00:00Z",
    description: "ISO 8601 or epoch milliseconds; swept once past.",
  });

/** One document sent as JSON text. */
export const DocumentInput = z
  .object({
    id: DocumentId.optional(),
    title: z.string().trim().min(1).max(1000).optional(),
    text: z
      .string()
      .refine((t) => t.trim().length > 0, { message: "must contain some text" })
      .openapi({ example: "# Returns\n\nItems can be returned within 30 days." }),
    content_type: z
      .string()
      .optional()
      .openapi({ description: "text/plain (default), text/markdown or text/html", example: "text/markdown" }),
    metadata: Metadata.optional(),
    expires_at: ExpiresAt.optional(),
    chunking: ChunkingInput.optional(),
  })
  .strict()
  .openapi("DocumentInput");

/** `POST /v1/documents/batch` as JSON. */
export const BatchInput = z
  .object({
    documents: z.array(DocumentInput).min(1).max(MAX_BATCH_DOCUMENTS),
    chunking: ChunkingInput.optional().openapi({ description: "Default for documents that set none." }),
  })
  .strict()
  .openapi("DocumentBatchInput");

/** Multipart upload fields (documentation; parsed by hand because the file is binary). */
export const MultipartInput = z
  .object({
    file: z.string().openapi({ type: "string", format: "binary" }),
    id: DocumentId.optional(),
    title: z.string().optional(),
    content_type: z.string().optional().openapi({ description: "Overrides the file's type and extension." }),
    metadata: z.string().optional().openapi({ description: "JSON object" }),
    expires_at: z.string().optional(),
    chunking: z.string().optional().openapi({ description: "JSON, see ChunkingOptions" }),
  })
  .openapi("DocumentUpload");

/** Document statuses: `queued` → `indexing` → `ready` or `failed`. */
export const DocumentStatusEnum = z.enum(["queued", "indexing", "ready", "failed"]);

/** Query of `GET /v1/documents`. */
export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(1000).optional(),
  status: DocumentStatusEnum.optional(),
});

/** Path parameter of the per-document routes. */
export const IdParam = z.object({ id: DocumentId });
/** Path parameter of `GET /v1/jobs/:id`. */
export const JobParam = z.object({ id: z.string().min(1).max(100) });

const ErrorInfo = z.object({ code: z.string(), message: z.string() });

/** A document as the API shows it. */
export const DocumentView = z
  .object({
    id: z.string(),
    title: z.string().nullable(),
    status: DocumentStatusEnum,
    content_type: z.string(),
    source: z.string().nullable(),
    size_bytes: z.number().int(),
    content_hash: z.string(),
    version: z.number().int(),
    chunk_count: z.number().int(),
    embedder: z.string().nullable(),
    error: ErrorInfo.nullable(),
    metadata: z.record(z.string(), z.unknown()),
    job_id: z.string().nullable(),
    attempts: z.number().int(),
    duplicate_of: z.array(z.string()).optional(),
    created_at: z.number().int(),
    updated_at: z.number().int(),
    indexed_at: z.number().int().nullable(),
    expires_at: z.number().int().nullable(),
  })
  .openapi("Document");

/** A page of `GET /v1/documents`. */
export const DocumentList = z
  .object({ documents: z.array(DocumentView), next_cursor: z.string().nullable() })
  .openapi("DocumentList");

const AcceptedFields = {
  id: z.string(),
  status: z.string(),
  version: z.number().int(),
  unchanged: z.boolean(),
  duplicate_of: z.array(z.string()),
};

/** 202 of `POST /v1/documents`. */
export const Accepted = z.object({ ...AcceptedFields, job_id: z.string() }).openapi("DocumentAccepted");

/** 202 of `POST /v1/documents/batch`. */
export const BatchAccepted = z
  .object({ job_id: z.string(), ids: z.array(z.string()), documents: z.array(z.object(AcceptedFields)) })
  .openapi("DocumentBatchAccepted");

/** Result of `DELETE /v1/documents/:id`. */
export const Deleted = z
  .object({ id: z.string(), deleted: z.literal(true), chunks: z.number().int() })
  .openapi("DocumentDeleted");

/** Optional body of `POST /v1/documents/:id/reindex`. */
export const ReindexInput = z.object({ chunking: ChunkingInput.nullable().optional() }).strict();
/** Optional body of `POST /v1/documents/reindex`. */
export const ReindexAllInput = z.object({ status: DocumentStatusEnum.optional() }).strict();
/** 202 of the reindex routes. */
export const ReindexAccepted = z
  .object({
    job_id: z.string(),
    id: z.string().optional(),
    version: z.number().int().optional(),
    total: z.number().int().optional(),
    vectors_reset: z
      .boolean()
      .optional()
      .openapi({ description: "Old vectors were dropped: the embedder changed" }),
  })
  .openapi("ReindexAccepted");

/** `GET /v1/jobs/:id`: counts settle as documents finish; `status` ends `done`. */
export const JobView = z
  .object({
    id: z.string(),
    kind: z.string(),
    status: z.enum(["queued", "running", "done"]),
    total: z.number().int(),
    done: z.number().int().openapi({ description: "Documents indexed" }),
    failed: z.number().int(),
    skipped: z.number().int().openapi({ description: "Unchanged, superseded by a newer upload, or deleted" }),
    pending: z.number().int(),
    errors: z.array(z.object({ document_id: z.string(), code: z.string(), message: z.string() })),
    created_at: z.number().int(),
    finished_at: z.number().int().nullable(),
  })
  .openapi("Job");
