/**
 * Runs a benchmark-only Worker (shard-worker.ts or index-worker.ts) with the real
 * VectorShard Durable Object class on Miniflare (workerd, SQLite-backed storage persisted
 * to a directory), and talks to it over `dispatchFetch`. The scan kernels stay a separate
 * CompiledWasm module, as wrangler ships them.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";

const KERNELS = fileURLToPath(new URL("../../src/vectors/wasm/scan-kernels.wasm", import.meta.url));

/** Bundles a benchmark Worker (a file in this folder) into one ES module. */
export async function bundle(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
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

/** Starts the bundled Worker with its VectorShard namespace bound as `binding`, storage under `persist`. */
export function start(script: string, persist: string, binding: string): Miniflare {
  // Written in Miniflare's v4 option shape, which Miniflare 5 converts (as scripts/start.ts does).
  return new Miniflare(
    convertV4MiniflareOptions({
      name: "vector-bench",
      modules: [
        { type: "ESModule", path: join(dirname(KERNELS), "bench-worker.mjs"), contents: script },
        { type: "CompiledWasm", path: KERNELS, contents: readFileSync(KERNELS) },
      ],
      compatibilityDate: "2026-11-01",
      durableObjects: { [binding]: { className: "VectorShard", useSQLite: true } },
      resourcePersistencePath: persist,
      cf: false,
    } as Parameters<typeof convertV4MiniflareOptions>[0]),
  );
}

/** GET (no body) or POST (body) to the Worker; returns its JSON or throws with its error text. */
export async function call(mf: Miniflare, path: string, body?: ArrayBufferView): Promise<unknown> {
  const res = await mf.dispatchFetch(`http://bench${path}`, {
    method: body ? "POST" : "GET",
    body: body ? new Uint8Array(body.buffer, body.byteOffset, body.byteLength) : undefined,
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/**
 * Resident memory (bytes) of the workerd processes this Node process started, i.e. of
 * the isolate running every shard plus SQLite's caches. Linux `ps`; null elsewhere.
 */
export function workerdRss(): number | null {
  try {
    const out = execFileSync("ps", ["-o", "rss=,comm=", "--ppid", String(process.pid)], { encoding: "utf8" });
    let kib = 0;
    for (const line of out.split("\n")) {
      const [rss, comm] = line.trim().split(/\s+/);
      if (comm?.includes("workerd")) kib += Number(rss);
    }
    return kib * 1024;
  } catch {
    return null;
  }
}
