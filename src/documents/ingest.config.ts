/**
 * Ingestion constants, with the platform limits they are derived from.
 */

import { VECTORIZE_MAX_DELETE_IDS } from "../config/limits";

/**
 * Deliveries of one queue message: wrangler.toml's `max_retries = 5` for edgerag-ingest
 * means 1 + 5. On the last one the consumer itself marks the document failed and moves the
 * message to the dead-letter queue (and if the numbers ever drift apart, Queues dead-letters
 * the message and the DLQ consumer marks the document failed instead).
 */
export const MAX_DELIVERIES = 6;
/**
 * Processing attempts per document version, across messages. Caps the loop where the
 * maintenance sweep re-enqueues a document whose messages were lost or dead-lettered.
 */
export const MAX_ATTEMPTS = 6;

/**
 * How long a consumer's claim on a document lasts; renewed between stages while it works.
 * After it lapses (a crashed or killed consumer) the sweep re-enqueues the document.
 */
export const CLAIM_LEASE_MS = 60_000;
/** How long a `queued` document may wait for its message before the sweep re-enqueues it. */
export const QUEUED_GRACE_MS = 60_000;
/** After the sweep re-enqueues a document it waits this long before doing it again. */
export const REQUEUE_INTERVAL_MS = 5 * 60_000;

/** Retry backoff: base delay in seconds, doubling per attempt, capped; with jitter (see backoff.ts). */
export const RETRY_BASE_SECONDS = 2;
/** Longest retry delay, in seconds. */
export const RETRY_MAX_SECONDS = 300;

/** Documents per API batch call (the issue asks for at least 500). */
export const MAX_BATCH_DOCUMENTS = 1000;
/** Texts per embedder call: Workers AI embedding models take at most 100. */
export const EMBED_BATCH_SIZE = 100;
/** Vectors per upsert: Vectorize takes up to 1,000 per call; smaller calls keep request bodies modest. */
export const VECTOR_UPSERT_BATCH = 500;
/** Ids per deleteByIds call: Vectorize v2 takes at most 100. */
export const VECTOR_DELETE_BATCH = VECTORIZE_MAX_DELETE_IDS;
/**
 * Documents per D1 commit batch. Each document needs ~6 statements (more for very long
 * documents); Workers allow 1,000 D1 queries per invocation, and a queue batch holds up to
 * 100 documents, so groups of 20 keep every batch small and the invocation far below it.
 */
export const COMMIT_GROUP = 20;
/** Documents parsed and chunked concurrently inside one queue batch. */
export const PARSE_CONCURRENCY = 4;
/** R2 writes in flight while accepting a batch. */
export const BLOB_WRITE_CONCURRENCY = 16;
/** Queues: `sendBatch` takes at most 100 messages (and 256 KB) per call. */
export const QUEUE_SEND_BATCH = 100;
/** Documents a single maintenance run re-enqueues (bounded work per cron tick). */
export const SWEEP_LIMIT = 1000;
/** Expired documents deleted (and unreferenced packs reclaimed) per maintenance run. */
export const EXPIRE_LIMIT = 200;
/** Chunk ids per vector-purge message (~45 bytes each, far below the 128 KB message limit). */
export const PURGE_IDS_PER_MESSAGE = 1000;
