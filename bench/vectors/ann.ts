/**
 * Reference approximate indexes on the same vectors: hnswlib-node and usearch (HNSW,
 * native). They are NOT project dependencies (CI never builds them); install them for a
 * benchmark run with `npm i --no-save hnswlib-node usearch`. A missing module is reported
 * and skipped.
 */
import { createRequire } from "node:module";
import { rowOf, type VectorSet } from "./data";
import { quantile } from "./stats";

const require = createRequire(import.meta.url);

/** Figures of one reference index. */
export interface AnnResult {
  name: string;
  buildSeconds: number;
  results: number[][];
  latencies: number[];
}

/** HNSW parameters shared by both libraries so their figures compare. */
export const HNSW = { m: 16, efConstruction: 128, efSearch: 64 } as const;

function load(name: string): unknown | null {
  try {
    return require(name);
  } catch (err) {
    console.log(`  ${name}: not installed (${(err as Error).message.split("\n")[0]}); skipped`);
    return null;
  }
}

/** hnswlib-node, cosine, row ids `index + 1`. */
export function hnswlib(set: VectorSet, queries: VectorSet, topK: number): AnnResult | null {
  const mod = load("hnswlib-node") as {
    HierarchicalNSW: new (
      space: string,
      dims: number,
    ) => {
      initIndex(max: number, m: number, ef: number, seed: number): void;
      addPoint(p: number[], label: number): void;
      setEf(ef: number): void;
      searchKnn(p: number[], k: number): { neighbors: number[] };
    };
  } | null;
  if (!mod) return null;
  const index = new mod.HierarchicalNSW("cosine", set.dimensions);
  const t0 = performance.now();
  index.initIndex(set.count, HNSW.m, HNSW.efConstruction, 100);
  for (let i = 0; i < set.count; i++) index.addPoint(Array.from(rowOf(set, i)), i + 1);
  const buildSeconds = (performance.now() - t0) / 1000;
  index.setEf(HNSW.efSearch);
  const latencies: number[] = [];
  const results: number[][] = [];
  for (let q = 0; q < queries.count; q++) {
    const vector = Array.from(rowOf(queries, q));
    const start = performance.now();
    const { neighbors } = index.searchKnn(vector, topK);
    latencies.push(performance.now() - start);
    results.push(neighbors);
  }
  return { name: "hnswlib-node", buildSeconds, results, latencies };
}

/** usearch, cosine, f32, row ids `index + 1`; built with 2 threads, searched with 1. */
export function usearch(set: VectorSet, queries: VectorSet, topK: number): AnnResult | null {
  const mod = load("usearch") as {
    Index: new (
      o: Record<string, unknown>,
    ) => {
      add(keys: BigUint64Array, vectors: Float32Array, threads?: number): void;
      search(v: Float32Array, k: number, threads?: number): { keys: BigUint64Array };
    };
  } | null;
  if (!mod) return null;
  const index = new mod.Index({
    dimensions: set.dimensions,
    metric: "cos",
    quantization: "f32",
    connectivity: HNSW.m,
    expansion_add: HNSW.efConstruction,
    expansion_search: HNSW.efSearch,
  });
  const t0 = performance.now();
  const keys = BigUint64Array.from({ length: set.count }, (_, i) => BigInt(i + 1));
  index.add(keys, set.data, 2);
  const buildSeconds = (performance.now() - t0) / 1000;
  const latencies: number[] = [];
  const results: number[][] = [];
  for (let q = 0; q < queries.count; q++) {
    const vector = rowOf(queries, q);
    const start = performance.now();
    const found = index.search(vector, topK, 1);
    latencies.push(performance.now() - start);
    results.push(Array.from(found.keys, Number));
  }
  return { name: "usearch", buildSeconds, results, latencies };
}

/** Queries per second from per-query latencies (single thread). */
export function qps(latencies: readonly number[]): number {
  return 1000 / Math.max(1e-9, quantile(latencies, 0.5));
}
