/**
 * A shard's durable state in its Durable Object SQLite database: the vectors (float32
 * BLOBs, metadata as JSON text) and a small key/value table for the index config and
 * mutation counter. Every read is bounded: by id lists the client caps, by rowid lists
 * of at most topK × oversample rows, or streamed row by row when rebuilding memory.
 */

import type { FieldValue } from "../core/filter";
import type { IndexConfig, MutationMark } from "../types";
import type { WireVector } from "./shard-protocol";

/** Durable Object SQLite accepts at most 100 bound parameters per statement. */
const MAX_PARAMS = 100;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS vector_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID`,
  // rowid is the stable handle the scan structure uses; id is the caller's vector id.
  `CREATE TABLE IF NOT EXISTS vectors (
     id TEXT NOT NULL UNIQUE,
     namespace TEXT,
     vec BLOB NOT NULL,
     metadata TEXT
   )`,
];

/** A stored row as read back for results. */
export interface StoredRow {
  rowid: number;
  id: string;
  namespace: string | null;
  vec: ArrayBuffer | null;
  metadata: string | null;
}

/** SQL access for one shard. */
export class ShardStore {
  constructor(readonly sql: SqlStorage) {}

  /** Creates the tables if missing; idempotent. */
  migrate(): void {
    for (const statement of SCHEMA) this.sql.exec(statement);
  }

  /** The index config, or null before the first write. */
  config(): IndexConfig | null {
    const raw = this.#meta("config");
    return raw === null ? null : (JSON.parse(raw) as IndexConfig);
  }

  /** Records the index config (once, at creation). */
  setConfig(config: IndexConfig): void {
    this.#setMeta("config", JSON.stringify(config));
  }

  /** The latest mutation this shard applied. */
  mutation(): MutationMark | null {
    const raw = this.#meta("mutation");
    return raw === null ? null : (JSON.parse(raw) as MutationMark);
  }

  /** Records a mutation unless a later one was already recorded. */
  markMutation(mark: MutationMark): void {
    const current = this.mutation();
    if (!current || mark.seq > current.seq) this.#setMeta("mutation", JSON.stringify(mark));
  }

  /** Allocates the next mutation number of the index (shard 0 only). */
  nextMutation(now: number): MutationMark {
    const seq = Number(this.#meta("seq") ?? "0") + 1;
    this.#setMeta("seq", String(seq));
    return { seq, at: now };
  }

  /** Rows stored. */
  count(): number {
    return Number(this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM vectors").one().n);
  }

  /**
   * Writes one vector. `insert` keeps an existing row untouched (Vectorize: "the index
   * reflects the vector added first"). Returns the rowid written, or null when skipped.
   */
  write(v: WireVector, mode: "insert" | "upsert"): number | null {
    const conflict =
      mode === "upsert"
        ? "DO UPDATE SET namespace = excluded.namespace, vec = excluded.vec, metadata = excluded.metadata"
        : "DO NOTHING";
    const rows = this.sql
      .exec<{ rowid: number }>(
        `INSERT INTO vectors (id, namespace, vec, metadata) VALUES (?, ?, ?, ?)
         ON CONFLICT(id) ${conflict} RETURNING rowid`,
        v.id,
        v.namespace,
        toArrayBuffer(v.values),
        v.metadata,
      )
      .toArray();
    return rows[0] ? Number(rows[0].rowid) : null;
  }

  /** Deletes one vector by id; returns its rowid, or null if it did not exist. */
  delete(id: string): number | null {
    const rows = this.sql
      .exec<{ rowid: number }>("DELETE FROM vectors WHERE id = ? RETURNING rowid", id)
      .toArray();
    return rows[0] ? Number(rows[0].rowid) : null;
  }

  /** Full vectors by id, in no particular order (ids capped by the caller). */
  byIds(ids: readonly string[]): WireVector[] {
    const out: WireVector[] = [];
    for (const chunk of chunks(ids, MAX_PARAMS)) {
      const rows = this.sql.exec<{
        id: string;
        namespace: string | null;
        vec: ArrayBuffer;
        metadata: string | null;
      }>(
        `SELECT id, namespace, vec, metadata FROM vectors WHERE id IN (${placeholders(chunk.length)})`,
        ...chunk,
      );
      for (const r of rows) {
        out.push({ id: r.id, namespace: r.namespace, values: new Float32Array(r.vec), metadata: r.metadata });
      }
    }
    return out;
  }

  /** Rows by rowid for search results, with values and metadata only when asked for. */
  byRowids(rowids: readonly number[], want: { values: boolean; metadata: boolean }): Map<number, StoredRow> {
    const out = new Map<number, StoredRow>();
    const columns = `rowid, id, namespace, ${want.values ? "vec" : "NULL AS vec"}, ${want.metadata ? "metadata" : "NULL AS metadata"}`;
    for (const chunk of chunks(rowids, MAX_PARAMS)) {
      // raw(): arrays instead of one object per row (this runs for every hit of every query;
      // per-row objects and spreads were ~15% of a search request's CPU).
      const rows = this.sql
        .exec(`SELECT ${columns} FROM vectors WHERE rowid IN (${placeholders(chunk.length)})`, ...chunk)
        .raw();
      for (const [rowid, id, namespace, vec, metadata] of rows) {
        const r = Number(rowid);
        out.set(r, {
          rowid: r,
          id: id as string,
          namespace: namespace as string | null,
          vec: vec as ArrayBuffer | null,
          metadata: metadata as string | null,
        });
      }
    }
    return out;
  }

  /** Exact float32 vectors by rowid, for re-scoring quantized candidates. */
  vectors(rowids: readonly number[]): Map<number, Float32Array> {
    const out = new Map<number, Float32Array>();
    for (const chunk of chunks(rowids, MAX_PARAMS)) {
      const rows = this.sql.exec(
        `SELECT rowid, vec FROM vectors WHERE rowid IN (${placeholders(chunk.length)})`,
        ...chunk,
      );
      for (const [rowid, vec] of rows.raw<[number, ArrayBuffer]>())
        out.set(Number(rowid), new Float32Array(vec));
    }
    return out;
  }

  /** Streams every row's rowid, namespace, vector and id, for rebuilding the scan structure. */
  *scan(): Generator<[rowid: number, namespace: string | null, vec: ArrayBuffer, id: string]> {
    const rows = this.sql.exec("SELECT rowid, namespace, vec, id FROM vectors");
    for (const [rowid, namespace, vec, id] of rows.raw<[number, string | null, ArrayBuffer, string]>()) {
      yield [Number(rowid), namespace, vec, id];
    }
  }

  /** Streams (rowid, filterable value) of one metadata path, for building a filter column. */
  *column(path: readonly string[]): Generator<readonly [number, FieldValue]> {
    // Filter keys cannot contain a double quote (validated), so quoting each segment is safe.
    const jsonPath = `$${path.map((s) => `."${s}"`).join("")}`;
    const rows = this.sql.exec(
      "SELECT rowid, json_type(metadata, ?1), json_extract(metadata, ?1) FROM vectors WHERE metadata IS NOT NULL",
      jsonPath,
    );
    for (const [rowid, type, value] of rows.raw<[number, string | null, SqlStorageValue]>()) {
      yield [Number(rowid), decodeJson(type, value)];
    }
  }

  #meta(key: string): string | null {
    const rows = this.sql
      .exec<{ value: string }>("SELECT value FROM vector_meta WHERE key = ?", key)
      .toArray();
    return rows[0]?.value ?? null;
  }

  #setMeta(key: string, value: string): void {
    this.sql.exec(
      "INSERT INTO vector_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      key,
      value,
    );
  }
}

/** SQLite's json_type tells booleans from integers, which json_extract alone cannot. */
function decodeJson(type: string | null, value: SqlStorageValue): FieldValue {
  switch (type) {
    case "true":
      return true;
    case "false":
      return false;
    case "null":
      return null;
    case "integer":
    case "real":
      return Number(value);
    case "text":
      return String(value);
    default:
      return undefined;
  }
}

function toArrayBuffer(values: Float32Array): ArrayBuffer {
  const { buffer, byteOffset, byteLength } = values;
  return byteOffset === 0 && byteLength === buffer.byteLength
    ? (buffer as ArrayBuffer)
    : (buffer.slice(byteOffset, byteOffset + byteLength) as ArrayBuffer);
}

function placeholders(n: number): string {
  return new Array(n).fill("?").join(", ");
}

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
