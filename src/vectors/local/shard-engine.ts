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
import { readStoredCode, type StoredCode, storedCodeBytes, writeStoredCode } from "../core/stored-code";
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
import { ShardStore, type StoredRow } from "./shard-store";

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

/** Tunables of a shard engine; the defaults are what VectorShard runs. */
export interface ShardEngineOptions {
  /** Where `auto` switches from float32 to int8 rows (tests lower it to cross it cheaply). */
  autoInt8ThresholdBytes?: number;
}

/** One shard's state machine over its storage. */
export class ShardEngine {
  readonly #storage: ShardStorage;
  readonly #store: ShardStore;
  readonly #matrices: MatrixFactory;
  readonly #autoInt8ThresholdBytes: number | undefined;
  #index: ScanIndex | null = null;
  #config: IndexConfig | null | undefined;

  constructor(storage: ShardStorage, matrices: MatrixFactory, options: ShardEngineOptions = {}) {
    this.#storage = storage;
    this.#store = new ShardStore(storage.sql);
    this.#matrices = matrices;
    this.#autoInt8ThresholdBytes = options.autoInt8ThresholdBytes;
  }

  /** Creates tables; call once at start-up (inside blockConcurrencyWhile) and after a wipe. */
  migrate(): void {
    this.#store.migrate();
    this.#index = null;
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
    vectors = distinctIds(vectors, mode);
    const codeBytes = keepsCodes(stored) ? storedCodeBytes(stored.dimensions) : 0;
    const codes = encodeCodes(vectors, codeBytes);
    const written: string[] = [];
    try {
      this.#storage.transactionSync(() => {
        const rowids = this.#store.writeBatch(vectors, codes, codeBytes, mode);
        const index = this.#index;
        vectors.forEach((v, i) => {
          const rowid = rowids.get(v.id);
          if (rowid === undefined) return;
          written.push(v.id);
          if (!index) return;
          const metadata = index.hasColumns && v.metadata ? JSON.parse(v.metadata) : undefined;
          const fromCode = (index.format === "i8" || index.format === "i4") && codeBytes > 0;
          const code = fromCode ? codeAt(codes, i, codeBytes, stored) : null;
          if (code) index.putCode(rowid, v.namespace, code, metadata);
          else index.put(rowid, v.namespace, v.values, metadata);
        });
        this.#store.markMutation(mark);
      });
    } catch (err) {
      // The transaction rolled back; memory may have moved ahead of it, so rebuild it.
      this.#index = null;
      throw err;
    }
    this.#dropIndexIfFormatChanged(stored);
    return { ok: true, ids: written };
  }

  /** Deletes vectors by id; returns the ids that existed. */
  remove(ids: readonly string[], mark: MutationMark): string[] {
    const deleted: string[] = [];
    this.#storage.transactionSync(() => {
      const rowids = this.#store.deleteBatch(ids);
      for (const id of ids) {
        const rowid = rowids.get(id);
        if (rowid === undefined) continue;
        rowids.delete(id); // a repeated id counts once
        deleted.push(id);
        this.#index?.delete(rowid);
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
    const metadata = q.returnMetadata !== "none";
    // Re-scoring reads the candidate pool's full rows once; the results come from that read.
    let pool: Map<number, StoredRow> | null = null;
    const hits = index.search(vector, {
      topK: q.topK,
      namespace: q.namespace,
      filter: q.filter ? compileFilter(q.filter) : undefined,
      exactVectors: (rowids) => {
        pool = this.#store.byRowids(rowids, { values: true, metadata });
        const vectors = new Map<number, Float32Array>();
        for (const [rowid, row] of pool) if (row.vec) vectors.set(rowid, new Float32Array(row.vec));
        return vectors;
      },
    });
    const rows =
      pool ??
      this.#store.byRowids(
        hits.map((h) => h.rowid),
        { values: q.returnValues, metadata },
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
      format: this.#formatFor(config, rows),
      matrices: this.#matrices,
      columns: (path) => this.#store.column(path),
    });
    index.reserve(rows);
    if (index.format === "i8" || index.format === "i4") {
      // Stored codes skip reading and re-quantizing float32 (rows from before codes existed load from vec).
      for (const [rowid, namespace, code, vec] of this.#store.scanCodes()) {
        const stored = code ? readStoredCode(code, config.dimensions) : null;
        if (stored) index.putCode(rowid, namespace, stored);
        else if (vec) index.put(rowid, namespace, new Float32Array(vec));
      }
    } else {
      for (const [rowid, namespace, vec] of this.#store.scan())
        index.put(rowid, namespace, new Float32Array(vec));
    }
    this.#index = index;
    return index;
  }

  #formatFor(config: IndexConfig, rows: number) {
    return formatFor(config.quantization, config.dimensions, rows, this.#autoInt8ThresholdBytes);
  }

  /**
   * After a write: drops the scan structure when `auto` now wants int8 rows, so the next
   * search rebuilds it (from stored codes). A loaded int8 structure is never turned back
   * into float32 when deletes shrink the shard: flapping across the threshold would rebuild
   * it on every write; the next cold start picks the format by row count again.
   */
  #dropIndexIfFormatChanged(config: IndexConfig): void {
    const index = this.#index;
    if (index?.format === "f32" && this.#formatFor(config, index.size) === "i8") this.#index = null;
  }
}

/**
 * Indexes that are or may become int8, and int4 ones (loaded from the int8 code), keep a
 * stored code per row (see core/stored-code.ts).
 */
function keepsCodes(config: IndexConfig): boolean {
  return config.quantization === "int8" || config.quantization === "int4" || config.quantization === "auto";
}

/** The stored codes of a write, encoded once for SQLite and the scan structure alike. */
function encodeCodes(vectors: readonly WireVector[], codeBytes: number): Uint8Array {
  const codes = new Uint8Array(vectors.length * codeBytes);
  if (codeBytes > 0) {
    vectors.forEach((v, i) => {
      writeStoredCode(v.values, codes.subarray(i * codeBytes, (i + 1) * codeBytes));
    });
  }
  return codes;
}

function codeAt(codes: Uint8Array, i: number, codeBytes: number, config: IndexConfig): StoredCode | null {
  return readStoredCode(codes.subarray(i * codeBytes, (i + 1) * codeBytes), config.dimensions);
}

/** One vector per id, as Vectorize resolves a batch: upsert keeps the last, insert the first. */
function distinctIds(vectors: WireVector[], mode: "insert" | "upsert"): WireVector[] {
  const byId = new Map<string, WireVector>();
  for (const v of vectors) if (mode === "upsert" || !byId.has(v.id)) byId.set(v.id, v);
  return byId.size === vectors.length ? vectors : [...byId.values()];
}
