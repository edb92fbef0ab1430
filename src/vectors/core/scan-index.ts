/**
 * A shard's in-memory scan structure: dense rows (float32, int8 or bit codes) in a
 * {@link RowMatrix}, per-row norms, namespaces and lazily built metadata columns. Search
 * is a brute-force scan in blocks of {@link SCAN_BLOCK} rows through the matrix kernels,
 * which return only rows beating the bounded heap's current threshold; quantized formats
 * pre-select an oversampled pool and re-score it exactly. Rows are addressed by the store's rowid and kept dense by
 * swap-remove, so scans never skip holes. Pure: the caller supplies storage callbacks.
 */

import type { Metric } from "../types";
import { type ColumnSource, MetadataColumns } from "./columns";
import type { FieldClause } from "./filter";
import { type MatrixFactory, QUERY_I8_MAX, type RowMatrix, SCAN_BLOCK, type ScanKind } from "./matrix";
import {
  encodeBits,
  encodeInt4,
  encodeInt8,
  encodeQueryInt8,
  norm,
  type RowFormat,
  rowBytes,
} from "./quantize";
import type { StoredCode } from "./stored-code";
import { TopK } from "./topk";

/** Options fixed for the life of a scan index. */
export interface ScanIndexOptions {
  dimensions: number;
  metric: Metric;
  format: RowFormat;
  matrices: MatrixFactory;
  /** Reads metadata values for a column (see {@link MetadataColumns}). */
  columns: ColumnSource;
}

/** One search. */
export interface ScanSearch {
  topK: number;
  /** Only rows of this namespace; `undefined` searches every row. */
  namespace?: string;
  /** Compiled metadata filter; every clause must hold. */
  filter?: readonly FieldClause[];
  /**
   * Exact float32 vectors for rowids, used to re-score the candidate pool of quantized
   * formats. Rows it does not return keep their approximate score.
   */
  exactVectors?: (rowids: number[]) => Map<number, Float32Array>;
  /** Candidate pool of quantized formats; default from {@link OVERSAMPLE}, never below topK. */
  pool?: number;
}

/** A search hit: the store rowid and Vectorize's score for the index metric. */
export interface ScanHit {
  rowid: number;
  score: number;
}

/**
 * Candidate pool re-scored exactly, as a multiple of topK (with a floor), by format. int8
 * codes rank almost like float32, so a small pool suffices; sign bits are a coarse signal
 * and need a wide one. bench/vectors measures the recall these give (`--pools`).
 */
export const OVERSAMPLE: Record<RowFormat, { factor: number; min: number }> = {
  f32: { factor: 1, min: 1 },
  i8: { factor: 2, min: 20 },
  i4: { factor: 4, min: 40 },
  bits: { factor: 20, min: 400 },
};

/**
 * Per-row bytes held outside the row code: goodness coefficients in the matrix (offset,
 * mul, add) and, here, rowid, namespace, norm and the id map entry.
 */
export const ROW_OVERHEAD_BYTES = 12 + 8 + 4 + 4 + 48;

export class ScanIndex {
  readonly dimensions: number;
  readonly metric: Metric;
  readonly format: RowFormat;
  readonly #matrix: RowMatrix;
  readonly #columns: MetadataColumns;
  readonly #positions = new Map<number, number>();
  #size = 0;
  #rowids = new Float64Array(0);
  #namespaces = new Int32Array(0);
  /** Euclidean norm of each original vector. */
  #norms = new Float32Array(0);
  readonly #namespaceCodes = new Map<string, number>();
  readonly #namespaceNames: string[] = [""];
  /** Scratch row code (bytes of a float32, int8 or bit row), and the same bytes as float32 and int8. */
  readonly #code: Uint8Array;
  readonly #codeF32: Float32Array;
  readonly #codeI8: Int8Array;
  /** Scratch float32 of a stored code, for loading `i4` rows. */
  #dequantized: Float32Array | null = null;
  /** Scratch query code, reused by every search (same three views). */
  readonly #query: Uint8Array;
  readonly #queryF32: Float32Array;
  readonly #queryI8: Int8Array;

  constructor(options: ScanIndexOptions) {
    this.dimensions = options.dimensions;
    this.metric = options.metric;
    this.format = options.format;
    this.#matrix = options.matrices.create(options.format, options.dimensions);
    this.#columns = new MetadataColumns(options.columns);
    const bytes = rowBytes(options.format, options.dimensions);
    this.#code = new Uint8Array(bytes);
    this.#codeF32 = new Float32Array(this.#code.buffer, 0, bytes >> 2);
    this.#codeI8 = new Int8Array(this.#code.buffer);
    // An int4 row byte holds two dimensions; its query keeps one byte per dimension.
    this.#query = new Uint8Array(options.format === "i4" ? 2 * bytes : bytes);
    this.#queryF32 = new Float32Array(this.#query.buffer, 0, bytes >> 2);
    this.#queryI8 = new Int8Array(this.#query.buffer);
  }

  /** Rows held. */
  get size(): number {
    return this.#size;
  }

  /** Approximate bytes held in memory by this structure. */
  get bytes(): number {
    return this.#matrix.reservedBytes + this.#rowids.length * (8 + 4 + 4) + this.#positions.size * 48;
  }

  /** True when filter columns are held, so writes must pass parsed metadata to {@link put}. */
  get hasColumns(): boolean {
    return this.#columns.count > 0;
  }

  /** True when the row is held. */
  has(rowid: number): boolean {
    return this.#positions.has(rowid);
  }

  /** Makes room for `rows` rows up front (used when loading a shard). */
  reserve(rows: number): void {
    this.#matrix.reserve(rows);
    this.#grow(rows);
  }

  /** Inserts or replaces a row. `metadata` keeps filter columns current. */
  put(rowid: number, namespace: string | null, values: ArrayLike<number>, metadata?: unknown): void {
    const pos = this.#slot(rowid, namespace);
    // float32, as a stored code keeps them, so a reloaded row scores exactly like a fresh one.
    const scale = Math.fround(this.#encode(values));
    this.#store(pos, Math.fround(norm(values)), scale, metadata);
  }

  /**
   * Inserts or replaces a row of an `i8` or `i4` index from its stored int8 code, skipping
   * float32 (how a shard reloads). For `i8` the result equals {@link put} of the original
   * vector; `i4` re-quantizes the int8 values, a pre-selection as good as the original's.
   */
  putCode(rowid: number, namespace: string | null, stored: StoredCode, metadata?: unknown): void {
    if (this.format !== "i8" && this.format !== "i4")
      throw new Error(`putCode needs an i8 or i4 index, this one is ${this.format}`);
    if (stored.code.length !== this.dimensions)
      throw new RangeError(`stored code has ${stored.code.length} dimensions, expected ${this.dimensions}`);
    const pos = this.#slot(rowid, namespace);
    let scale = stored.scale;
    if (this.format === "i8") this.#codeI8.set(stored.code);
    else {
      if (!this.#dequantized) this.#dequantized = new Float32Array(this.dimensions);
      const values = this.#dequantized;
      for (let i = 0; i < values.length; i++) values[i] = (stored.code[i] as number) * stored.scale;
      scale = Math.fround(encodeInt4(values, this.#code));
    }
    this.#store(pos, stored.norm, scale, metadata);
  }

  /** The position of `rowid`, appended if new, with its namespace set. */
  #slot(rowid: number, namespace: string | null): number {
    let pos = this.#positions.get(rowid);
    if (pos === undefined) {
      pos = this.#size++;
      this.#matrix.reserve(this.#size);
      this.#grow(this.#size);
      this.#positions.set(rowid, pos);
      this.#rowids[pos] = rowid;
    }
    this.#namespaces[pos] = this.#namespaceCode(namespace);
    return pos;
  }

  /** Writes the scratch code and its coefficients to `pos`. */
  #store(pos: number, n: number, scale: number, metadata: unknown): void {
    this.#norms[pos] = n;
    const [mul, add] = this.#coefficients(n, scale);
    this.#matrix.setRow(pos, this.#code, mul, add);
    this.#columns.set(pos, metadata);
  }

  /** Removes a row; returns whether it was held. */
  delete(rowid: number): boolean {
    const pos = this.#positions.get(rowid);
    if (pos === undefined) return false;
    const last = --this.#size;
    this.#positions.delete(rowid);
    if (pos !== last) {
      const moved = this.#rowids[last] as number;
      this.#matrix.copyRow(last, pos);
      this.#rowids[pos] = moved;
      this.#namespaces[pos] = this.#namespaces[last] as number;
      this.#norms[pos] = this.#norms[last] as number;
      this.#positions.set(moved, pos);
      this.#columns.move(last, pos);
    } else {
      this.#columns.pop(last);
    }
    return true;
  }

  /** The best `topK` rows for `query`, best first, scored as Vectorize scores the index metric. */
  search(query: ArrayLike<number>, options: ScanSearch): ScanHit[] {
    if (this.#size === 0) return [];
    const candidates = this.#candidates(options.namespace, options.filter);
    if (candidates && candidates.length === 0) return [];
    const { factor, min } = OVERSAMPLE[this.format];
    const pool =
      this.format === "f32"
        ? options.topK
        : Math.max(options.topK, options.pool ?? Math.max(options.topK * factor, min));
    const heap = new TopK(pool);
    const queryNorm = norm(query);
    const qScale = this.#prepareQuery(query);
    const kind: ScanKind =
      this.format === "bits"
        ? "hamming"
        : this.format === "f32" && this.metric === "euclidean"
          ? "l2"
          : "dot";
    const total = candidates ? candidates.length : this.#size;
    for (let start = 0; start < total; start += SCAN_BLOCK) {
      const count = Math.min(SCAN_BLOCK, total - start);
      const hits = candidates
        ? this.#matrix.selectRows(kind, candidates, start, count, qScale, heap.threshold)
        : this.#matrix.select(kind, start, count, qScale, heap.threshold);
      const { positions, goodness } = hits;
      for (let i = 0; i < hits.count; i++) heap.push(positions[i] as number, goodness[i] as number);
    }
    let ranked = heap.sorted();
    if (this.format !== "f32") ranked = this.#rescore(ranked, query, queryNorm, options.exactVectors);
    return ranked.slice(0, options.topK).map(({ key, goodness }) => ({
      rowid: this.#rowids[key] as number,
      score: this.#score(goodness, key, queryNorm),
    }));
  }

  /**
   * The matrix coefficients that turn a row's raw kernel score into goodness (higher is
   * better): cosine divides by the row norm, euclidean over int8 expands
   * ‖q−x‖² = ‖q‖² − 2q·x + ‖x‖² (‖q‖² is the same for every row), and distances negate.
   * Zero vectors get goodness 0 under cosine, as Vectorize scores them.
   */
  #coefficients(n: number, scale: number): [mul: number, add: number] {
    if (this.format === "bits") return [-1, 0];
    if (this.format === "f32") {
      if (this.metric === "euclidean") return [-1, 0];
      return [this.metric === "cosine" ? (n > 0 ? 1 / n : 0) : 1, 0];
    }
    if (this.metric === "euclidean") return [2 * scale, -n * n];
    return [this.metric === "cosine" ? (n > 0 ? scale / n : 0) : scale, 0];
  }

  /** Replaces approximate goodness by exact goodness for the pool and re-sorts it. */
  #rescore(
    ranked: { key: number; goodness: number }[],
    query: ArrayLike<number>,
    queryNorm: number,
    exactVectors: ScanSearch["exactVectors"],
  ) {
    if (!exactVectors || ranked.length === 0) return ranked;
    const vectors = exactVectors(ranked.map((r) => this.#rowids[r.key] as number));
    return ranked
      .map((r) => {
        const x = vectors.get(this.#rowids[r.key] as number);
        return x ? { key: r.key, goodness: this.#exactGoodness(query, x, queryNorm) } : r;
      })
      .sort((a, b) => b.goodness - a.goodness || a.key - b.key);
  }

  #exactGoodness(query: ArrayLike<number>, x: Float32Array, queryNorm: number): number {
    let s = 0;
    if (this.metric === "euclidean") {
      for (let i = 0; i < x.length; i++) {
        const d = (query[i] as number) - (x[i] as number);
        s += d * d;
      }
      return -s;
    }
    let xx = 0;
    for (let i = 0; i < x.length; i++) {
      s += (query[i] as number) * (x[i] as number);
      xx += (x[i] as number) * (x[i] as number);
    }
    if (this.metric === "dot-product") return s;
    return xx > 0 && queryNorm > 0 ? s / Math.sqrt(xx) : 0;
  }

  /** Vectorize's score from internal goodness: cosine similarity, L2 distance, or negated dot product. */
  #score(goodness: number, pos: number, queryNorm: number): number {
    switch (this.metric) {
      case "cosine":
        return queryNorm > 0 && this.#norms[pos] ? goodness / queryNorm : 0;
      case "euclidean":
        return Math.sqrt(Math.max(0, -goodness));
      default:
        return -goodness;
    }
  }

  /** Positions passing the namespace and filter, or null for "every row". */
  #candidates(namespace: string | undefined, filter: readonly FieldClause[] | undefined): Int32Array | null {
    if (namespace === undefined && (!filter || filter.length === 0)) return null;
    const nsCode = namespace === undefined ? -1 : (this.#namespaceCodes.get(namespace) ?? -2);
    if (nsCode === -2) return new Int32Array(0);
    const clauses = filter ?? [];
    const positionOf = (rowid: number) => this.#positions.get(rowid);
    const columns = clauses.map((c) => this.#columns.column(c.key, c.path, this.#size, positionOf));
    const out = new Int32Array(this.#size);
    let n = 0;
    const namespaces = this.#namespaces;
    rows: for (let pos = 0; pos < this.#size; pos++) {
      if (nsCode >= 0 && namespaces[pos] !== nsCode) continue;
      for (let c = 0; c < clauses.length; c++) {
        if (!(clauses[c] as FieldClause).test((columns[c] as unknown[])[pos] as never)) continue rows;
      }
      out[n++] = pos;
    }
    return out.subarray(0, n);
  }

  /** Encodes the query into the matrix; returns the scale of its code (1 for f32 and bits). */
  #prepareQuery(query: ArrayLike<number>): number {
    let scale = 1;
    if (this.format === "f32") {
      this.#queryF32.fill(0);
      for (let i = 0; i < query.length; i++) this.#queryF32[i] = query[i] as number;
      this.#matrix.setQuery(this.#queryF32);
    } else if (this.format === "i8") {
      scale = encodeQueryInt8(query, this.#queryI8, QUERY_I8_MAX);
      this.#matrix.setQuery(this.#queryI8);
    } else if (this.format === "i4") {
      // Rows carry the coarse codes; the query keeps full int8 precision.
      scale = encodeQueryInt8(query, this.#queryI8, 127);
      this.#matrix.setQuery(this.#queryI8);
    } else {
      encodeBits(query, this.#query);
      this.#matrix.setQuery(this.#query);
    }
    return scale;
  }

  /** Encodes `values` into the scratch code; returns the int8/int4 scale (0 for other formats). */
  #encode(values: ArrayLike<number>): number {
    if (this.format === "f32") {
      const f = this.#codeF32;
      f.fill(0);
      for (let i = 0; i < values.length; i++) f[i] = values[i] as number;
      return 0;
    }
    if (this.format === "i8") return encodeInt8(values, this.#codeI8);
    if (this.format === "i4") return encodeInt4(values, this.#code);
    encodeBits(values, this.#code);
    return 0;
  }

  #namespaceCode(namespace: string | null): number {
    if (namespace === null) return 0;
    let code = this.#namespaceCodes.get(namespace);
    if (code === undefined) {
      code = this.#namespaceNames.length;
      this.#namespaceNames.push(namespace);
      this.#namespaceCodes.set(namespace, code);
    }
    return code;
  }

  #grow(rows: number): void {
    if (rows <= this.#rowids.length) return;
    const capacity = Math.max(rows, Math.ceil(this.#rowids.length * 1.5), 64);
    this.#rowids = copyInto(new Float64Array(capacity), this.#rowids);
    this.#namespaces = copyInto(new Int32Array(capacity), this.#namespaces);
    this.#norms = copyInto(new Float32Array(capacity), this.#norms);
  }
}

function copyInto<T extends Float64Array | Float32Array | Int32Array>(target: T, source: T): T {
  target.set(source as never);
  return target;
}
