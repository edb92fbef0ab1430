/**
 * A large index measured end to end through the real LocalVectorIndex and VectorShard
 * Durable Objects on Miniflare (bench/vectors/index-worker.ts): upsert every vector in
 * Vectorize-sized batches of 1000, query through the index's fan-out and merge, check
 * recall@10 against exact search, read each shard's memory, then restart the runtime and
 * time the first query, which reloads every shard from SQLite.
 *
 * Miniflare runs every Durable Object of a Worker in one isolate on one thread, so the
 * shards of a query here scan one after another; on Cloudflare each shard is its own
 * isolate and they scan in parallel. The figure is therefore an upper bound.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Miniflare } from "miniflare";
import { type BuiltIndex, buildIndex } from "./core";
import { rowOf, type VectorSet } from "./data";
import { bundle, call, start, workerdRss } from "./miniflare";
import { mean, quantile, recall, spread } from "./stats";

const BATCH = 1000;
const TOP_K = 10;
const MiB = 2 ** 20;

/** Figures of the end-to-end fan-out benchmark. */
export interface FanoutFigures {
  quantization: string;
  rows: number;
  shards: number;
  insertPerSecond: number;
  firstQueryMs: number;
  p50: number[];
  p99: number[];
  recall: number;
  shardRows: number[];
  shardBytes: number[];
  shardFormats: string[];
  workerdRssBytes: number | null;
  peakWorkerdRssBytes: number | null;
  restartFirstQueryMs: number;
}

interface Stats {
  vectorCount: number;
  shards: { rows: number; memory: { format: string; bytes: number } | null }[];
}

interface QueryResult {
  ids: string[];
}

async function query(mf: Miniflare, path: string, q: Float32Array): Promise<{ ms: number; ids: number[] }> {
  const t = performance.now();
  const out = (await call(mf, path, q)) as QueryResult;
  return { ms: performance.now() - t, ids: out.ids.map((id) => Number(id.slice(1)) + 1) };
}

/** Exact top-10 (as 1-based row numbers) of each query, from float32 scans of the set in slices. */
function exactTruth(set: VectorSet, queries: VectorSet, slices: number): number[][] {
  const per = Math.ceil(set.count / slices);
  const truth: number[][] = Array.from({ length: queries.count }, () => []);
  const scores: { rowid: number; score: number }[][] = Array.from({ length: queries.count }, () => []);
  for (let s = 0; s < slices; s++) {
    // One slice at a time keeps the float32 copy at 1/slices of the set.
    const slice: BuiltIndex = buildIndex(set, "f32", s * per, Math.min(set.count, (s + 1) * per));
    for (let q = 0; q < queries.count; q++)
      scores[q]?.push(...slice.index.search(rowOf(queries, q), { topK: TOP_K }));
  }
  for (let q = 0; q < queries.count; q++) {
    const hits = (scores[q] ?? []).sort((a, b) => b.score - a.score || a.rowid - b.rowid);
    truth[q] = hits.slice(0, TOP_K).map((h) => h.rowid);
  }
  return truth;
}

/** Loads `set` into a `shards`-shard index and measures it; `runs` passes over `queries`. */
export async function fanoutBenchmark(
  set: VectorSet,
  queries: VectorSet,
  shards: number,
  runs: number,
  quantization: string,
): Promise<FanoutFigures> {
  console.log(
    `\n## ${set.count} vectors through LocalVectorIndex → ${shards} VectorShard DOs on Miniflare (${quantization} quantization), top-${TOP_K}`,
  );
  const script = await bundle("./index-worker.ts");
  const persist = mkdtempSync(join(tmpdir(), "edgerag-fanout-"));
  const path = (route: string) => `/${route}?index=fanout&shards=${shards}&quantization=${quantization}`;
  let mf = start(script, persist, "VECTOR_SHARDS");
  try {
    let peak = workerdRss();
    const t0 = performance.now();
    for (let first = 0; first < set.count; first += BATCH) {
      const end = Math.min(set.count, first + BATCH);
      await call(
        mf,
        `${path("upsert")}&first=${first}`,
        set.data.subarray(first * set.dimensions, end * set.dimensions),
      );
      if ((first / BATCH) % 100 === 99) {
        peak = Math.max(peak ?? 0, workerdRss() ?? 0);
        process.stdout.write(`\r  upserted ${end}`);
      }
    }
    const insertPerSecond = set.count / ((performance.now() - t0) / 1000);
    console.log(`\r  upsert ${insertPerSecond.toFixed(0)} vectors/s (batches of ${BATCH}, one pass)`);

    const first = await query(mf, path("query"), rowOf(queries, 0));
    console.log(`  first query (loads every shard's scan structure) ${first.ms.toFixed(0)} ms`);
    for (let q = 0; q < Math.min(20, queries.count); q++) await query(mf, path("query"), rowOf(queries, q));

    const p50: number[] = [];
    const p99: number[] = [];
    let results: number[][] = [];
    for (let r = 0; r < runs; r++) {
      const latencies: number[] = [];
      results = [];
      for (let q = 0; q < queries.count; q++) {
        const out = await query(mf, path("query"), rowOf(queries, q));
        latencies.push(out.ms);
        results.push(out.ids);
      }
      p50.push(quantile(latencies, 0.5));
      p99.push(quantile(latencies, 0.99));
    }
    peak = Math.max(peak ?? 0, workerdRss() ?? 0);
    const rss = workerdRss();
    const stats = (await call(mf, path("stats"))) as Stats;
    if (stats.vectorCount !== set.count)
      throw new Error(`index holds ${stats.vectorCount} of ${set.count} vectors`);

    const truth = exactTruth(set, queries, shards);
    const rec = mean(truth.map((t, i) => recall(t, results[i] ?? [])));
    const shardBytes = stats.shards.map((s) => s.memory?.bytes ?? 0);
    console.log(
      `  query p50 ${spread(p50)} ms   p99 ${spread(p99)} ms   recall@10 ${rec.toFixed(3)}   (${runs} passes of ${queries.count} queries, incl. dispatchFetch)`,
    );
    console.log(
      `  per shard: ${Math.min(...stats.shards.map((s) => s.rows))}–${Math.max(...stats.shards.map((s) => s.rows))} rows, ` +
        `${[...new Set(stats.shards.map((s) => s.memory?.format))].join("/")}, scan structure ` +
        `${(Math.min(...shardBytes) / MiB).toFixed(1)}–${(Math.max(...shardBytes) / MiB).toFixed(1)} MiB (budget 96 of 128 MiB)`,
    );
    if (rss !== null && peak !== null) {
      console.log(
        `  workerd resident memory ${(rss / MiB).toFixed(0)} MiB now, peak ${(peak / MiB).toFixed(0)} MiB ` +
          `(${(peak / shards / MiB).toFixed(0)} MiB per shard, all shards in one process with SQLite caches)`,
      );
    }

    await mf.dispose();
    mf = start(script, persist, "VECTOR_SHARDS");
    await call(mf, "/stats?index=none&shards=1"); // runtime up; the index's shards are still cold
    const restart = await query(mf, path("query"), rowOf(queries, 1));
    if (restart.ids[0] !== truth[1]?.[0]) throw new Error("restarted index answers differently");
    console.log(
      `  after a restart: first query ${restart.ms.toFixed(0)} ms (every shard reloads from SQLite)`,
    );
    return {
      quantization,
      rows: set.count,
      shards,
      insertPerSecond,
      firstQueryMs: first.ms,
      p50,
      p99,
      recall: rec,
      shardRows: stats.shards.map((s) => s.rows),
      shardBytes,
      shardFormats: stats.shards.map((s) => s.memory?.format ?? "unloaded"),
      workerdRssBytes: rss,
      peakWorkerdRssBytes: peak,
      restartFirstQueryMs: restart.ms,
    };
  } finally {
    await mf.dispose();
    rmSync(persist, { recursive: true, force: true });
  }
}
