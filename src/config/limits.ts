/**
 * Platform limits, in one place. Local SQLite and Miniflare are laxer than production,
 * so code must respect these numbers even when a local run would let it slide.
 */

/** D1: at most 100 bound parameters per statement. */
export const D1_MAX_BOUND_PARAMETERS = 100;
/** D1: at most 100 KB of SQL text per statement. */
export const D1_MAX_STATEMENT_BYTES = 100_000;
/** D1: at most 2 MB per row (chunk text + metadata must stay well below). */
export const D1_MAX_ROW_BYTES = 2_000_000;

/** Durable Object SQLite: at most 100 bound parameters per statement. */
export const DO_SQL_MAX_BOUND_PARAMETERS = 100;
/** Durable Object SQLite: at most 2 MB per string, BLOB or row. */
export const DO_SQL_MAX_VALUE_BYTES = 2_000_000;

/** Vectorize v2 limits (mirrored by the local index). */
export const VECTORIZE_MAX_DIMENSIONS = 1536;
export const VECTORIZE_MAX_ID_BYTES = 64;
export const VECTORIZE_MAX_METADATA_BYTES = 10 * 1024;
export const VECTORIZE_MAX_TOP_K = 100;
export const VECTORIZE_MAX_TOP_K_WITH_VALUES = 50;
export const VECTORIZE_MAX_NAMESPACE_BYTES = 64;
export const VECTORIZE_MAX_UPSERT_BATCH = 1000;
/** Vectorize v2: ids per `getByIds` call (observed error 40007 "max id count is 20"). */
export const VECTORIZE_MAX_GET_IDS = 20;
/** Vectorize v2: ids per `deleteByIds` call (observed error 40007 "max id count is 100"). */
export const VECTORIZE_MAX_DELETE_IDS = 100;
/** Vectorize v2: a filter's compact JSON must be shorter than this many bytes. */
export const VECTORIZE_MAX_FILTER_BYTES = 2048;
/** Vectorize v2: filter keys are at most this many characters. */
export const VECTORIZE_MAX_FILTER_KEY_CHARS = 512;
/** Vectorize v2: the `topK` a query uses when it gives none. */
export const VECTORIZE_DEFAULT_TOP_K = 5;

/** Workers AI embedding models accept at most 100 texts per call. */
export const WORKERS_AI_MAX_EMBED_BATCH = 100;

/** Queues: a message body is at most 128 KB, so messages carry ids, never document bodies. */
export const QUEUE_MAX_MESSAGE_BYTES = 128 * 1024;

/** Request bodies accepted by the API (the Workers platform caps requests at 100 MB on Free/Pro). */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;
export const MAX_BATCH_BODY_BYTES = 20 * 1024 * 1024;

/** Workers: at most 6 simultaneous open outgoing connections per invocation; more wait in a queue. */
export const WORKERS_MAX_CONCURRENT_CONNECTIONS = 6;
