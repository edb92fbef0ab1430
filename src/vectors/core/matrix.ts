/**
 * The scan matrix port: a growable table of fixed-width rows, each with two goodness
 * coefficients, plus the kernels that score a query against the rows and keep those that
 * beat a threshold. Two adapters implement it: {@link jsMatrices} (plain typed arrays,
 * runs anywhere) and `wasmMatrices` (WebAssembly SIMD over the module's linear memory).
 * Pure: imports nothing from the runtime.
 *
 * Goodness (higher is better) of row r for raw kernel score s: `s · mul[r] · qScale + add[r]`,
 * computed in float32. The scan index picks the coefficients so that goodness orders rows
 * as the index metric does (e.g. `mul = 1/‖x‖` for cosine over float32 rows).
 */

import { type RowFormat, rowBytes, rowElements } from "./quantize";

/** Rows scored per kernel call; also the most candidates one call returns. */
export const SCAN_BLOCK = 4096;

/** What a kernel computes per row: dot product, squared L2 distance, or Hamming distance. */
export type ScanKind = "dot" | "l2" | "hamming";

/**
 * Candidates of one selection: row positions and their goodness. The arrays are views
 * owned by the matrix, valid until its next call.
 */
export interface Selection {
  count: number;
  positions: Int32Array;
  goodness: Float32Array;
}

/** A growable table of encoded rows with scoring kernels. */
export interface RowMatrix {
  readonly format: RowFormat;
  readonly dimensions: number;
  /** Bytes per row. */
  readonly stride: number;
  /** Rows that fit without growing. */
  readonly capacity: number;
  /** Bytes held by the matrix (rows, coefficients, query and candidate buffers). */
  readonly reservedBytes: number;
  /** Makes room for at least `rows` rows, keeping existing rows. */
  reserve(rows: number): void;
  /**
   * Stores row `index` (below {@link capacity}): its code (at most {@link stride} bytes;
   * the rest of the row is zeroed) and its goodness coefficients.
   */
  setRow(index: number, code: Uint8Array, mul: number, add: number): void;
  /** Copies row `from` (code and coefficients) over row `to`. */
  copyRow(from: number, to: number): void;
  /**
   * Sets the query for following scans: a Float32Array of `dimensions` for `f32`, an
   * Int8Array code in ±{@link QUERY_I8_MAX} for `i8` and in ±127 (two bytes per row byte)
   * for `i4`, packed sign bits for `bits`.
   */
  setQuery(query: Float32Array | Int8Array | Uint8Array): void;
  /** Rows `start … start+count-1` (start a multiple of SCAN_BLOCK, count ≤ SCAN_BLOCK) whose goodness beats `threshold`. */
  select(kind: ScanKind, start: number, count: number, qScale: number, threshold: number): Selection;
  /** Rows `positions[offset … offset+count-1]` (count ≤ SCAN_BLOCK) whose goodness beats `threshold`. */
  selectRows(
    kind: ScanKind,
    positions: Int32Array,
    offset: number,
    count: number,
    qScale: number,
    threshold: number,
  ): Selection;
}

/** Creates scan matrices; one per shard and format. */
export interface MatrixFactory {
  /** Kernel family, reported by benchmarks and shard stats. */
  readonly name: string;
  create(format: RowFormat, dimensions: number): RowMatrix;
}

/**
 * Largest magnitude of an i8 query code. Seven bits (not 8 or 16) because the SIMD kernel
 * multiplies int8 rows by a 7-bit operand (relaxed dot product); bench/vectors measures
 * that recall@10 after exact re-scoring does not change.
 */
export const QUERY_I8_MAX = 63;

/** Checks that a kernel kind fits a row format. */
export function assertKind(format: RowFormat, kind: ScanKind): void {
  const ok = format === "f32" ? kind !== "hamming" : format === "bits" ? kind === "hamming" : kind === "dot";
  if (!ok) throw new Error(`scan kind ${kind} does not apply to ${format} rows`);
}

/** Next capacity when growing: 1.5x, at least `needed`, at least 64 rows, a multiple of 4. */
export function grownCapacity(current: number, needed: number): number {
  const rows = Math.max(needed, Math.ceil(current * 1.5), 64);
  return Math.ceil(rows / 4) * 4;
}

/** Set bits of a 32-bit word (SWAR popcount). */
function popcount32(v: number): number {
  let x = v - ((v >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) as number;
}

/** Plain TypeScript kernels over ArrayBuffers: the portable reference and fallback. */
export const jsMatrices: MatrixFactory = {
  name: "js",
  create: (format, dimensions) => new JsMatrix(format, dimensions),
};

class JsMatrix implements RowMatrix {
  readonly stride: number;
  readonly #elements: number;
  #capacity = 0;
  #bytes = new Uint8Array(0);
  #f32 = new Float32Array(0);
  #i8 = new Int8Array(0);
  #u32 = new Uint32Array(0);
  #mul = new Float32Array(0);
  #add = new Float32Array(0);
  #query: Float32Array | Int8Array | Uint8Array = new Float32Array(0);
  readonly #positions = new Int32Array(SCAN_BLOCK);
  readonly #goodness = new Float32Array(SCAN_BLOCK);

  constructor(
    readonly format: RowFormat,
    readonly dimensions: number,
  ) {
    this.stride = rowBytes(format, dimensions);
    this.#elements = rowElements(format, dimensions);
  }

  get capacity(): number {
    return this.#capacity;
  }

  get reservedBytes(): number {
    return this.#bytes.byteLength + 8 * this.#capacity + 8 * SCAN_BLOCK;
  }

  reserve(rows: number): void {
    if (rows <= this.#capacity) return;
    const capacity = grownCapacity(this.#capacity, rows);
    const next = new ArrayBuffer(capacity * this.stride);
    new Uint8Array(next).set(this.#bytes);
    this.#bytes = new Uint8Array(next);
    this.#f32 = new Float32Array(next);
    this.#i8 = new Int8Array(next);
    this.#u32 = new Uint32Array(next);
    const mul = new Float32Array(capacity);
    mul.set(this.#mul);
    this.#mul = mul;
    const add = new Float32Array(capacity);
    add.set(this.#add);
    this.#add = add;
    this.#capacity = capacity;
  }

  setRow(index: number, code: Uint8Array, mul: number, add: number): void {
    checkRow(this, index, code);
    const start = index * this.stride;
    this.#bytes.fill(0, start, start + this.stride);
    this.#bytes.set(code, start);
    this.#mul[index] = mul;
    this.#add[index] = add;
  }

  copyRow(from: number, to: number): void {
    this.#bytes.copyWithin(to * this.stride, from * this.stride, (from + 1) * this.stride);
    this.#mul[to] = this.#mul[from] as number;
    this.#add[to] = this.#add[from] as number;
  }

  setQuery(query: Float32Array | Int8Array | Uint8Array): void {
    if (this.format === "i8") {
      for (const q of query)
        if (q < -QUERY_I8_MAX || q > QUERY_I8_MAX) throw new RangeError(`i8 query code ${q} is out of range`);
    }
    // The Hamming kernel reads the query as 32-bit words, which need 4-byte alignment.
    this.#query = query.byteOffset % 4 === 0 ? query : query.slice();
  }

  select(kind: ScanKind, start: number, count: number, qScale: number, threshold: number): Selection {
    return this.#select(kind, null, start, count, qScale, threshold);
  }

  selectRows(
    kind: ScanKind,
    positions: Int32Array,
    offset: number,
    count: number,
    qScale: number,
    threshold: number,
  ): Selection {
    return this.#select(kind, positions, offset, count, qScale, threshold);
  }

  #select(
    kind: ScanKind,
    positions: Int32Array | null,
    offset: number,
    count: number,
    qScale: number,
    threshold: number,
  ): Selection {
    assertKind(this.format, kind);
    const score = this.#kernel(kind);
    const mul = this.#mul;
    const add = this.#add;
    let n = 0;
    for (let j = 0; j < count; j++) {
      const row = positions ? (positions[offset + j] as number) : offset + j;
      // float32 at every step, exactly as the SIMD kernels compute it.
      const g = Math.fround(
        Math.fround(Math.fround(Math.fround(score(row)) * (mul[row] as number)) * Math.fround(qScale)) +
          (add[row] as number),
      );
      if (g > threshold) {
        this.#positions[n] = row;
        this.#goodness[n++] = g;
      }
    }
    return { count: n, positions: this.#positions, goodness: this.#goodness };
  }

  /**
   * The per-row raw score for a kind, specialised so each loop stays monomorphic. Rows
   * are padded (f32 to 4 floats, i8 and bits to 16 bytes), so the loops unroll by 4 with
   * independent accumulators and no remainder.
   */
  #kernel(kind: ScanKind): (row: number) => number {
    const n = this.#elements;
    if (this.format === "f32") {
      const q = this.#query as Float32Array;
      const x = this.#f32;
      if (kind === "dot") {
        return (row) => {
          const base = row * n;
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          for (let i = 0; i < n; i += 4) {
            const b = base + i;
            s0 += (q[i] as number) * (x[b] as number);
            s1 += (q[i + 1] as number) * (x[b + 1] as number);
            s2 += (q[i + 2] as number) * (x[b + 2] as number);
            s3 += (q[i + 3] as number) * (x[b + 3] as number);
          }
          return s0 + s1 + (s2 + s3);
        };
      }
      return (row) => {
        const base = row * n;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let i = 0; i < n; i += 4) {
          const b = base + i;
          const d0 = (q[i] as number) - (x[b] as number);
          const d1 = (q[i + 1] as number) - (x[b + 1] as number);
          const d2 = (q[i + 2] as number) - (x[b + 2] as number);
          const d3 = (q[i + 3] as number) - (x[b + 3] as number);
          s0 += d0 * d0;
          s1 += d1 * d1;
          s2 += d2 * d2;
          s3 += d3 * d3;
        }
        return s0 + s1 + (s2 + s3);
      };
    }
    if (this.format === "i8") {
      const q = this.#query as Int8Array;
      const x = this.#i8;
      return (row) => {
        const base = row * n;
        // Products fit in 14 bits and a row has at most 1536 of them, so int32 sums are exact.
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let i = 0; i < n; i += 4) {
          const b = base + i;
          s0 = (s0 + Math.imul(q[i] as number, x[b] as number)) | 0;
          s1 = (s1 + Math.imul(q[i + 1] as number, x[b + 1] as number)) | 0;
          s2 = (s2 + Math.imul(q[i + 2] as number, x[b + 2] as number)) | 0;
          s3 = (s3 + Math.imul(q[i + 3] as number, x[b + 3] as number)) | 0;
        }
        return s0 + s1 + s2 + s3;
      };
    }
    if (this.format === "i4") {
      const q = this.#query as Int8Array;
      const x = this.#bytes;
      return (row) => {
        const base = row * n;
        let s = 0;
        for (let c = 0; c < n; c += 16) {
          for (let k = 0; k < 16; k++) {
            const b = x[base + c + k] as number;
            s += (q[2 * c + k] as number) * ((b & 15) - 8) + (q[2 * c + 16 + k] as number) * ((b >> 4) - 8);
          }
        }
        return s;
      };
    }
    const q = new Uint32Array(this.#query.buffer, this.#query.byteOffset, n >> 2);
    const x = this.#u32;
    const words = n >> 2;
    return (row) => {
      const base = row * words;
      let h = 0;
      for (let i = 0; i < words; i += 2) {
        h +=
          popcount32(((q[i] as number) ^ (x[base + i] as number)) >>> 0) +
          popcount32(((q[i + 1] as number) ^ (x[base + i + 1] as number)) >>> 0);
      }
      return h;
    };
  }
}

/** Rejects a row index or code that does not fit the matrix (a caller bug, not user input). */
export function checkRow(matrix: RowMatrix, index: number, code: Uint8Array): void {
  if (!(index >= 0 && index < matrix.capacity))
    throw new RangeError(`row ${index} is outside the matrix capacity ${matrix.capacity}`);
  if (code.byteLength > matrix.stride)
    throw new RangeError(`row code of ${code.byteLength} bytes exceeds the ${matrix.stride}-byte stride`);
}
