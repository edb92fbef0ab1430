import { DurableObject } from "cloudflare:workers";
import { wasmMatrices } from "../src/vectors/core/wasm-matrix";
import { ShardEngine } from "../src/vectors/local/shard-engine";
import type {
  BeginResult,
  QueryResult,
  ShardQuery,
  ShardStats,
  WireVector,
  WriteResult,
} from "../src/vectors/local/shard-protocol";
import type { IndexConfig, MutationMark } from "../src/vectors/types";
import scanKernels from "../src/vectors/wasm/scan-kernels.wasm";

/** WebAssembly SIMD scan kernels (3–6x the plain JS kernels; bench/vectors measures both). */
const SIMD_MATRICES = wasmMatrices(scanKernels);

/**
 * One shard of edgerag's local Vectorize-compatible index (src/vectors/local). Vectors
 * live in this object's SQLite database; the scan structure is rebuilt in memory on the
 * first search after the object starts. Only the index client calls these methods, with
 * input it has already validated.
 */
export class VectorShard extends DurableObject<Env> {
  readonly #engine: ShardEngine;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#engine = new ShardEngine(ctx.storage, SIMD_MATRICES);
    ctx.blockConcurrencyWhile(async () => this.#engine.migrate());
  }

  /** Health round trip; touches no storage. */
  ping(): string {
    return "pong";
  }

  /** Shard 0: checks or records the index config and allocates a mutation number. */
  begin(expected: IndexConfig, create: boolean): BeginResult {
    return this.#engine.begin(expected, create, Date.now());
  }

  /** Inserts or upserts vectors routed to this shard. */
  write(
    config: IndexConfig,
    mode: "insert" | "upsert",
    vectors: WireVector[],
    mark: MutationMark,
  ): WriteResult {
    return this.#engine.write(config, mode, vectors, mark);
  }

  /** Deletes vectors by id; returns the ids that existed. */
  remove(ids: string[], mark: MutationMark): string[] {
    return this.#engine.remove(ids, mark);
  }

  /** Top matches of this shard for a query. */
  query(expected: IndexConfig, vector: Float32Array, query: ShardQuery): QueryResult {
    return this.#engine.query(expected, vector, query);
  }

  /** Full vectors by id. */
  get(ids: string[]): WireVector[] {
    return this.#engine.get(ids);
  }

  /** Config, counts and memory use. */
  stats(): ShardStats {
    return this.#engine.stats();
  }

  /** Loads the scan structure now instead of on the first search; returns rows loaded. */
  warm(): number {
    return this.#engine.warm();
  }

  /** Deletes everything this shard stores. */
  async destroy(): Promise<void> {
    await this.ctx.storage.deleteAll();
    this.#engine.migrate();
  }
}
