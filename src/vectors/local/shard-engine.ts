/**
 * The logic of one VectorShard: SQLite is the source of truth, the scan structure is a
 * cache rebuilt lazily (on the first search after a start or eviction, or after the
 * `auto` format changes). Every method is synchronous, so a Durable Object running it
 * handles one call at a time with no interleaving (DO SQL calls are synchronous).
 */

import { compileFilter } from "../core/filter";
import type { MatrixFactory } from "../core/matrix";
import { formatFor, shardCapacity } from "../core/memory-budget";
import { ScanIndex } from "../core/scan-index";
import type { IndexConfig, MutationMark } from "../types";
import type {
  BeginResult,
  QueryResult,
  ShardMatch,
  ShardQuery,
  ShardStats,
  WireVector,
  WriteResult,
} from "./shard-protocol";
import { ShardStore } from "./shard-store";

/** The storage a shard needs: its SQLite database and synchronous transactions. */
export type ShardStorage = Pick<DurableObjectStorage, "sql" | "transactionSync">;

/** True when two configs describe the same index (quantization and shard count are the creator's). */
export function sameIndex(a: IndexConfig, b: IndexConfig): boolean {
  return (
    a.dimensions === b.dimensions &&
    a.metric === b.metric &&
    (a.embedder?.id ?? null) === (b.embedder?.id ?? null) &&
    (a.embedder?.dimensions ?? null) === (b.embedder?.dimensions ?? null)
  );
}

/**
 * Shards with at most this many rows keep every row's id and namespace in memory next to the
 * scan structure (~100 bytes a row, so at most ~5 MB), and answer id-only queries — what search
 * sends — without reading SQLite. Larger shards look their hits up by rowid, as before.
 */
export const ID_DIRECTORY_MAX_ROWS = 50_000;

/** rowid → [id, namespace] of every row, while the shard is small enough. */
type IdDirectory = Map<number, readonly [string, string | null]>;

/** One shard's state machine over its storage. */
export class ShardEngine {
  readonly #storage: ShardStorage;
  readonly #store: ShardStore;
  readonly #matrices: MatrixFactory;
  #index: ScanIndex | null = null;
  /** Kept in step with #index (null when the shard is too large, or before the index is built). */
  #ids: IdDirectory | null = null;
  #config: IndexConfig | null | undefined;

  constructor(storage: ShardStorage, matrices: MatrixFactory) {
    this.#storage = storage;
    this.#store = new ShardStore(storage.sql);
    this.#matrices = matrices;
  }

  /** Creates tables; call once at start-up (inside blockConcurrencyWhile) and after a wipe. */
  migrate(): void {
    this.#store.migrate();
    this.#index = null;
    this.#ids = null;
    this.#config = undefined;
  }

  /**
   * Shard 0 only: allocates a mutation number and returns the stored config. For writes
   * (`create`) it also checks the caller's config and creates the index if none exists;
   * deletes skip the check so old vectors can always be removed.
   */
  begin(expected: IndexConfig, create: boolean, now: number): BeginResult {
    let config = this.#currentConfig();
    if (config && create && !sameIndex(config, expected)) return { ok: false, stored: config };
    if (!config && create) config = this.#create(expected);
    return { ok: true, config, mutation: this.#store.nextMutation(now) };
  }

  /** Inserts or upserts vectors that route to this shard. */
  write(
    config: IndexConfig,
    mode: "insert" | "upsert",
    vectors: WireVector[],
    mark: MutationMark,
  ): WriteResult {
    const stored = this.#currentConfig() ?? this.#create(config);
    if (!sameIndex(stored, config)) return { ok: false, stored };
    const capacity = shardCapacity(stored.quantization, stored.dimensions);
    const rows = this.#index?.size ?? this.#store.count();
    if (rows + vectors.length > capacity) {
      return { ok: false, full: { rows, capacity, quantization: stored.quantization } };
    }
    const written: string[] = [];
    try {
      this.#storage.transactionSync(() => {
        for (const v of vectors) {
          const rowid = this.#store.write(v, mode);
          if (rowid === null) continue;
          written.push(v.id);
          this.#ids?.set(rowid, [v.id, v.namespace]);
          if (this.#index) {
            const metadata = this.#index.hasColumns && v.metadata ? JSON.parse(v.metadata) : undefined;
            this.#index.put(rowid, v.namespace, v.values, metadata);
          }
        }
        this.#store.markMutation(mark);
      });
    } catch (err) {
      // The transaction rolled back; memory may have moved ahead of it, so rebuild it.
      this.#index = null;
      this.#ids = null;
      throw err;
    }
    if (this.#ids && this.#ids.size > ID_DIRECTORY_MAX_ROWS) this.#ids = null;
    this.#dropIndexIfFormatChanged(stored);
    return { ok: true, ids: written };
  }

  /** Deletes vectors by id; returns the ids that existed. */
  remove(ids: readonly string[], mark: MutationMark): string[] {
    const deleted: string[] = [];
    this.#storage.transactionSync(() => {
      for (const id of ids) {
        const rowid = this.#store.delete(id);
        if (rowid === null) continue;
        deleted.push(id);
        this.#index?.delete(rowid);
        this.#ids?.delete(rowid);
      }
      this.#store.markMutation(mark);
    });
    return deleted;
  }

  /** Searches this shard. A shard that was never written returns no matches. */
  query(expected: IndexConfig, vector: Float32Array, q: ShardQuery): QueryResult {
    const config = this.#currentConfig();
    if (!config) return { ok: true, config: null, matches: [] };
    if (!sameIndex(config, expected)) return { ok: false, stored: config };
    const index = this.#ensureIndex(config);
    const hits = index.search(vector, {
      topK: q.topK,
      namespace: q.namespace,
      filter: q.filter ? compileFilter(q.filter) : undefined,
      exactVectors: (rowids) => this.#store.vectors(rowids),
    });
    const ids = this.#ids;
    if (ids && !q.returnValues && q.returnMetadata === "none") {
      const matches: ShardMatch[] = [];
      for (const hit of hits) {
        const row = ids.get(hit.rowid);
        if (row) matches.push({ id: row[0], score: hit.score, namespace: row[1] });
      }
      return { ok: true, config, matches };
    }
    const rows = this.#store.byRowids(
      hits.map((h) => h.rowid),
      { values: q.returnValues, metadata: q.returnMetadata !== "none" },
    );
    const matches: ShardMatch[] = [];
    for (const hit of hits) {
      const row = rows.get(hit.rowid);
      if (!row) continue;
      const match: ShardMatch = { id: row.id, score: hit.score, namespace: row.namespace };
      if (q.returnValues && row.vec) match.values = new Float32Array(row.vec);
      if (q.returnMetadata !== "none") match.metadata = row.metadata;
      matches.push(match);
    }
    return { ok: true, config, matches };
  }

  /** Full vectors by id. */
  get(ids: readonly string[]): WireVector[] {
    return this.#store.byIds(ids);
  }

  /** Config, row count and memory of this shard. */
  stats(): ShardStats {
    const index = this.#index;
    return {
      config: this.#currentConfig(),
      rows: index?.size ?? this.#store.count(),
      mutation: this.#store.mutation(),
      memory: index ? { format: index.format, kernels: this.#matrices.name, bytes: index.bytes } : null,
    };
  }

  /** Builds the scan structure now (normally lazy); returns the rows loaded. */
  warm(): number {
    const config = this.#currentConfig();
    return config ? this.#ensureIndex(config).size : 0;
  }

  #currentConfig(): IndexConfig | null {
    if (this.#config === undefined) this.#config = this.#store.config();
    return this.#config;
  }

  #create(config: IndexConfig): IndexConfig {
    this.#store.setConfig(config);
    this.#config = config;
    return config;
  }

  #ensureIndex(config: IndexConfig): ScanIndex {
    if (this.#index) return this.#index;
    const rows = this.#store.count();
    const index = new ScanIndex({
      dimensions: config.dimensions,
      metric: config.metric,
      format: formatFor(config.quantization, config.dimensions, rows),
      matrices: this.#matrices,
      columns: (path) => this.#store.column(path),
    });
    index.reserve(rows);
    const ids: IdDirectory | null = rows <= ID_DIRECTORY_MAX_ROWS ? new Map() : null;
    for (const [rowid, namespace, vec, id] of this.#store.scan()) {
      index.put(rowid, namespace, new Float32Array(vec));
      ids?.set(rowid, [id, namespace]);
    }
    this.#index = index;
    this.#ids = ids;
    return index;
  }

  #dropIndexIfFormatChanged(config: IndexConfig): void {
    const index = this.#index;
    if (index && formatFor(config.quantization, config.dimensions, index.size) !== index.format) {
      this.#index = null;
      this.#ids = null;
    }
  }
}
