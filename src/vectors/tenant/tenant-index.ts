import { VECTORIZE_MAX_DELETE_IDS, VECTORIZE_MAX_UPSERT_BATCH } from "../../config/limits";
import { AppError } from "../../http/errors";
import { compileFilter, FilterError } from "../core/filter";
import { VectorizeErrorCode, type VectorizeOperation, vectorizeError } from "../errors";
import type { EmbedderIdentity, Metric } from "../types";

/** Which store holds vectors: edgerag's Durable Object shards, or Cloudflare Vectorize. */
export type VectorBackend = "local" | "vectorize";

/**
 * Tenant vector ids are at most this many bytes: in Vectorize, ids are unique across the
 * whole index (namespaces do not scope them), so the cloud backend prefixes each id with
 * a 12-byte tenant tag to keep tenants that reuse a chunk id apart, within Vectorize's
 * 64-byte id limit. The local backend enforces the same limit so code behaves the same.
 */
export const TENANT_VECTOR_ID_MAX_BYTES = 52;

/** A tenant's index as ingestion and search see it. */
export interface TenantVectorStats {
  backend: VectorBackend;
  tenantId: string;
  /** The embedder recorded with the tenant's vectors; null when none were ever written (or after drop). */
  embedder: EmbedderIdentity | null;
  /** The index dimension (the Vectorize index's in the cloud, the tenant index's locally), or null. */
  dimensions: number | null;
  /** Null in the cloud, where the binding does not report the metric. */
  metric: Metric | null;
  /** The tenant's vector count; null in the cloud, where Vectorize cannot count one namespace. */
  vectorCount: number | null;
  /** Vectors in the whole index (every tenant in the cloud; the tenant's own locally). */
  indexVectorCount: number;
}

/**
 * One tenant's vectors behind the Vectorize v2 interface, with edgerag's guarantees on top:
 * - Tenant isolation: callers never pass `namespace` (the backend scopes every call).
 * - Embedder safety: the first write records the embedder; writes or queries with another
 *   embedder fail with `409 embedder_mismatch` (locally also with another dimension).
 * - Filters are validated up front: a bad filter is `400 invalid_filter`.
 * Ids are chunk ids of at most {@link TENANT_VECTOR_ID_MAX_BYTES} bytes; metadata carries
 * document metadata plus `document_id`, never chunk text.
 *
 * Visibility differs by backend: locally a write is queryable when its promise resolves;
 * in the cloud Vectorize applies it a few seconds later.
 */
export interface TenantVectorIndex extends Vectorize {
  readonly tenantId: string;
  readonly backend: VectorBackend;
  /** The embedder this handle was opened with. */
  readonly embedder: EmbedderIdentity;
  /** Upserts any number of vectors in batches of 1000 (Vectorize's per-call limit). */
  upsertMany(vectors: readonly VectorizeVector[]): Promise<{ mutationIds: string[] }>;
  /** Deletes any number of ids in batches of 100 (Vectorize's per-call limit); unknown ids are ignored. */
  deleteMany(ids: Iterable<string>): Promise<{ mutationIds: string[] }>;
  /** Count, dimension and recorded embedder. */
  stats(): Promise<TenantVectorStats>;
  /**
   * Removes every vector of the tenant and forgets its embedder, so the next write may
   * use another one (tenant deletion, reindex with a new embedder). Locally this wipes
   * the tenant's shards. Vectorize cannot list a namespace from a Worker, so in the cloud
   * pass the ids of every vector the tenant has (its chunk ids); omitting them there throws.
   */
  drop(options?: { ids?: Iterable<string> }): Promise<void>;
}

/** Stable code for a filter that Vectorize would reject. */
export const INVALID_FILTER = "invalid_filter";

/**
 * The Vectorize methods plus batching, with the tenant guards applied before the
 * backend-specific `scoped*` methods run.
 */
export abstract class TenantIndexBase implements TenantVectorIndex {
  abstract readonly backend: VectorBackend;

  constructor(
    readonly tenantId: string,
    readonly embedder: EmbedderIdentity,
  ) {}

  abstract describe(): Promise<VectorizeIndexInfo>;
  abstract stats(): Promise<TenantVectorStats>;
  abstract drop(options?: { ids?: Iterable<string> }): Promise<void>;
  protected abstract scopedQuery(
    vector: VectorFloatArray | number[],
    options?: VectorizeQueryOptions,
  ): Promise<VectorizeMatches>;
  protected abstract scopedQueryById(id: string, options?: VectorizeQueryOptions): Promise<VectorizeMatches>;
  protected abstract scopedWrite(
    mode: "insert" | "upsert",
    vectors: VectorizeVector[],
  ): Promise<VectorizeAsyncMutation>;
  protected abstract scopedDelete(ids: string[]): Promise<VectorizeAsyncMutation>;
  protected abstract scopedGet(ids: string[]): Promise<VectorizeVector[]>;

  async query(
    vector: VectorFloatArray | number[],
    options?: VectorizeQueryOptions,
  ): Promise<VectorizeMatches> {
    guardQueryOptions(options);
    return this.scopedQuery(vector, options);
  }

  async queryById(vectorId: string, options?: VectorizeQueryOptions): Promise<VectorizeMatches> {
    guardQueryOptions(options);
    guardIds("VECTOR_QUERY", [vectorId]);
    return this.scopedQueryById(vectorId, options);
  }

  async insert(vectors: VectorizeVector[]): Promise<VectorizeAsyncMutation> {
    guardVectors("VECTOR_INSERT", vectors);
    return this.scopedWrite("insert", vectors);
  }

  async upsert(vectors: VectorizeVector[]): Promise<VectorizeAsyncMutation> {
    guardVectors("VECTOR_UPSERT", vectors);
    return this.scopedWrite("upsert", vectors);
  }

  async deleteByIds(ids: string[]): Promise<VectorizeAsyncMutation> {
    guardIds("VECTOR_DELETE", ids);
    return this.scopedDelete(ids);
  }

  async getByIds(ids: string[]): Promise<VectorizeVector[]> {
    guardIds("VECTOR_GET", ids);
    return this.scopedGet(ids);
  }

  async upsertMany(vectors: readonly VectorizeVector[]): Promise<{ mutationIds: string[] }> {
    const mutationIds: string[] = [];
    for (let i = 0; i < vectors.length; i += VECTORIZE_MAX_UPSERT_BATCH) {
      mutationIds.push((await this.upsert(vectors.slice(i, i + VECTORIZE_MAX_UPSERT_BATCH))).mutationId);
    }
    return { mutationIds };
  }

  async deleteMany(ids: Iterable<string>): Promise<{ mutationIds: string[] }> {
    const unique = [...new Set(ids)];
    const mutationIds: string[] = [];
    for (let i = 0; i < unique.length; i += VECTORIZE_MAX_DELETE_IDS) {
      mutationIds.push((await this.deleteByIds(unique.slice(i, i + VECTORIZE_MAX_DELETE_IDS))).mutationId);
    }
    return { mutationIds };
  }
}

const encoder = new TextEncoder();

function guardQueryOptions(options: VectorizeQueryOptions | undefined): void {
  if (options?.namespace !== undefined) throw namespaceManaged();
  if (options?.filter === undefined) return;
  try {
    compileFilter(options.filter);
  } catch (err) {
    if (!(err instanceof FilterError)) throw err;
    throw new AppError(400, INVALID_FILTER, `Invalid filter: ${err.message}.`, {
      details: { filter: options.filter },
    });
  }
}

function guardVectors(op: VectorizeOperation, vectors: VectorizeVector[]): void {
  if (!Array.isArray(vectors)) return; // the backend reports the malformed payload
  for (const v of vectors) {
    if (v && typeof v === "object" && v.namespace !== undefined) throw namespaceManaged();
  }
  guardIds(
    op,
    vectors.map((v) => v?.id),
  );
}

function guardIds(op: VectorizeOperation, ids: unknown[]): void {
  if (!Array.isArray(ids)) return;
  for (const id of ids) {
    if (typeof id !== "string") continue;
    const bytes = encoder.encode(id).length;
    if (bytes > TENANT_VECTOR_ID_MAX_BYTES) {
      throw vectorizeError(
        op,
        VectorizeErrorCode.idTooLong,
        `id too long; max is ${TENANT_VECTOR_ID_MAX_BYTES} bytes for tenant vectors (Vectorize's 64 less a 12-byte tenant tag), got ${bytes} bytes`,
      );
    }
  }
}

function namespaceManaged(): Error {
  return new TypeError(
    "Tenant vector indexes manage namespaces themselves (one per tenant); call without `namespace`.",
  );
}
