/**
 * The WebAssembly SIMD adapter of the scan matrix port: rows live in the linear memory of
 * one instance of src/vectors/wasm/scan-kernels.wasm (assembled by wasm-assembler.ts) per
 * matrix, in groups of four rows followed by their coefficients, and a block scan is one
 * call into the module that returns only the rows beating the threshold. Pure: the caller
 * supplies the compiled module (workerd imports it; Node compiles the file), since Workers
 * may not compile WebAssembly from bytes at run time.
 */

import {
  assertKind,
  checkRow,
  grownCapacity,
  type MatrixFactory,
  QUERY_I8_MAX,
  type RowMatrix,
  SCAN_BLOCK,
  type ScanKind,
  type Selection,
} from "./matrix";
import { type RowFormat, rowBytes } from "./quantize";
import { GROUP_COEF_BYTES, GROUP_ROWS, I8_QUERY_BIAS, type WasmKernel } from "./wasm-assembler";

type Kernel = (
  q: number,
  rows: number,
  stride: number,
  src: number,
  count: number,
  qScale: number,
  threshold: number,
  outPos: number,
  outG: number,
  bias: number,
) => number;

/** Linear memory layout: query, candidate positions and goodness, gathered positions, then row groups. */
const QUERY = 0;
const QUERY_BYTES = 8192;
const OUT_POS = QUERY + QUERY_BYTES;
const OUT_G = OUT_POS + SCAN_BLOCK * 4;
const POS = OUT_G + SCAN_BLOCK * 4;
const ROWS = POS + SCAN_BLOCK * 4;
const PAGE = 65536;

/** int4 codes are stored plus this, so the kernel's raw score carries 8·Σq. */
const INT4_BIAS = 8;

/** The Hamming kernel counts bits per byte lane in 8 bits: at most 31 chunks of 16 bytes. */
const MAX_BITS_STRIDE = 31 * 16;

/** Scan matrices over WebAssembly SIMD kernels from a compiled `scan-kernels.wasm`. */
export function wasmMatrices(module: WebAssembly.Module): MatrixFactory {
  return { name: "wasm-simd", create: (format, dimensions) => new WasmMatrix(module, format, dimensions) };
}

function kernelFor(format: RowFormat, kind: ScanKind): WasmKernel {
  assertKind(format, kind);
  if (format === "f32") return kind === "dot" ? "dot_f32" : "l2_f32";
  if (format === "i4") return "dot_i4";
  return format === "i8" ? "dot_i8" : "hamming";
}

class WasmMatrix implements RowMatrix {
  readonly stride: number;
  /** Bytes of one group: four rows, then their coefficients. */
  readonly #group: number;
  readonly #memory: WebAssembly.Memory;
  readonly #exports: Record<string, unknown>;
  #capacity = 0;
  #bytes: Uint8Array;
  #view: DataView;
  #selection: Selection | null = null;
  /** Subtracted from every raw score: 8·Σq for int4 rows, whose codes are stored plus 8. */
  #bias = 0;

  constructor(
    module: WebAssembly.Module,
    readonly format: RowFormat,
    readonly dimensions: number,
  ) {
    this.stride = rowBytes(format, dimensions);
    if (format === "bits" && this.stride > MAX_BITS_STRIDE)
      throw new RangeError(`binary rows of ${dimensions} dimensions exceed the Hamming kernel's limit`);
    this.#group = GROUP_ROWS * this.stride + GROUP_COEF_BYTES;
    const instance = new WebAssembly.Instance(module, {});
    this.#exports = instance.exports as Record<string, unknown>;
    this.#memory = this.#exports.memory as WebAssembly.Memory;
    this.#memory.grow(Math.ceil(ROWS / PAGE));
    this.#bytes = new Uint8Array(this.#memory.buffer);
    this.#view = new DataView(this.#memory.buffer);
  }

  get capacity(): number {
    return this.#capacity;
  }

  get reservedBytes(): number {
    return this.#memory.buffer.byteLength;
  }

  reserve(rows: number): void {
    if (rows <= this.#capacity) return;
    const capacity = grownCapacity(this.#capacity, rows);
    const end = ROWS + (capacity / GROUP_ROWS) * this.#group;
    const pages = Math.ceil(end / PAGE) - this.#memory.buffer.byteLength / PAGE;
    if (pages > 0) this.#memory.grow(pages);
    this.#capacity = capacity;
    this.#bytes = new Uint8Array(this.#memory.buffer);
    this.#view = new DataView(this.#memory.buffer);
    this.#selection = null;
  }

  setRow(index: number, code: Uint8Array, mul: number, add: number): void {
    checkRow(this, index, code);
    const start = this.#rowAddress(index);
    this.#bytes.fill(0, start + code.byteLength, start + this.stride);
    this.#bytes.set(code, start);
    let offset = 0;
    if (this.format === "i8") {
      // The kernel multiplies by q + 64 to keep the query unsigned; this takes 64·Σx back out.
      let sum = 0;
      for (let i = 0; i < code.length; i++) sum += ((code[i] as number) << 24) >> 24;
      offset = I8_QUERY_BIAS * sum;
    }
    const c = this.#coefAddress(index);
    this.#view.setInt32(c, offset, true);
    this.#view.setFloat32(c + 16, mul, true);
    this.#view.setFloat32(c + 32, add, true);
  }

  copyRow(from: number, to: number): void {
    const source = this.#rowAddress(from);
    this.#bytes.copyWithin(this.#rowAddress(to), source, source + this.stride);
    const [f, t] = [this.#coefAddress(from), this.#coefAddress(to)];
    for (const lane of [0, 16, 32])
      this.#view.setUint32(t + lane, this.#view.getUint32(f + lane, true), true);
  }

  setQuery(query: Float32Array | Int8Array | Uint8Array): void {
    if (query.byteLength > QUERY_BYTES)
      throw new RangeError(`query of ${query.byteLength} bytes exceeds ${QUERY_BYTES}`);
    const bytes = this.#bytes;
    bytes.fill(0, QUERY, QUERY + QUERY_BYTES);
    if (this.format === "i8") {
      // Padding lanes carry the bias too; the matching row bytes are zero, so they add nothing.
      bytes.fill(I8_QUERY_BIAS, QUERY, QUERY + this.stride);
      for (let i = 0; i < query.length; i++) {
        const q = query[i] as number;
        if (q < -QUERY_I8_MAX || q > QUERY_I8_MAX) throw new RangeError(`i8 query code ${q} is out of range`);
        bytes[QUERY + i] = q + I8_QUERY_BIAS;
      }
      return;
    }
    bytes.set(new Uint8Array(query.buffer, query.byteOffset, query.byteLength), QUERY);
    if (this.format === "i4") {
      let sum = 0;
      for (const q of query) sum += q;
      this.#bias = INT4_BIAS * sum;
    }
  }

  select(kind: ScanKind, start: number, count: number, qScale: number, threshold: number): Selection {
    if (start % GROUP_ROWS !== 0)
      throw new RangeError(`scan start ${start} is not a multiple of ${GROUP_ROWS}`);
    if (count > SCAN_BLOCK || start + count > this.#capacity)
      throw new RangeError(`rows ${start}+${count} are outside the matrix`);
    const kernel = this.#exports[`select_${kernelFor(this.format, kind)}`] as Kernel;
    const n = kernel(QUERY, ROWS, this.stride, start, count, qScale, threshold, OUT_POS, OUT_G, this.#bias);
    return this.#result(n);
  }

  selectRows(
    kind: ScanKind,
    positions: Int32Array,
    offset: number,
    count: number,
    qScale: number,
    threshold: number,
  ): Selection {
    if (count > SCAN_BLOCK) throw new RangeError(`${count} rows exceed one block of ${SCAN_BLOCK}`);
    const kernel = this.#exports[`gather_${kernelFor(this.format, kind)}`] as Kernel;
    const padded = Math.ceil(count / GROUP_ROWS) * GROUP_ROWS;
    const list = new Int32Array(this.#memory.buffer, POS, padded);
    list.set(positions.subarray(offset, offset + count));
    for (let j = 0; j < count; j++) {
      const p = list[j] as number;
      if (!(p >= 0 && p < this.#capacity)) throw new RangeError(`row ${p} is outside the matrix`);
    }
    // The kernel scores whole groups of four; padding lanes repeat a valid row and are not returned.
    list.fill(count > 0 ? (list[0] as number) : 0, count, padded);
    const n = kernel(QUERY, ROWS, this.stride, POS, count, qScale, threshold, OUT_POS, OUT_G, this.#bias);
    return this.#result(n);
  }

  #result(count: number): Selection {
    if (!this.#selection || this.#selection.positions.buffer !== this.#memory.buffer) {
      this.#selection = {
        count: 0,
        positions: new Int32Array(this.#memory.buffer, OUT_POS, SCAN_BLOCK),
        goodness: new Float32Array(this.#memory.buffer, OUT_G, SCAN_BLOCK),
      };
    }
    this.#selection.count = count;
    return this.#selection;
  }

  #rowAddress(index: number): number {
    return ROWS + Math.floor(index / GROUP_ROWS) * this.#group + (index % GROUP_ROWS) * this.stride;
  }

  #coefAddress(index: number): number {
    return (
      ROWS +
      Math.floor(index / GROUP_ROWS) * this.#group +
      GROUP_ROWS * this.stride +
      (index % GROUP_ROWS) * 4
    );
  }
}
