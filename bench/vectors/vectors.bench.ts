/**
 * The vector index benchmark (issue #4): one run, the same vectors for every engine.
 *
 *   npx tsx --expose-gc bench/vectors/vectors.bench.ts [--rows 100000] [--queries 200] [--runs 3]
 *     [--million 1000000] [--shards 10] [--pools 10,40] [--pools4 20,40] [--quantization auto]
 *     [--no-ann] [--no-shard]
 *     [--only bandwidth,random,scifact,million,shard,fanout]
 *
 * Prints figures (median and min–max over runs) and writes bench/out/vectors.json.
 * Sections: memory-scan bandwidth; per data set (random unit vectors, SciFact hash-384)
 * exact and quantized search of the shard's scan code with recall@10 vs exact, plus
 * hnswlib-node and usearch; 1M random vectors across shards, in Node (the scan code) and
 * end to end through LocalVectorIndex and VectorShard Durable Objects on Miniflare
 * (fanout.ts); insert throughput and cold start of one VectorShard (shard.ts).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { jsMatrices } from "../../src/vectors/core/matrix";
import type { RowFormat } from "../../src/vectors/core/quantize";
import { hnswlib, qps, usearch } from "./ann";
import { scanBandwidth } from "./bandwidth";
import { type BuiltIndex, buildIndex, percentiles, runQueries } from "./core";
import { embedSet, randomUnitVectors, scifactClaims, scifactPassages, type VectorSet } from "./data";
import { fanoutBenchmark } from "./fanout";
import { shardBenchmark } from "./shard";
import { loadAverage, mean, quantile, recall, spread } from "./stats";

/** Benchmark sections, in run order. */
const SECTIONS = ["bandwidth", "random", "scifact", "million", "shard", "fanout"] as const;

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "100000" },
    queries: { type: "string", default: "200" },
    runs: { type: "string", default: "3" },
    million: { type: "string", default: "1000000" },
    shards: { type: "string", default: "10" },
    "no-ann": { type: "boolean", default: false },
    "no-shard": { type: "boolean", default: false },
    pools: { type: "string", default: "10,40" },
    pools4: { type: "string", default: "20,40" },
    quantization: { type: "string", default: "auto" },
    only: { type: "string", default: SECTIONS.join(",") },
  },
});
/** Sections to run (`--only random,shard`); `--no-ann` and `--no-shard` still apply. */
const ONLY = new Set(args.only.split(","));
for (const s of ONLY)
  if (!(SECTIONS as readonly string[]).includes(s))
    throw new Error(`--only: unknown section ${s}; use ${SECTIONS.join(",")}`);
const ROWS = Number(args.rows);
const QUERIES = Number(args.queries);
const RUNS = Number(args.runs);
const MILLION = Number(args.million);
const SHARDS = Number(args.shards);
/** Extra int8 re-score pools measured next to the default, for the recall trade-off. */
const I8_POOLS = args.pools.split(",").filter(Boolean).map(Number);
/** Extra int4 re-score pools measured next to its default. */
const I4_POOLS = args.pools4.split(",").filter(Boolean).map(Number);
const DIMS = 384;
const TOP_K = 10;
const report: Record<string, unknown> = {};

function meanRecall(truth: number[][], got: number[][]): number {
  return mean(truth.map((t, i) => recall(t, got[i] ?? [])));
}

/** Repeats a query pass `RUNS` times; returns per-run p50/p99 and the last pass's ids. */
function repeated(built: BuiltIndex[], queries: VectorSet, pool?: number) {
  const p50: number[] = [];
  const p99: number[] = [];
  let results: number[][] = [];
  // A collection now, not during the timed passes: building the previous variant's index left
  // hundreds of MiB of garbage (run with --expose-gc, as the header says, for this to apply).
  (globalThis as { gc?: () => void }).gc?.();
  runQueries(built, { ...queries, count: Math.min(queries.count, 20) }, TOP_K, pool); // JIT warm-up
  for (let r = 0; r < RUNS; r++) {
    const pass = runQueries(built, queries, TOP_K, pool);
    const p = percentiles(pass);
    p50.push(p.p50);
    p99.push(p.p99);
    results = pass.results;
  }
  return { p50, p99, results };
}

async function dataSet(set: VectorSet, queries: VectorSet) {
  console.log(`\n## ${set.name}: ${set.count} × ${set.dimensions}, ${queries.count} queries, top-${TOP_K}`);
  const out: Record<string, unknown> = {};
  const exactBuilt = buildIndex(set, "f32");
  const exact = repeated([exactBuilt], queries);
  console.log(
    `  exact f32 (wasm-simd) p50 ${spread(exact.p50, 2)} ms   p99 ${spread(exact.p99, 2)} ms   (${(exactBuilt.index.bytes / 2 ** 20).toFixed(0)} MiB in memory)`,
  );
  out.exact = { p50: exact.p50, p99: exact.p99 };
  const jsExact = repeated([buildIndex(set, "f32", 0, set.count, jsMatrices)], queries);
  console.log(
    `  exact f32, JS kernels (fallback) p50 ${spread(jsExact.p50, 2)} ms   p99 ${spread(jsExact.p99, 2)} ms`,
  );
  out.exactJs = { p50: jsExact.p50, p99: jsExact.p99 };
  const truth = exact.results;
  // int8 with the default pool and the sweep that chose it (OVERSAMPLE in scan-index.ts).
  const variants: [RowFormat, number | undefined][] = [
    ["i8", undefined],
    ...I8_POOLS.map((pool): [RowFormat, number] => ["i8", pool]),
    ["i4", undefined],
    ...I4_POOLS.map((pool): [RowFormat, number] => ["i4", pool]),
    ["bits", undefined],
    ["bits", 1000],
    ["bits", 2000],
  ];
  const built = new Map<RowFormat, BuiltIndex>();
  for (const [format, pool] of variants) {
    let b = built.get(format);
    if (!b) {
      b = buildIndex(set, format);
      built.set(format, b);
    }
    const r = repeated([b], queries, pool);
    const rec = meanRecall(truth, r.results);
    const label = `${format}${pool ? ` pool ${pool}` : " (default pool)"}`.padEnd(20);
    console.log(
      `  ${label} p50 ${spread(r.p50, 2)} ms   p99 ${spread(r.p99, 2)} ms   recall@10 ${rec.toFixed(3)}   (${(b.index.bytes / 2 ** 20).toFixed(0)} MiB)`,
    );
    out[`${format}${pool ? `-pool${pool}` : ""}`] = {
      p50: r.p50,
      p99: r.p99,
      recall: rec,
      bytes: b.index.bytes,
    };
  }
  out.exactQps = 1000 / quantile(exact.p50, 0.5);
  console.log(`  exact QPS (1 thread) ${(out.exactQps as number).toFixed(0)}`);
  if (!args["no-ann"]) {
    for (const ann of [hnswlib, usearch]) {
      const r = ann(set, queries, TOP_K);
      if (!r) continue;
      const rec = meanRecall(truth, r.results);
      console.log(
        `  ${r.name.padEnd(14)} p50 ${quantile(r.latencies, 0.5).toFixed(3)} ms   QPS ${qps(r.latencies).toFixed(0)}   recall@10 ${rec.toFixed(3)}   build ${r.buildSeconds.toFixed(1)} s`,
      );
      out[r.name] = {
        p50: quantile(r.latencies, 0.5),
        qps: qps(r.latencies),
        recall: rec,
        build: r.buildSeconds,
      };
    }
  }
  return out;
}

/** The large set of the `million` and `fanout` sections, built once. */
let largeSet: { set: VectorSet; queries: VectorSet } | null = null;
function large() {
  largeSet ??= {
    set: randomUnitVectors(`random-${MILLION}`, MILLION, DIMS, 7),
    queries: randomUnitVectors("random-queries", Math.min(QUERIES, 100), DIMS, 8),
  };
  return largeSet;
}

async function million() {
  const { set, queries } = large();
  const per = Math.ceil(MILLION / SHARDS);
  const out: Record<string, unknown> = { rowsPerShard: per };
  for (const format of ["i8", "i4"] as const) {
    console.log(
      `\n## ${MILLION} random unit vectors across ${SHARDS} shards (${format}${format === "i8" ? ", as `auto` picks" : ""}), top-${TOP_K}, scan code in Node`,
    );
    const shards: BuiltIndex[] = [];
    for (let s = 0; s < SHARDS; s++)
      shards.push(buildIndex(set, format, s * per, Math.min(MILLION, (s + 1) * per)));
    const peak = Math.max(...shards.map((s) => s.index.bytes));
    // One Node thread runs the shards one after another; Durable Objects run them in
    // parallel, so the fan-out latency is the slowest shard plus the merge.
    const sequential = repeated(shards, queries);
    const perShard = repeated([shards[0] as BuiltIndex], queries);
    console.log(
      `  fan-out run sequentially in 1 thread  p50 ${spread(sequential.p50)} ms   p99 ${spread(sequential.p99)} ms`,
    );
    console.log(
      `  one shard (${per} rows), = parallel fan-out  p50 ${spread(perShard.p50, 2)} ms   p99 ${spread(perShard.p99, 2)} ms`,
    );
    console.log(`  peak scan memory per shard ${(peak / 2 ** 20).toFixed(1)} MiB (budget 96 MiB of 128 MiB)`);
    out[format] = {
      sequential: { p50: sequential.p50, p99: sequential.p99 },
      perShard: { p50: perShard.p50, p99: perShard.p99 },
      peakShardBytes: peak,
    };
  }
  return out;
}

async function main() {
  console.log(
    `vector benchmark ${new Date().toISOString()}  node ${process.version}  ${cpus().length}× ${cpus()[0]?.model}  ${(totalmem() / 2 ** 30).toFixed(0)} GiB  load ${await loadAverage()}`,
  );
  if (ONLY.has("bandwidth")) {
    const bw = scanBandwidth(512 * 2 ** 20, RUNS);
    console.log(`memory-scan bandwidth (sum of 512 MiB Float32Array, 1 JS thread): ${spread(bw)} GB/s`);
    report.bandwidthGBs = bw;
  }
  const random = randomUnitVectors(`random-${ROWS}`, ROWS, DIMS, 1);
  if (ONLY.has("random")) {
    const randomQueries = randomUnitVectors("random-queries", QUERIES, DIMS, 2);
    report.random = await dataSet(random, randomQueries);
  }
  if (ONLY.has("scifact")) {
    const t0 = performance.now();
    const passages = scifactPassages(ROWS);
    const scifact = embedSet(`scifact-hash-384-${passages.length}`, passages, DIMS);
    const claims = embedSet("scifact-claims", scifactClaims().slice(0, QUERIES), DIMS);
    console.log(
      `\n(embedded ${passages.length} SciFact passages in ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );
    report.scifact = await dataSet(scifact, claims);
  }
  if (ONLY.has("million") && MILLION > 0) report.million = await million();
  if (ONLY.has("shard") && !args["no-shard"]) report.shard = await shardBenchmark(random, RUNS);
  if (ONLY.has("fanout") && !args["no-shard"] && MILLION > 0)
    report.fanout = await fanoutBenchmark(large().set, large().queries, SHARDS, RUNS, args.quantization);
  console.log(`\nload average at end: ${await loadAverage()}`);
  mkdirSync("bench/out", { recursive: true });
  writeFileSync("bench/out/vectors.json", JSON.stringify(report, null, 1));
}

await main();
