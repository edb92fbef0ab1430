/**
 * Insert throughput and cold start of one VectorShard Durable Object on Miniflare
 * (workerd, SQLite-backed storage persisted to a temporary directory). The shard is
 * reached through bench/vectors/shard-worker.ts; cold start = a new Miniflare on the same
 * storage (the object is evicted with its isolate) until the first search returns, i.e.
 * object start plus reading every row from SQLite into the scan structure.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rowOf, type VectorSet } from "./data";
import { bundle, call, start } from "./miniflare";
import { quantile, spread } from "./stats";

const BATCH = 1000;

/** Figures of the Durable Object benchmark. */
export interface ShardFigures {
  rows: number;
  insertPerSecond: number[];
  coldStartMs: number[];
  firstQueryAfterWarmMs: number[];
  /** p50 of the next {@link STEADY_QUERIES} queries, per run (one shard; includes dispatchFetch). */
  queryP50Ms: number[];
}

/** Queries timed after the first one, once the kernels run optimised code. */
const STEADY_QUERIES = 50;

/** Writes `set` into one shard in calls of {@link BATCH}, then restarts it `runs` times. */
export async function shardBenchmark(set: VectorSet, runs: number): Promise<ShardFigures> {
  console.log(`\n## VectorShard Durable Object on Miniflare: ${set.count} rows, upsert calls of ${BATCH}`);
  const script = await bundle("./shard-worker.ts");
  const figures: ShardFigures = {
    rows: set.count,
    insertPerSecond: [],
    coldStartMs: [],
    firstQueryAfterWarmMs: [],
    queryP50Ms: [],
  };
  const query = rowOf(set, 0);
  for (let r = 0; r < runs; r++) {
    const persist = mkdtempSync(join(tmpdir(), "edgerag-vbench-"));
    try {
      let mf = start(script, persist, "SHARD");
      const shard = `bench-${r}`;
      await call(mf, `/warm?shard=${shard}`);
      const t0 = performance.now();
      for (let first = 0, seq = 1; first < set.count; first += BATCH, seq++) {
        const end = Math.min(set.count, first + BATCH);
        await call(
          mf,
          `/write?shard=${shard}&first=${first}&seq=${seq}`,
          set.data.subarray(first * set.dimensions, end * set.dimensions),
        );
      }
      const insert = set.count / ((performance.now() - t0) / 1000);
      figures.insertPerSecond.push(insert);
      await mf.dispose();
      mf = start(script, persist, "SHARD");
      await call(mf, "/stats?shard=none"); // runtime up; the benchmark shard is still cold
      const t1 = performance.now();
      const rows = (await call(mf, `/warm?shard=${shard}`)) as { rows: number };
      const cold = performance.now() - t1;
      const t2 = performance.now();
      const hit = (await call(mf, `/query?shard=${shard}`, query)) as { ids: string[] };
      const warmQuery = performance.now() - t2;
      if (rows.rows !== set.count || hit.ids[0] !== "v0")
        throw new Error(`shard lost data: ${JSON.stringify({ rows, hit })}`);
      figures.coldStartMs.push(cold);
      figures.firstQueryAfterWarmMs.push(warmQuery);
      const steady: number[] = [];
      for (let k = 1; k <= STEADY_QUERIES; k++) {
        const t = performance.now();
        await call(mf, `/query?shard=${shard}`, rowOf(set, (k * 7919) % set.count));
        steady.push(performance.now() - t);
      }
      figures.queryP50Ms.push(quantile(steady, 0.5));
      const stats = (await call(mf, `/stats?shard=${shard}`)) as {
        memory: { format: string; kernels: string; bytes: number };
      };
      console.log(
        `  run ${r + 1}: insert ${insert.toFixed(0)} vectors/s; cold start (evict + reload ${rows.rows} rows) ${cold.toFixed(0)} ms; then a query ${warmQuery.toFixed(1)} ms, next ${STEADY_QUERIES} p50 ${quantile(steady, 0.5).toFixed(1)} ms; ${stats.memory.kernels} ${stats.memory.format}, ${(stats.memory.bytes / 2 ** 20).toFixed(1)} MiB`,
      );
      await mf.dispose();
    } finally {
      rmSync(persist, { recursive: true, force: true });
    }
  }
  console.log(
    `  insert ${spread(figures.insertPerSecond, 0)} vectors/s; cold start ${spread(figures.coldStartMs, 0)} ms; ` +
      `first query ${spread(figures.firstQueryAfterWarmMs)} ms; query p50 ${spread(figures.queryP50Ms)} ms`,
  );
  return figures;
}
