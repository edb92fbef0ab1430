import { sql } from "drizzle-orm";
import {
  customType,
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";

/**
 * D1 schema. Times are integer milliseconds since the epoch; JSON columns are TEXT.
 * The FTS5 keyword index (`chunks_fts`) is created by a hand-written migration because
 * drizzle-kit does not model virtual tables.
 */

const now = sql`(unixepoch('subsec') * 1000)`;

/** A tenant: the unit of isolation for documents, keys, sessions and usage. */
export const tenants = sqliteTable("tenants", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  createdAt: integer("created_at").notNull().default(now),
});

/** Tenant API keys. Only the SHA-256 of the secret is stored. */
export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name"),
    hash: text("hash").notNull(),
    /** First characters of the secret, shown in listings so people can tell keys apart. */
    prefix: text("prefix").notNull(),
    /** Space-separated scopes, e.g. `read write`. */
    scopes: text("scopes").notNull(),
    createdAt: integer("created_at").notNull().default(now),
    lastUsedAt: integer("last_used_at"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [uniqueIndex("api_keys_hash_uq").on(t.hash), index("api_keys_tenant_idx").on(t.tenantId)],
);

/** One ingested document per (tenant, id); `version` increases on every content change. */
export const documents = sqliteTable(
  "documents",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    id: text("id").notNull(),
    title: text("title"),
    contentType: text("content_type").notNull(),
    /** Original file name for uploads. */
    source: text("source"),
    contentHash: text("content_hash").notNull(),
    sizeBytes: integer("size_bytes").notNull(),
    /** queued | indexing | ready | failed */
    status: text("status").notNull(),
    error: text("error"),
    metadata: text("metadata").notNull().default("{}"),
    chunkCount: integer("chunk_count").notNull().default(0),
    /** Embedder spec the current vectors were made with. */
    embedder: text("embedder"),
    blobKey: text("blob_key").notNull(),
    jobId: text("job_id"),
    version: integer("version").notNull().default(1),
    attempts: integer("attempts").notNull().default(0),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
    indexedAt: integer("indexed_at"),
    expiresAt: integer("expires_at"),
    /**
     * While `queued`/`indexing`: when the maintenance sweep may re-enqueue the document
     * (a lost message, a crashed consumer). Null once `ready`/`failed`.
     */
    leaseUntil: integer("lease_until"),
    /** Set while a consumer is processing some version; serialises processing per document. */
    claimedUntil: integer("claimed_until"),
    /** Caller's chunking options as JSON (`{"maxTokens":…,"overlapTokens":…}`), null for defaults. */
    chunking: text("chunking"),
    /** Where the body sits inside the R2 object `blob_key` (an upload pack), in bytes. */
    blobOffset: integer("blob_offset"),
    blobLength: integer("blob_length"),
    /**
     * Per-document AES-GCM key and IV (base64) the body is encrypted with. Deleting the row
     * destroys the key, so a body in a pack that still holds other documents is unreadable
     * from that moment on (crypto-shredding), before the pack itself is reclaimed.
     */
    blobSecret: text("blob_secret"),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index("documents_status_idx").on(t.tenantId, t.status, t.id),
    index("documents_hash_idx").on(t.tenantId, t.contentHash),
    index("documents_expires_idx").on(t.expiresAt),
    index("documents_stale_idx").on(t.status, t.leaseUntil),
    index("documents_blob_idx").on(t.tenantId, t.blobKey),
  ],
);

/**
 * R2 upload packs: the bodies of one upload call concatenated into one object (local R2
 * manages ~100 writes a second; one object per batch keeps accepting fast everywhere).
 * `live` counts the documents that still point into the pack; at 0 the object is deleted.
 */
export const blobPacks = sqliteTable(
  "blob_packs",
  {
    key: text("key").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    live: integer("live").notNull().default(0),
    bytes: integer("bytes").notNull(),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [index("blob_packs_live_idx").on(t.live, t.createdAt)],
);

/**
 * Chunks of documents. `seq` is the rowid the FTS5 index refers to; `id` is the stable
 * chunk id (document id + ordinal + content hash) used everywhere else.
 */
export const chunks = sqliteTable(
  "chunks",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    id: text("id").notNull(),
    tenantId: text("tenant_id").notNull(),
    documentId: text("document_id").notNull(),
    /** The document version this chunk belongs to; older versions are swept on replace. */
    version: integer("version").notNull(),
    ordinal: integer("ordinal").notNull(),
    text: text("text").notNull(),
    tokenCount: integer("token_count").notNull(),
    metadata: text("metadata").notNull().default("{}"),
  },
  (t) => [
    uniqueIndex("chunks_id_uq").on(t.tenantId, t.id),
    index("chunks_doc_idx").on(t.tenantId, t.documentId, t.version, t.ordinal),
    // A tenant's rows in seq order: the keyword replica's change stamp (count, max seq) and
    // its paged loads read this instead of scanning every tenant's rows.
    index("chunks_tenant_seq_idx").on(t.tenantId, t.seq),
  ],
);

/** An ingest job: one API call's worth of documents, tracked to completion. */
export const ingestJobs = sqliteTable(
  "ingest_jobs",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    /** ingest | batch | reindex */
    kind: text("kind").notNull(),
    /** queued | running | done */
    status: text("status").notNull(),
    total: integer("total").notNull(),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
    finishedAt: integer("finished_at"),
  },
  (t) => [index("ingest_jobs_tenant_idx").on(t.tenantId, t.createdAt)],
);

/** Per-document outcome within a job, so job counters stay exact when documents are re-ingested later. */
export const ingestJobItems = sqliteTable(
  "ingest_job_items",
  {
    jobId: text("job_id")
      .notNull()
      .references(() => ingestJobs.id, { onDelete: "cascade" }),
    documentId: text("document_id").notNull(),
    tenantId: text("tenant_id").notNull(),
    version: integer("version").notNull(),
    /** pending | done | failed | skipped */
    status: text("status").notNull(),
    error: text("error"),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [
    primaryKey({ columns: [t.jobId, t.documentId] }),
    index("ingest_job_items_status_idx").on(t.jobId, t.status),
    index("ingest_job_items_document_idx").on(t.tenantId, t.documentId, t.status),
  ],
);

/** Every search / answer / chat turn, for feedback, evaluation and debugging. */
export const queryLog = sqliteTable(
  "query_log",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    /** search | answer | chat */
    kind: text("kind").notNull(),
    query: text("query").notNull(),
    sessionId: text("session_id"),
    params: text("params").notNull().default("{}"),
    /** JSON array of returned/cited chunk ids. */
    resultIds: text("result_ids").notNull().default("[]"),
    answer: text("answer"),
    provider: text("provider"),
    templateVersion: text("template_version"),
    latencyMs: integer("latency_ms"),
    usage: text("usage"),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [index("query_log_tenant_idx").on(t.tenantId, t.createdAt)],
);

/** Ratings on logged queries and answers: one per (tenant, query), the latest rating wins. */
export const feedback = sqliteTable(
  "feedback",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    queryId: text("query_id").notNull(),
    /** -1 (bad) or 1 (good). */
    rating: integer("rating").notNull(),
    comment: text("comment"),
    /** JSON array of the rated answer's chunk ids the rating is about (a subset of its citations). */
    chunkIds: text("chunk_ids").notNull().default("[]"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [uniqueIndex("feedback_query_uq").on(t.tenantId, t.queryId)],
);

/** Key/value settings; `tenant_id = '*'` holds instance-wide values. */
export const settings = sqliteTable(
  "settings",
  {
    tenantId: text("tenant_id").notNull(),
    key: text("key").notNull(),
    value: text("value").notNull(),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.key] })],
);

/** Float32 vectors stored as raw little-endian bytes (4 per dimension), not JSON. */
const float32Blob = customType<{ data: Float32Array; driverData: ArrayBuffer }>({
  dataType: () => "blob",
  toDriver: (v) => v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength) as ArrayBuffer,
  fromDriver: (v: unknown) => {
    // D1 returns BLOBs as ArrayBuffer; older runtimes and some drivers as byte arrays.
    if (v instanceof ArrayBuffer) return new Float32Array(v.slice(0));
    if (ArrayBuffer.isView(v))
      return new Float32Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
    return new Float32Array(Uint8Array.from(v as number[]).buffer);
  },
});

/**
 * Embedding cache: one vector per (tenant, embedder + revision, exact input text), keyed by the
 * SHA-256 of those. Evicted when unused for a while and when the table grows past its cap
 * (src/providers/embedding/cache.maintenance.ts).
 */
export const embeddingCache = sqliteTable(
  "embedding_cache",
  {
    key: text("key").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    /** Embedder id and revision, e.g. `local:hash-384#1a2b3c4d`. */
    embedder: text("embedder").notNull(),
    dimensions: integer("dimensions").notNull(),
    vector: float32Blob("vector").notNull(),
    createdAt: integer("created_at").notNull().default(now),
    lastUsedAt: integer("last_used_at").notNull().default(now),
  },
  (t) => [index("embedding_cache_used_idx").on(t.lastUsedAt)],
);

/**
 * Model usage per tenant, UTC day, provider and operation: counters incremented after every
 * provider attempt, read by `GET /v1/usage`. Rows with `day = 'total'` hold all-time sums, so
 * the metrics endpoint reads one row per tenant, provider and operation instead of every day.
 */
export const providerUsage = sqliteTable(
  "provider_usage",
  {
    tenantId: text("tenant_id").notNull(),
    /** UTC day, `YYYY-MM-DD`, or `total`. */
    day: text("day").notNull(),
    /** Provider spec id, e.g. `openai:llama3.2@http://127.0.0.1:11434/v1`. */
    provider: text("provider").notNull(),
    /** embed | rerank | generate */
    operation: text("operation").notNull(),
    calls: integer("calls").notNull().default(0),
    failures: integer("failures").notNull().default(0),
    inputTokens: integer("input_tokens").notNull().default(0),
    outputTokens: integer("output_tokens").notNull().default(0),
    /** Texts served from the embedding cache instead of the provider. */
    cacheHits: integer("cache_hits").notNull().default(0),
    latencyMs: integer("latency_ms").notNull().default(0),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.day, t.provider, t.operation] }),
    index("provider_usage_day_idx").on(t.day),
  ],
);
