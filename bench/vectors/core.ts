/**
 * Exact and quantized search of the shard's scan structure (src/vectors/core/scan-index.ts,
 * the same code VectorShard runs), measured in Node on a benchmark vector set. Row ids are
 * `index + 1`, like SQLite rowids; re-scoring reads exact vectors from the set, as the
 * shard reads them from SQLite.
 */
import { readFileSync } from "node:fs";
import type { MatrixFactory } from "../../src/vectors/core/matrix";
import type { RowFormat } from "../../src/vectors/core/quantize";
import { ScanIndex } from "../../src/vectors/core/scan-index";
import { wasmMatrices } from "../../src/vectors/core/wasm-matrix";
import { rowOf, type VectorSet } from "./data";
import { quantile } from "./stats";

/** The WebAssembly SIMD kernels VectorShard uses, compiled from the committed module. */
export const simdMatrices: MatrixFactory = wasmMatrices(
  new WebAssembly.Module(readFileSync(new URL("../../src/vectors/wasm/scan-kernels.wasm", import.meta.url))),
);

/** A built scan index over a set (or a slice of it). */
export interface BuiltIndex {
  index: ScanIndex;
  exactVectors: (rowids: number[]) => Map<number, Float32Array>;
}

/** Builds a cosine scan index of `format` over rows `from … to-1` of `set`. */
export function buildIndex(
  set: VectorSet,
  format: RowFormat,
  from = 0,
  to = set.count,
  matrices: MatrixFactory = simdMatrices,
): BuiltIndex {
  const index = new ScanIndex({
    dimensions: set.dimensions,
    metric: "cosine",
    format,
    matrices,
    columns: () => [],
  });
  index.reserve(to - from);
  for (let i = from; i < to; i++) index.put(i + 1, null, rowOf(set, i));
  const exactVectors = (rowids: number[]) => {
    const out = new Map<number, Float32Array>();
    for (const r of rowids) out.set(r, rowOf(set, r - 1));
    return out;
  };
  return { index, exactVectors };
}

/** Latencies (ms) and result ids of one pass of queries. */
export interface QueryPass {
  latencies: number[];
  results: number[][];
}

/** Runs every query once against one or more indexes (merged like the fan-out), timing each. */
export function runQueries(built: BuiltIndex[], queries: VectorSet, topK: number, pool?: number): QueryPass {
  const latencies: number[] = [];
  const results: number[][] = [];
  for (let q = 0; q < queries.count; q++) {
    const vector = rowOf(queries, q);
    const start = performance.now();
    const hits = built.flatMap((b) => b.index.search(vector, { topK, pool, exactVectors: b.exactVectors }));
    hits.sort((a, b) => b.score - a.score || a.rowid - b.rowid);
    latencies.push(performance.now() - start);
    results.push(hits.slice(0, topK).map((h) => h.rowid));
  }
  return { latencies, results };
}

/** p50 and p99 of a pass. */
export function percentiles(pass: QueryPass): { p50: number; p99: number } {
  return { p50: quantile(pass.latencies, 0.5), p99: quantile(pass.latencies, 0.99) };
}
