/**
 * A shard's durable state in its Durable Object SQLite database: the vectors (float32
 * BLOBs, metadata as JSON text, and the int8 stored code that lets an int8 scan structure
 * reload without re-quantizing) and a small key/value table for the index config and
 * mutation counter. Every read is bounded: by id lists the client caps, by rowid lists
 * of at most topK × oversample rows, or streamed row by row when rebuilding memory.
 * Writes go in a few multi-row statements per call, each within Durable Object SQLite's
 * limits on bound parameters and value sizes.
 */

import { DO_SQL_MAX_BOUND_PARAMETERS, DO_SQL_MAX_VALUE_BYTES } from "../../config/limits";
import type { FieldValue } from "../core/filter";
import { STORED_CODE_VERSION } from "../core/stored-code";
import type { IndexConfig, MutationMark } from "../types";
import type { WireVector } from "./shard-protocol";

const MAX_PARAMS = DO_SQL_MAX_BOUND_PARAMETERS;

/** Bytes of one bound BLOB or text in a batched write: half the 2 MB limit, for headroom. */
const MAX_BATCH_VALUE_BYTES = Math.floor(DO_SQL_MAX_VALUE_BYTES / 2);

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS vector_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID`,
  // rowid is the stable handle the scan structure uses; id is the caller's vector id.
  // code: the int8 stored code (core/stored-code.ts), NULL when not (yet) computed.
  `CREATE TABLE IF NOT EXISTS vectors (
     id TEXT NOT NULL UNIQUE,
     namespace TEXT,
     vec BLOB NOT NULL,
     metadata TEXT,
     code BLOB
   )`,
];

/**
 * One multi-row write: ids, namespaces and metadata arrive as one JSON array of
 * `[id, namespace, metadata]`, vectors and codes as two concatenated BLOBs sliced per row,
 * so a batch of hundreds of vectors binds 5 parameters. `WHERE true` is SQLite's required
 * disambiguation between an upsert clause and a join after `SELECT … FROM`.
 */
const BATCH_WRITE = (conflict: string) => `
  INSERT INTO vectors (id, namespace, vec, metadata, code)
  SELECT value ->> 0, value ->> 1, substr(?2, key * ?4 + 1, ?4), value ->> 2,
         CASE WHEN ?5 > 0 THEN substr(?3, key * ?5 + 1, ?5) END
  FROM json_each(?1) WHERE true
  ON CONFLICT(id) ${conflict}
  RETURNING rowid, id`;
const UPSERT = BATCH_WRITE(
  "DO UPDATE SET namespace = excluded.namespace, vec = excluded.vec, metadata = excluded.metadata, code = excluded.code",
);
const INSERT = BATCH_WRITE("DO NOTHING");

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

  /**
   * Creates the tables if missing and brings older ones up to date; idempotent. Shards
   * written before stored codes existed get the column (their rows load from float32
   * until rewritten), and codes of another encoding version are dropped.
   */
  migrate(): void {
    for (const statement of SCHEMA) this.sql.exec(statement);
    if (!this.#hasColumn("vectors", "code")) this.sql.exec("ALTER TABLE vectors ADD COLUMN code BLOB");
    if (this.#meta("code_version") !== STORED_CODE_VERSION) {
      this.sql.exec("UPDATE vectors SET code = NULL WHERE code IS NOT NULL");
      this.#setMeta("code_version", STORED_CODE_VERSION);
    }
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
   * Writes vectors, all of one dimension, with their stored codes (`codes` holds
   * `codeBytes` per vector in order, or is empty when the index keeps none). `insert`
   * keeps an existing row untouched (Vectorize: "the index reflects the vector added
   * first"). Ids must be distinct. Returns the rowid of every vector written.
   */
  writeBatch(
    vectors: readonly WireVector[],
    codes: Uint8Array,
    codeBytes: number,
    mode: "insert" | "upsert",
  ): Map<string, number> {
    const written = new Map<string, number>();
    const statement = mode === "upsert" ? UPSERT : INSERT;
    for (const [from, to] of batches(vectors, codeBytes)) {
      const rows = vectors.slice(from, to);
      const vecBytes = rows[0]?.values.byteLength ?? 0;
      const vecs = new Uint8Array(rows.length * vecBytes);
      rows.forEach((v, i) => {
        if (v.values.byteLength !== vecBytes)
          throw new RangeError("vectors of one write must share a dimension");
        vecs.set(new Uint8Array(v.values.buffer, v.values.byteOffset, v.values.byteLength), i * vecBytes);
      });
      const keys = JSON.stringify(rows.map((v) => [v.id, v.namespace, v.metadata]));
      const rowCodes = codeBytes > 0 ? codes.subarray(from * codeBytes, to * codeBytes) : new Uint8Array(0);
      const cursor = this.sql.exec(statement, keys, vecs, rowCodes, vecBytes, codeBytes);
      for (const [rowid, id] of cursor.raw<[number, string]>()) written.set(id, Number(rowid));
    }
    return written;
  }

  /** Deletes vectors by id; returns the rowid of each id that existed. */
  deleteBatch(ids: readonly string[]): Map<string, number> {
    const deleted = new Map<string, number>();
    for (const chunk of chunks(ids, MAX_PARAMS)) {
      const cursor = this.sql.exec(
        `DELETE FROM vectors WHERE id IN (${placeholders(chunk.length)}) RETURNING rowid, id`,
        ...chunk,
      );
      for (const [rowid, id] of cursor.raw<[number, string]>()) deleted.set(id, Number(rowid));
    }
    return deleted;
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

  /** Streams every row's rowid, namespace and vector, for rebuilding the scan structure. */
  *scan(): Generator<[rowid: number, namespace: string | null, vec: ArrayBuffer]> {
    const rows = this.sql.exec("SELECT rowid, namespace, vec FROM vectors");
    for (const [rowid, namespace, vec] of rows.raw<[number, string | null, ArrayBuffer]>()) {
      yield [Number(rowid), namespace, vec];
    }
  }

  /**
   * Streams every row's rowid, namespace and stored code for rebuilding an int8 scan
   * structure; the float32 vector comes only for rows without a code.
   */
  *scanCodes(): Generator<
    [rowid: number, namespace: string | null, code: ArrayBuffer | null, vec: ArrayBuffer | null]
  > {
    const rows = this.sql.exec(
      "SELECT rowid, namespace, code, CASE WHEN code IS NULL THEN vec END FROM vectors",
    );
    for (const [rowid, namespace, code, vec] of rows.raw<
      [number, string | null, ArrayBuffer | null, ArrayBuffer | null]
    >()) {
      yield [Number(rowid), namespace, code, vec];
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

  #hasColumn(table: string, column: string): boolean {
    try {
      this.sql.exec(`SELECT ${column} FROM ${table} LIMIT 0`);
      return true;
    } catch {
      return false;
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

/**
 * Splits a write into [from, to) ranges whose concatenated vectors, codes and JSON keys
 * each stay within {@link MAX_BATCH_VALUE_BYTES}. The JSON size is estimated from string
 * lengths (UTF-8 is at most 3 bytes per UTF-16 unit, plus escapes), so a range never
 * exceeds the limit.
 */
function* batches(vectors: readonly WireVector[], codeBytes: number): Generator<[number, number]> {
  let from = 0;
  let vecs = 0;
  let codes = 0;
  let keys = 0;
  for (let i = 0; i < vectors.length; i++) {
    const v = vectors[i] as WireVector;
    const key = 6 * (v.id.length + (v.namespace?.length ?? 0) + (v.metadata?.length ?? 0)) + 16;
    if (
      i > from &&
      (vecs + v.values.byteLength > MAX_BATCH_VALUE_BYTES ||
        codes + codeBytes > MAX_BATCH_VALUE_BYTES ||
        keys + key > MAX_BATCH_VALUE_BYTES)
    ) {
      yield [from, i];
      from = i;
      vecs = 0;
      codes = 0;
      keys = 0;
    }
    vecs += v.values.byteLength;
    codes += codeBytes;
    keys += key;
  }
  if (from < vectors.length) yield [from, vectors.length];
}

function placeholders(n: number): string {
  return new Array(n).fill("?").join(", ");
}

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
