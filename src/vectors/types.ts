/**
 * Types shared by the local vector index, its Durable Object shards and the tenant layer.
 * Pure: no runtime imports, so benchmarks and Node tools can use them.
 */

/**
 * Distance metrics, exactly as Vectorize names them (`VectorizeDistanceMetric`, spelled
 * out so Node code that has no Workers globals can use this type).
 */
export type Metric = "euclidean" | "cosine" | "dot-product";

/**
 * How a shard keeps vectors in memory for scanning.
 * - `none`: float32, exact scores.
 * - `int8`: one signed byte per dimension plus a per-vector scale (4x smaller); the best
 *   candidates are re-scored exactly from the float32 copy in SQLite.
 * - `int4`: half a byte per dimension (8x smaller); the scan reads half the bytes of
 *   `int8`, which pays where scans are memory-bound (many large shards on few cores), and
 *   re-scores a larger pool exactly.
 * - `binary`: one bit per dimension (32x smaller), Hamming pre-selection, exact re-scoring
 *   of a larger candidate pool; lower recall, meant for very large shards.
 * - `auto`: `none` until a shard's float32 copy would pass {@link AUTO_INT8_THRESHOLD_BYTES},
 *   then `int8`.
 */
export type Quantization = "none" | "int8" | "int4" | "binary" | "auto";

/** Every quantization setting, for validating configuration. */
export const QUANTIZATIONS: readonly Quantization[] = ["none", "int8", "int4", "binary", "auto"];

/** The embedding model an index was built with. Vectors of different embedders are not comparable. */
export interface EmbedderIdentity {
  id: string;
  dimensions: number;
}

/**
 * A logical index's fixed configuration. Recorded by shard 0 when the first write
 * arrives (like `wrangler vectorize create`) and never changed afterwards.
 */
export interface IndexConfig {
  dimensions: number;
  metric: Metric;
  quantization: Quantization;
  /** How many shards the ids are spread over; fixed at creation because ids route by hash. */
  shardCount: number;
  /** The embedder whose vectors this index holds, or null for a plain Vectorize-style index. */
  embedder: EmbedderIdentity | null;
}

/** Where an index's most recent mutation stands (every local mutation is visible on return). */
export interface MutationMark {
  seq: number;
  at: number;
}
