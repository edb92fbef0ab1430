/**
 * The scan matrix port: a growable table of fixed-width rows plus the kernels that score
 * a query against them. Two adapters implement it: {@link jsMatrices} (plain typed arrays,
 * runs anywhere) and `wasmMatrices` (WebAssembly SIMD over the module's linear memory).
 * Pure: imports nothing from the runtime.
 */

import { type RowFormat, rowBytes, rowElements } from "./quantize";

/** Rows scored per kernel call; also the size of the score buffer. */
export const SCAN_BLOCK = 4096;

/** What a kernel computes per row: dot product, squared L2 distance, or Hamming distance. */
export type ScanKind = "dot" | "l2" | "hamming";

/** A growable table of encoded rows with scoring kernels. */
export interface RowMatrix {
  readonly format: RowFormat;
  readonly dimensions: number;
  /** Bytes per row. */
  readonly stride: number;
  /** Rows that fit without growing. */
  readonly capacity: number;
  /** Bytes held by the matrix (rows, query and score buffers). */
  readonly reservedBytes: number;
  /** Makes room for at least `rows` rows, keeping existing rows. */
  reserve(rows: number): void;
  /** A writable byte view of one row, valid until the next {@link reserve}. */
  row(index: number): Uint8Array;
  /** Copies row `from` over row `to`. */
  copyRow(from: number, to: number): void;
  /**
   * Sets the query for following scans: a Float32Array of `dimensions` for `f32`, an
   * Int16Array code for `i8`, packed sign bits for `bits`.
   */
  setQuery(query: Float32Array | Int16Array | Uint8Array): void;
  /** Scores rows `start … start+count-1` (count ≤ SCAN_BLOCK); the view is reused by the next call. */
  scan(kind: ScanKind, start: number, count: number): Float32Array;
  /** Scores the rows `positions[offset … offset+count-1]` (count ≤ SCAN_BLOCK). */
  scanRows(kind: ScanKind, positions: Int32Array, offset: number, count: number): Float32Array;
}

/** Creates scan matrices; one per shard and format. */
export interface MatrixFactory {
  /** Kernel family, reported by benchmarks and shard stats. */
  readonly name: string;
  create(format: RowFormat, dimensions: number): RowMatrix;
}

/** Checks that a kernel kind fits a row format. */
export function assertKind(format: RowFormat, kind: ScanKind): void {
  const ok = format === "f32" ? kind !== "hamming" : format === "i8" ? kind === "dot" : kind === "hamming";
  if (!ok) throw new Error(`scan kind ${kind} does not apply to ${format} rows`);
}

/** Next capacity when growing: 1.5x, at least `needed`, at least 64 rows. */
export function grownCapacity(current: number, needed: number): number {
  return Math.max(needed, Math.ceil(current * 1.5), 64);
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
  #query: Float32Array | Int16Array | Uint8Array = new Float32Array(0);
  readonly #out = new Float32Array(SCAN_BLOCK);

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
    return this.#bytes.byteLength + this.#out.byteLength;
  }

  reserve(rows: number): void {
    if (rows <= this.#capacity) return;
    const capacity = grownCapacity(this.#capacity, rows);
    const next = new ArrayBuffer(capacity * this.stride);
    new Uint8Array(next).set(this.#bytes);
    this.#capacity = capacity;
    this.#bytes = new Uint8Array(next);
    this.#f32 = new Float32Array(next);
    this.#i8 = new Int8Array(next);
    this.#u32 = new Uint32Array(next);
  }

  row(index: number): Uint8Array {
    return this.#bytes.subarray(index * this.stride, (index + 1) * this.stride);
  }

  copyRow(from: number, to: number): void {
    this.#bytes.copyWithin(to * this.stride, from * this.stride, (from + 1) * this.stride);
  }

  setQuery(query: Float32Array | Int16Array | Uint8Array): void {
    // The Hamming kernel reads the query as 32-bit words, which need 4-byte alignment.
    this.#query = query.byteOffset % 4 === 0 ? query : query.slice();
  }

  scan(kind: ScanKind, start: number, count: number): Float32Array {
    assertKind(this.format, kind);
    const score = this.#kernel(kind);
    const out = this.#out;
    for (let j = 0; j < count; j++) out[j] = score(start + j);
    return out.subarray(0, count);
  }

  scanRows(kind: ScanKind, positions: Int32Array, offset: number, count: number): Float32Array {
    assertKind(this.format, kind);
    const score = this.#kernel(kind);
    const out = this.#out;
    for (let j = 0; j < count; j++) out[j] = score(positions[offset + j] as number);
    return out.subarray(0, count);
  }

  /**
   * The per-row scoring function for a kind, specialised so each loop stays monomorphic.
   * Rows are padded (f32 to 4 floats, i8 to 16 bytes, bits to 8 bytes), so the loops
   * unroll by 4 with independent accumulators and no remainder.
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
      const q = this.#query as Int16Array;
      const x = this.#i8;
      return (row) => {
        const base = row * n;
        // Products fit in 23 bits and a row has at most 1536 of them, so int32 sums are exact.
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
