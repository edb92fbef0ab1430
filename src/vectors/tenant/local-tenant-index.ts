import type { VectorShard } from "../../../durable-objects/vector-shard";
import { embedderMismatch, IndexConfigMismatchError } from "../errors";
import { LocalVectorIndex } from "../local/local-index";
import type { EmbedderIdentity, IndexConfig, Quantization } from "../types";
import { TenantIndexBase, type TenantVectorStats } from "./tenant-index";

/** Options of a tenant's local index. */
export interface LocalTenantOptions {
  tenantId: string;
  embedder: EmbedderIdentity;
  /** Shards when the tenant's index is created (VECTOR_SHARD_COUNT). */
  shardCount: number;
  quantization?: Quantization;
}

/** The logical index name of a tenant: its shards are `tenant:<id>#0 …`. */
export function tenantIndexName(tenantId: string): string {
  return `tenant:${tenantId}`;
}

/**
 * A tenant's vectors in its own logical local index (its own shards), so tenants never
 * share memory or storage, can use different embedders, and drop by wiping their shards.
 * The shards record the embedder on the first write and refuse any other afterwards.
 */
export class LocalTenantIndex extends TenantIndexBase {
  readonly backend = "local" as const;
  readonly #index: LocalVectorIndex;

  constructor(shards: DurableObjectNamespace<VectorShard>, options: LocalTenantOptions) {
    super(options.tenantId, options.embedder);
    this.#index = new LocalVectorIndex(shards, {
      name: tenantIndexName(options.tenantId),
      dimensions: options.embedder.dimensions,
      metric: "cosine",
      shardCount: options.shardCount,
      quantization: options.quantization,
      embedder: options.embedder,
    });
  }

  describe(): Promise<VectorizeIndexInfo> {
    return this.#index.describe();
  }

  async stats(): Promise<TenantVectorStats> {
    const s = await this.#index.stats();
    return {
      backend: this.backend,
      tenantId: this.tenantId,
      embedder: s.config?.embedder ?? null,
      dimensions: s.config?.dimensions ?? null,
      metric: s.config?.metric ?? null,
      vectorCount: s.vectorCount,
      indexVectorCount: s.vectorCount,
    };
  }

  async drop(): Promise<void> {
    await this.#index.destroy();
  }

  protected scopedQuery(vector: VectorFloatArray | number[], options?: VectorizeQueryOptions) {
    return this.#mapped(() => this.#index.query(vector, options));
  }

  protected scopedQueryById(id: string, options?: VectorizeQueryOptions) {
    return this.#mapped(() => this.#index.queryById(id, options));
  }

  protected scopedWrite(mode: "insert" | "upsert", vectors: VectorizeVector[]) {
    return this.#mapped(() =>
      mode === "insert" ? this.#index.insert(vectors) : this.#index.upsert(vectors),
    );
  }

  protected scopedDelete(ids: string[]) {
    return this.#mapped(() => this.#index.deleteByIds(ids));
  }

  protected scopedGet(ids: string[]) {
    return this.#mapped(() => this.#index.getByIds(ids));
  }

  /** Turns the index's config mismatch into the tenant-level `409 embedder_mismatch`. */
  async #mapped<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof IndexConfigMismatchError) {
        throw embedderMismatch(this.tenantId, recordedEmbedder(err.stored), this.embedder);
      }
      throw err;
    }
  }
}

function recordedEmbedder(config: IndexConfig): EmbedderIdentity {
  return config.embedder ?? { id: "(unrecorded)", dimensions: config.dimensions };
}
