import type { VectorShard } from "../../../durable-objects/vector-shard";
import { VECTORIZE_MAX_DELETE_IDS, VECTORIZE_MAX_GET_IDS } from "../../config/limits";
import { AppError } from "../../http/errors";
import { groupByShard, shardFor } from "../core/shard-hash";
import { IndexConfigMismatchError } from "../errors";
import {
  type EmbedderIdentity,
  type IndexConfig,
  type Metric,
  QUANTIZATIONS,
  type Quantization,
} from "../types";
import {
  type CheckedQuery,
  checkDimensions,
  checkIds,
  checkIndexDimensions,
  checkQueryOptions,
  checkQueryVector,
  checkVectors,
} from "../validation";
import type { ConfigMismatch, ShardMatch, ShardStats, WireVector } from "./shard-protocol";

/** How to reach and, on first write, create a local index. */
export interface LocalIndexOptions {
  /** Logical index name; shard i is the VectorShard Durable Object named `<name>#<i>`. */
  name: string;
  dimensions: number;
  /** Default `cosine`. */
  metric?: Metric;
  /** Shards for a new index; an existing index keeps the count it was created with. */
  shardCount: number;
  /** Default `auto` (see {@link Quantization}); fixed when the index is created. */
  quantization?: Quantization;
  /** Recorded at creation; later calls with another embedder fail with IndexConfigMismatchError. */
  embedder?: EmbedderIdentity | null;
}

/** Index-wide figures of a local index. */
export interface LocalIndexStats {
  /** The stored config, or null when the index has never been written. */
  config: IndexConfig | null;
  vectorCount: number;
  shards: ShardStats[];
}

/**
 * edgerag's local Vectorize: the Vectorize v2 Workers API over VectorShard Durable
 * Objects. Ids route to shards by hash; queries fan out to every shard in parallel and
 * merge the per-shard top K. Same inputs, limits, errors and result shapes as Vectorize,
 * with one deliberate difference: a mutation is visible to queries as soon as its promise
 * resolves (Vectorize applies mutations asynchronously, seconds later).
 *
 * @example
 * const index = new LocalVectorIndex(env.VECTOR_SHARDS, { name: "docs", dimensions: 384, shardCount: 4 });
 * await index.upsert([{ id: "a", values: vector, metadata: { document_id: "d1" } }]);
 * const { matches } = await index.query(vector, { topK: 5, filter: { document_id: "d1" } });
 */
export class LocalVectorIndex implements Vectorize {
  readonly #shards: DurableObjectNamespace<VectorShard>;
  readonly #config: IndexConfig;
  readonly #name: string;
  /** Shard count confirmed by shard 0 (the creator's), once known. */
  #shardCount: number | null = null;

  constructor(shards: DurableObjectNamespace<VectorShard>, options: LocalIndexOptions) {
    checkIndexDimensions(options.dimensions);
    if (!Number.isInteger(options.shardCount) || options.shardCount < 1 || options.shardCount > 256) {
      throw new RangeError(`shardCount must be an integer from 1 to 256, got ${options.shardCount}`);
    }
    if (options.quantization !== undefined && !QUANTIZATIONS.includes(options.quantization)) {
      throw new RangeError(
        `quantization must be one of ${QUANTIZATIONS.join(", ")}, got ${options.quantization}`,
      );
    }
    this.#shards = shards;
    this.#name = options.name;
    this.#config = {
      dimensions: options.dimensions,
      metric: options.metric ?? "cosine",
      quantization: options.quantization ?? "auto",
      shardCount: options.shardCount,
      embedder: options.embedder ?? null,
    };
  }

  /** The configuration this client creates and expects. */
  get config(): IndexConfig {
    return this.#config;
  }

  /** Vector count and the latest mutation (always already visible locally). */
  async describe(): Promise<VectorizeIndexInfo> {
    const stats = await this.stats();
    let latest = { seq: 0, at: 0 };
    for (const s of stats.shards) if (s.mutation && s.mutation.seq > latest.seq) latest = s.mutation;
    return {
      vectorCount: stats.vectorCount,
      dimensions: stats.config?.dimensions ?? this.#config.dimensions,
      processedUpToDatetime: latest.at,
      processedUpToMutation: latest.seq,
    };
  }

  /** Nearest vectors to `vector` under the index metric. */
  async query(
    vector: VectorFloatArray | number[],
    options?: VectorizeQueryOptions,
  ): Promise<VectorizeMatches> {
    const q = checkQueryOptions(options);
    return this.#search(checkQueryVector(vector, this.#config.dimensions), q);
  }

  /** Nearest vectors to the stored vector `vectorId`; no matches when it does not exist. */
  async queryById(vectorId: string, options?: VectorizeQueryOptions): Promise<VectorizeMatches> {
    const q = checkQueryOptions(options);
    const [id] = checkIds("VECTOR_GET", [vectorId], 1) as [string];
    const count = await this.#resolveShardCount();
    const [found] = await this.#shard(shardFor(id, count)).get([id]);
    if (!found) return { count: 0, matches: [] };
    return this.#search(found.values, q);
  }

  /** Adds vectors; ids that already exist keep their stored vector. */
  async insert(vectors: VectorizeVector[]): Promise<VectorizeAsyncMutation> {
    return this.#write("insert", vectors);
  }

  /** Adds or fully replaces vectors. */
  async upsert(vectors: VectorizeVector[]): Promise<VectorizeAsyncMutation> {
    return this.#write("upsert", vectors);
  }

  /** Deletes vectors by id (at most 100 per call, like Vectorize); unknown ids are ignored. */
  async deleteByIds(ids: string[]): Promise<VectorizeAsyncMutation> {
    const checked = checkIds("VECTOR_DELETE", ids, VECTORIZE_MAX_DELETE_IDS);
    const begun = await this.#shard(0).begin(this.#config, false);
    if (!begun.ok) throw this.#mismatch(begun);
    const { config, mutation } = begun;
    if (config && checked.length > 0) {
      this.#shardCount = config.shardCount;
      const groups = groupByShard(checked, (id) => id, config.shardCount);
      await Promise.all([...groups].map(([shard, group]) => this.#shard(shard).remove(group, mutation)));
    }
    return { mutationId: String(mutation.seq) };
  }

  /** Stored vectors by id (at most 20 per call, like Vectorize), in request order; unknown ids are skipped. */
  async getByIds(ids: string[]): Promise<VectorizeVector[]> {
    const checked = checkIds("VECTOR_GET", ids, VECTORIZE_MAX_GET_IDS);
    if (checked.length === 0) return [];
    const count = await this.#resolveShardCount();
    const groups = groupByShard(checked, (id) => id, count);
    const found = new Map<string, WireVector>();
    const results = await Promise.all([...groups].map(([shard, group]) => this.#shard(shard).get(group)));
    for (const rows of results) for (const row of rows) found.set(row.id, row);
    return checked.flatMap((id) => {
      const row = found.get(id);
      return row ? [toVector(row)] : [];
    });
  }

  /** Config, total count and per-shard figures. */
  async stats(): Promise<LocalIndexStats> {
    const first = await this.#shard(0).stats();
    const count = first.config?.shardCount ?? this.#config.shardCount;
    if (first.config) this.#shardCount = count;
    const rest = await Promise.all(range(1, count).map((i) => this.#shard(i).stats()));
    const shards = [first, ...rest];
    return { config: first.config, vectorCount: shards.reduce((n, s) => n + s.rows, 0), shards };
  }

  /** Deletes the whole index: every shard's storage, including the recorded config. */
  async destroy(): Promise<void> {
    const count = await this.#resolveShardCount();
    // Shard 0 goes last: it holds the config, so an interrupted destroy can be retried.
    await Promise.all(range(1, count).map((i) => this.#shard(i).destroy()));
    await this.#shard(0).destroy();
    this.#shardCount = null;
  }

  async #write(mode: "insert" | "upsert", vectors: VectorizeVector[]): Promise<VectorizeAsyncMutation> {
    const op = mode === "insert" ? "VECTOR_INSERT" : "VECTOR_UPSERT";
    const checked = checkVectors(op, vectors);
    checkDimensions(op, checked, this.#config.dimensions);
    const begun = await this.#shard(0).begin(this.#config, true);
    if (!begun.ok) throw this.#mismatch(begun);
    const config = begun.config ?? this.#config;
    this.#shardCount = config.shardCount;
    // Within one batch, upsert keeps the last vector of an id and insert the first.
    const byId = new Map<string, WireVector>();
    for (const v of checked) if (mode === "upsert" || !byId.has(v.id)) byId.set(v.id, v);
    const groups = groupByShard([...byId.values()], (v) => v.id, config.shardCount);
    const results = await Promise.all(
      [...groups].map(([shard, group]) =>
        this.#shard(shard).write(config, mode, packValues(group), begun.mutation),
      ),
    );
    for (const [i, result] of results.entries()) {
      if (result.ok) continue;
      if ("stored" in result) throw this.#mismatch(result);
      const shard = [...groups.keys()][i];
      throw new AppError(
        507,
        "vector_shard_full",
        `Vector shard ${shard} of index ${this.#name} is full (${result.full.rows} of ${result.full.capacity} ` +
          `vectors at quantization "${result.full.quantization}", within its memory budget). Recreate the index ` +
          "with more shards (VECTOR_SHARD_COUNT) or with int8/int4/binary quantization, then reindex.",
      );
    }
    return { mutationId: String(begun.mutation.seq) };
  }

  async #search(vector: Float32Array, q: CheckedQuery): Promise<VectorizeMatches> {
    let count = this.#shardCount ?? this.#config.shardCount;
    for (;;) {
      const results = await Promise.all(
        range(0, count).map((i) => this.#shard(i).query(this.#config, vector, q)),
      );
      const matches: ShardMatch[] = [];
      for (const r of results) {
        if (!r.ok) throw this.#mismatch(r);
        matches.push(...r.matches);
      }
      const stored = results[0]?.ok ? results[0].config : null;
      // Shard 0 knows the count the index was created with; a client configured with
      // another count asks again with the right one instead of missing shards.
      if (stored && stored.shardCount !== count) {
        count = this.#shardCount = stored.shardCount;
        continue;
      }
      const descending = this.#config.metric === "cosine";
      matches.sort((a, b) => (descending ? b.score - a.score : a.score - b.score) || compareIds(a.id, b.id));
      const top = matches.slice(0, q.topK).map(toMatch);
      return { count: top.length, matches: top };
    }
  }

  async #resolveShardCount(): Promise<number> {
    if (this.#shardCount === null) {
      const stats = await this.#shard(0).stats();
      this.#shardCount = stats.config?.shardCount ?? this.#config.shardCount;
    }
    return this.#shardCount;
  }

  #mismatch(result: ConfigMismatch): IndexConfigMismatchError {
    return new IndexConfigMismatchError(result.stored, this.#config);
  }

  #shard(i: number): DurableObjectStub<VectorShard> {
    return this.#shards.get(this.#shards.idFromName(`${this.#name}#${i}`));
  }
}

/**
 * The same vectors with their values as views of one buffer: structured clone then copies
 * one ArrayBuffer per shard call instead of one per vector (measured in bench/vectors).
 */
function packValues(vectors: WireVector[]): WireVector[] {
  const dims = vectors[0]?.values.length ?? 0;
  const packed = new Float32Array(vectors.length * dims);
  return vectors.map((v, i) => {
    const values = packed.subarray(i * dims, (i + 1) * dims);
    values.set(v.values);
    return { ...v, values };
  });
}

function toMatch(m: ShardMatch): VectorizeMatch {
  const match: VectorizeMatch = { id: m.id, score: m.score };
  if (m.namespace !== null) match.namespace = m.namespace;
  if (m.values) match.values = Array.from(m.values);
  if (m.metadata) match.metadata = JSON.parse(m.metadata) as Record<string, VectorizeVectorMetadata>;
  return match;
}

function toVector(row: WireVector): VectorizeVector {
  const vector: VectorizeVector = { id: row.id, values: Array.from(row.values) };
  if (row.namespace !== null) vector.namespace = row.namespace;
  if (row.metadata) vector.metadata = JSON.parse(row.metadata) as Record<string, VectorizeVectorMetadata>;
  return vector;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}
