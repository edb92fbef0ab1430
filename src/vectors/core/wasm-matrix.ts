/**
 * The WebAssembly SIMD adapter of the scan matrix port: rows live in the linear memory of
 * one instance of src/vectors/wasm/scan-kernels.wasm (assembled by wasm-assembler.ts) per
 * matrix, and a block scan is one call into the module. Pure: the caller supplies the
 * compiled module (workerd imports it; Node compiles the file), since Workers may not
 * compile WebAssembly from bytes at run time.
 */

import {
  assertKind,
  grownCapacity,
  type MatrixFactory,
  type RowMatrix,
  SCAN_BLOCK,
  type ScanKind,
} from "./matrix";
import { type RowFormat, rowBytes } from "./quantize";
import type { WasmKernel } from "./wasm-assembler";

type Scan = (q: number, x: number, n: number, stride: number, rows: number, out: number) => void;
type Gather = (
  q: number,
  base: number,
  n: number,
  stride: number,
  pos: number,
  count: number,
  out: number,
) => void;

/** Linear memory layout: query, score block, gathered positions, then rows. */
const QUERY = 0;
const QUERY_BYTES = 8192;
const OUT = QUERY + QUERY_BYTES;
const POS = OUT + SCAN_BLOCK * 4;
const ROWS = POS + SCAN_BLOCK * 4;
const PAGE = 65536;

/** Scan matrices over WebAssembly SIMD kernels from a compiled `scan-kernels.wasm`. */
export function wasmMatrices(module: WebAssembly.Module): MatrixFactory {
  return { name: "wasm-simd", create: (format, dimensions) => new WasmMatrix(module, format, dimensions) };
}

function kernelFor(format: RowFormat, kind: ScanKind): WasmKernel {
  assertKind(format, kind);
  if (format === "f32") return kind === "dot" ? "dot_f32" : "l2_f32";
  return format === "i8" ? "dot_i8" : "hamming";
}

class WasmMatrix implements RowMatrix {
  readonly stride: number;
  readonly #memory: WebAssembly.Memory;
  readonly #exports: Record<string, unknown>;
  #capacity = 0;
  #bytes: Uint8Array;

  constructor(
    module: WebAssembly.Module,
    readonly format: RowFormat,
    readonly dimensions: number,
  ) {
    this.stride = rowBytes(format, dimensions);
    const instance = new WebAssembly.Instance(module, {});
    this.#exports = instance.exports as Record<string, unknown>;
    this.#memory = this.#exports.memory as WebAssembly.Memory;
    this.#memory.grow(Math.ceil(ROWS / PAGE));
    this.#bytes = new Uint8Array(this.#memory.buffer);
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
    const pages = Math.ceil((ROWS + capacity * this.stride) / PAGE) - this.#memory.buffer.byteLength / PAGE;
    if (pages > 0) this.#memory.grow(pages);
    this.#capacity = capacity;
    this.#bytes = new Uint8Array(this.#memory.buffer);
  }

  row(index: number): Uint8Array {
    const start = ROWS + index * this.stride;
    return this.#bytes.subarray(start, start + this.stride);
  }

  copyRow(from: number, to: number): void {
    this.#bytes.copyWithin(
      ROWS + to * this.stride,
      ROWS + from * this.stride,
      ROWS + (from + 1) * this.stride,
    );
  }

  setQuery(query: Float32Array | Int16Array | Uint8Array): void {
    if (query.byteLength > QUERY_BYTES)
      throw new RangeError(`query of ${query.byteLength} bytes exceeds ${QUERY_BYTES}`);
    this.#bytes.fill(0, QUERY, QUERY + QUERY_BYTES);
    this.#bytes.set(new Uint8Array(query.buffer, query.byteOffset, query.byteLength), QUERY);
  }

  scan(kind: ScanKind, start: number, count: number): Float32Array {
    const scan = this.#exports[`scan_${kernelFor(this.format, kind)}`] as Scan;
    scan(QUERY, ROWS + start * this.stride, this.stride, this.stride, count, OUT);
    return new Float32Array(this.#memory.buffer, OUT, count);
  }

  scanRows(kind: ScanKind, positions: Int32Array, offset: number, count: number): Float32Array {
    const gather = this.#exports[`gather_${kernelFor(this.format, kind)}`] as Gather;
    new Int32Array(this.#memory.buffer, POS, count).set(positions.subarray(offset, offset + count));
    gather(QUERY, ROWS, this.stride, this.stride, POS, count, OUT);
    return new Float32Array(this.#memory.buffer, OUT, count);
  }
}
