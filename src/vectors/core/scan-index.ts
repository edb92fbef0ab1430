/**
 * A shard's in-memory scan structure: dense rows (float32, int8 or bit codes) in a
 * {@link RowMatrix}, per-row norms and scales, namespaces and lazily built metadata
 * columns. Search is a brute-force scan in blocks of {@link SCAN_BLOCK} rows through the
 * matrix kernels with a bounded heap; quantized formats pre-select an oversampled pool
 * and re-score it exactly. Rows are addressed by the store's rowid and kept dense by
 * swap-remove, so scans never skip holes. Pure: the caller supplies storage callbacks.
 */

import type { Metric } from "../types";
import { type ColumnSource, MetadataColumns } from "./columns";
import type { FieldClause } from "./filter";
import { type MatrixFactory, type RowMatrix, SCAN_BLOCK, type ScanKind } from "./matrix";
import { encodeBits, encodeInt8, encodeQueryInt16, norm, type RowFormat, rowElements } from "./quantize";
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
 * and need a wide one. bench/vectors measures the recall these give.
 */
export const OVERSAMPLE: Record<RowFormat, { factor: number; min: number }> = {
  f32: { factor: 1, min: 1 },
  i8: { factor: 4, min: 40 },
  bits: { factor: 20, min: 400 },
};

/** Per-row bytes held outside the matrix (rowid, namespace, norm, scale, id map entry). */
export const ROW_OVERHEAD_BYTES = 8 + 4 + 4 + 4 + 48;

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
  /** int8 scale of each row (0 for other formats). */
  #scales = new Float32Array(0);
  readonly #namespaceCodes = new Map<string, number>();
  readonly #namespaceNames: string[] = [""];
  readonly #code: Int8Array;
  readonly #elements: number;

  constructor(options: ScanIndexOptions) {
    this.dimensions = options.dimensions;
    this.metric = options.metric;
    this.format = options.format;
    this.#matrix = options.matrices.create(options.format, options.dimensions);
    this.#columns = new MetadataColumns(options.columns);
    this.#elements = rowElements(options.format, options.dimensions);
    this.#code = new Int8Array(this.#elements);
  }

  /** Rows held. */
  get size(): number {
    return this.#size;
  }

  /** Approximate bytes held in memory by this structure. */
  get bytes(): number {
    return this.#matrix.reservedBytes + this.#rowids.length * (8 + 4 + 4 + 4) + this.#positions.size * 48;
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
    let pos = this.#positions.get(rowid);
    if (pos === undefined) {
      pos = this.#size++;
      this.#matrix.reserve(this.#size);
      this.#grow(this.#size);
      this.#positions.set(rowid, pos);
      this.#rowids[pos] = rowid;
    }
    this.#namespaces[pos] = this.#namespaceCode(namespace);
    this.#norms[pos] = norm(values);
    this.#encode(pos, values);
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
      this.#scales[pos] = this.#scales[last] as number;
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
    const q = this.#prepareQuery(query);
    const kind: ScanKind =
      this.format === "bits"
        ? "hamming"
        : this.format === "f32" && this.metric === "euclidean"
          ? "l2"
          : "dot";
    const total = candidates ? candidates.length : this.#size;
    for (let start = 0; start < total; start += SCAN_BLOCK) {
      const count = Math.min(SCAN_BLOCK, total - start);
      const raw = candidates
        ? this.#matrix.scanRows(kind, candidates, start, count)
        : this.#matrix.scan(kind, start, count);
      this.#collect(heap, raw, candidates, start, count, q.scale);
    }
    let ranked = heap.sorted();
    if (this.format !== "f32") ranked = this.#rescore(ranked, query, queryNorm, options.exactVectors);
    return ranked.slice(0, options.topK).map(({ key, goodness }) => ({
      rowid: this.#rowids[key] as number,
      score: this.#score(goodness, key, queryNorm),
    }));
  }

  /** Pushes one block of kernel output into the heap as goodness (higher is better). */
  #collect(
    heap: TopK,
    raw: Float32Array,
    candidates: Int32Array | null,
    start: number,
    count: number,
    qScale: number,
  ) {
    const norms = this.#norms;
    const scales = this.#scales;
    const cosine = this.metric === "cosine";
    for (let j = 0; j < count; j++) {
      const pos = candidates ? (candidates[start + j] as number) : start + j;
      const r = raw[j] as number;
      let g: number;
      if (this.format === "f32") {
        if (this.metric === "euclidean") g = -r;
        else g = cosine ? (norms[pos] ? r / (norms[pos] as number) : 0) : r;
      } else if (this.format === "i8") {
        const dot = r * (scales[pos] as number) * qScale;
        if (this.metric === "euclidean") g = 2 * dot - (norms[pos] as number) ** 2;
        else g = cosine ? (norms[pos] ? dot / (norms[pos] as number) : 0) : dot;
      } else {
        g = -r;
      }
      if (g > heap.threshold) heap.push(pos, g);
    }
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

  #prepareQuery(query: ArrayLike<number>): { scale: number } {
    if (this.format === "f32") {
      const q = new Float32Array(this.#elements);
      for (let i = 0; i < query.length; i++) q[i] = query[i] as number;
      this.#matrix.setQuery(q);
      return { scale: 1 };
    }
    if (this.format === "i8") {
      const q = new Int16Array(this.#elements);
      const scale = encodeQueryInt16(query, q);
      this.#matrix.setQuery(q);
      return { scale };
    }
    const q = new Uint8Array(this.#elements);
    encodeBits(query, q);
    this.#matrix.setQuery(q);
    return { scale: 1 };
  }

  #encode(pos: number, values: ArrayLike<number>): void {
    const row = this.#matrix.row(pos);
    if (this.format === "f32") {
      const f = new Float32Array(row.buffer, row.byteOffset, this.#elements);
      f.fill(0);
      for (let i = 0; i < values.length; i++) f[i] = values[i] as number;
      return;
    }
    if (this.format === "i8") {
      this.#scales[pos] = encodeInt8(values, this.#code);
      row.set(new Uint8Array(this.#code.buffer));
      return;
    }
    encodeBits(values, row);
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
    this.#scales = copyInto(new Float32Array(capacity), this.#scales);
  }
}

function copyInto<T extends Float64Array | Float32Array | Int32Array>(target: T, source: T): T {
  target.set(source as never);
  return target;
}
