/**
 * Vector storage for edgerag. Ingestion and search import from here only:
 * `vectorIndexFor(env, { tenantId, embedder })` returns the tenant's Vectorize-compatible
 * index (local Durable Object shards or Cloudflare Vectorize, per VECTOR_BACKEND).
 */

export { filterProblem } from "./core/filter";
export { EMBEDDER_MISMATCH, IndexConfigMismatchError, parseVectorizeError } from "./errors";
export { type LocalIndexOptions, LocalVectorIndex } from "./local/local-index";
export {
  MAX_SHARD_COUNT,
  VECTOR_BACKEND_MISCONFIGURED,
  type VectorEnv,
  type VectorIndexRequest,
  vectorBackend,
  vectorIndexFor,
} from "./resolver";
export {
  INVALID_FILTER,
  TENANT_VECTOR_ID_MAX_BYTES,
  type TenantVectorIndex,
  type TenantVectorStats,
  type VectorBackend,
} from "./tenant/tenant-index";
export type { EmbedderIdentity, Metric, Quantization } from "./types";
