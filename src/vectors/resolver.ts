import type { VectorShard } from "../../durable-objects/vector-shard";
import { VECTORIZE_MAX_DIMENSIONS, VECTORIZE_MAX_NAMESPACE_BYTES } from "../config/limits";
import { createDb } from "../db/client";
import { AppError } from "../http/errors";
import { createEmbedderRegistry } from "./tenant/embedder-registry";
import { LocalTenantIndex } from "./tenant/local-tenant-index";
import type { TenantVectorIndex, VectorBackend } from "./tenant/tenant-index";
import { VectorizeTenantIndex } from "./tenant/vectorize-tenant-index";
import type { EmbedderIdentity, Quantization } from "./types";

/** The bindings and vars the resolver reads (a subset of `Env`, so tests can pass fakes). */
export interface VectorEnv {
  VECTOR_BACKEND: string;
  VECTOR_SHARD_COUNT: string;
  VECTOR_SHARDS: DurableObjectNamespace<VectorShard>;
  /** Typed by `wrangler types` as the v1 `VectorizeIndex`; a v2 index binding is a `Vectorize`. */
  VECTORIZE?: VectorizeIndex | Vectorize;
  DB: D1Database;
}

/** Which tenant, and which embedder its vectors come from. */
export interface VectorIndexRequest {
  tenantId: string;
  embedder: EmbedderIdentity;
  /** Local backend only: in-memory format for a new tenant index (default `auto`). */
  quantization?: Quantization;
}

/** Stable code for a vector backend that is configured wrongly. */
export const VECTOR_BACKEND_MISCONFIGURED = "vector_backend_misconfigured";

/** Largest VECTOR_SHARD_COUNT accepted. */
export const MAX_SHARD_COUNT = 256;

/**
 * The one way into vector storage: a tenant's `Vectorize`-compatible index, backed by
 * edgerag's VectorShard Durable Objects (VECTOR_BACKEND=local, VECTOR_SHARD_COUNT shards
 * per tenant) or by the VECTORIZE binding (VECTOR_BACKEND=vectorize, namespace = tenant,
 * embedder recorded in D1). Cheap to call per request; it does no I/O until used.
 *
 * @example
 * const vectors = vectorIndexFor(env, { tenantId, embedder: { id: embedder.id, dimensions: embedder.dimensions } });
 * await vectors.upsertMany(chunks.map((c, i) => ({ id: c.id, values: embedded[i], metadata: { document_id: c.documentId } })));
 * const { matches } = await vectors.query(queryVector, { topK: 20, filter: { document_id: { $in: ids } } });
 */
export function vectorIndexFor(env: VectorEnv, request: VectorIndexRequest): TenantVectorIndex {
  checkRequest(request);
  const backend = vectorBackend(env);
  if (backend === "local") {
    return new LocalTenantIndex(env.VECTOR_SHARDS, {
      tenantId: request.tenantId,
      embedder: request.embedder,
      shardCount: shardCount(env),
      quantization: request.quantization,
    });
  }
  const binding = env.VECTORIZE;
  if (!binding) {
    throw misconfigured(
      "VECTOR_BACKEND is 'vectorize' but the Worker has no VECTORIZE binding. Add a [[vectorize]] binding " +
        "(see wrangler.toml [env.cloud]) or set VECTOR_BACKEND=local.",
    );
  }
  if (!("queryById" in binding)) {
    throw misconfigured(
      "The VECTORIZE binding is a legacy (v1) Vectorize index. Create a current index with " +
        "`wrangler vectorize create` and bind that instead.",
    );
  }
  return new VectorizeTenantIndex(binding, createEmbedderRegistry(createDb(env.DB)), {
    tenantId: request.tenantId,
    embedder: request.embedder,
  });
}

/** The configured backend; throws a 503 naming the fix when VECTOR_BACKEND is unknown. */
export function vectorBackend(env: Pick<VectorEnv, "VECTOR_BACKEND">): VectorBackend {
  const value = (env.VECTOR_BACKEND ?? "local").trim();
  if (value === "local" || value === "vectorize") return value;
  throw misconfigured(`VECTOR_BACKEND is '${value}'; set it to 'local' or 'vectorize'.`);
}

function shardCount(env: Pick<VectorEnv, "VECTOR_SHARD_COUNT">): number {
  const raw = (env.VECTOR_SHARD_COUNT ?? "4").trim();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_SHARD_COUNT) {
    throw misconfigured(`VECTOR_SHARD_COUNT is '${raw}'; set it to an integer from 1 to ${MAX_SHARD_COUNT}.`);
  }
  return n;
}

function checkRequest({ tenantId, embedder }: VectorIndexRequest): void {
  if (typeof tenantId !== "string" || tenantId.length === 0)
    throw new TypeError("tenantId must be a non-empty string");
  if (new TextEncoder().encode(tenantId).length > VECTORIZE_MAX_NAMESPACE_BYTES) {
    throw new TypeError(
      `tenantId must be at most ${VECTORIZE_MAX_NAMESPACE_BYTES} bytes (it is the Vectorize namespace)`,
    );
  }
  if (typeof embedder?.id !== "string" || embedder.id.length === 0) {
    throw new TypeError("embedder.id must be a non-empty string");
  }
  const d = embedder.dimensions;
  if (!Number.isInteger(d) || d < 1 || d > VECTORIZE_MAX_DIMENSIONS) {
    throw new TypeError(
      `embedder.dimensions must be an integer from 1 to ${VECTORIZE_MAX_DIMENSIONS}, got ${d}`,
    );
  }
}

function misconfigured(message: string): AppError {
  return new AppError(503, VECTOR_BACKEND_MISCONFIGURED, message);
}
