/**
 * Insert throughput and cold start of one VectorShard Durable Object on Miniflare
 * (workerd, SQLite-backed storage persisted to a temporary directory). The shard is
 * reached through bench/vectors/shard-worker.ts; cold start = a new Miniflare on the same
 * storage (the object is evicted with its isolate) until the first search returns, i.e.
 * object start plus reading every row from SQLite into the scan structure.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { rowOf, type VectorSet } from "./data";
import { spread } from "./stats";

const BATCH = 1000;

const KERNELS = fileURLToPath(new URL("../../src/vectors/wasm/scan-kernels.wasm", import.meta.url));

/** The worker bundle; the kernels stay a separate CompiledWasm module, as wrangler ships them. */
async function bundle(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL("./shard-worker.ts", import.meta.url))],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    external: ["cloudflare:*"],
    write: false,
    plugins: [
      {
        name: "wasm-module",
        setup(b) {
          b.onResolve({ filter: /\.wasm$/ }, () => ({ path: "./scan-kernels.wasm", external: true }));
        },
      },
    ],
  });
  return result.outputFiles[0]?.text ?? "";
}

function start(script: string, persist: string): Miniflare {
  // Written in Miniflare's v4 option shape, which Miniflare 5 converts (as scripts/start.ts does).
  return new Miniflare(
    convertV4MiniflareOptions({
      name: "vector-bench",
      modules: [
        { type: "ESModule", path: join(dirname(KERNELS), "bench-worker.mjs"), contents: script },
        { type: "CompiledWasm", path: KERNELS, contents: readFileSync(KERNELS) },
      ],
      compatibilityDate: "2026-11-01",
      durableObjects: { SHARD: { className: "VectorShard", useSQLite: true } },
      resourcePersistencePath: persist,
      cf: false,
    } as Parameters<typeof convertV4MiniflareOptions>[0]),
  );
}

async function call(mf: Miniflare, path: string, body?: ArrayBufferView): Promise<unknown> {
  const res = await mf.dispatchFetch(`http://bench${path}`, {
    method: body ? "POST" : "GET",
    body: body ? new Uint8Array(body.buffer, body.byteOffset, body.byteLength) : undefined,
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Figures of the Durable Object benchmark. */
export interface ShardFigures {
  rows: number;
  insertPerSecond: number[];
  coldStartMs: number[];
  firstQueryAfterWarmMs: number[];
}

/** Writes `set` into one shard in calls of {@link BATCH}, then restarts it `runs` times. */
export async function shardBenchmark(set: VectorSet, runs: number): Promise<ShardFigures> {
  console.log(`\n## VectorShard Durable Object on Miniflare: ${set.count} rows, upsert calls of ${BATCH}`);
  const script = await bundle();
  const figures: ShardFigures = {
    rows: set.count,
    insertPerSecond: [],
    coldStartMs: [],
    firstQueryAfterWarmMs: [],
  };
  const query = rowOf(set, 0);
  for (let r = 0; r < runs; r++) {
    const persist = mkdtempSync(join(tmpdir(), "edgerag-vbench-"));
    try {
      let mf = start(script, persist);
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
      mf = start(script, persist);
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
      const stats = (await call(mf, `/stats?shard=${shard}`)) as {
        memory: { format: string; kernels: string; bytes: number };
      };
      console.log(
        `  run ${r + 1}: insert ${insert.toFixed(0)} vectors/s; cold start (evict + reload ${rows.rows} rows) ${cold.toFixed(0)} ms; then a query ${warmQuery.toFixed(1)} ms; ${stats.memory.kernels} ${stats.memory.format}, ${(stats.memory.bytes / 2 ** 20).toFixed(1)} MiB`,
      );
      await mf.dispose();
    } finally {
      rmSync(persist, { recursive: true, force: true });
    }
  }
  console.log(
    `  insert ${spread(figures.insertPerSecond, 0)} vectors/s; cold start ${spread(figures.coldStartMs, 0)} ms`,
  );
  return figures;
}
