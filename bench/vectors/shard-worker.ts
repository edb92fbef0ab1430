/**
 * Benchmark-only Worker (bundled by shard.ts, never deployed): exposes the real
 * VectorShard Durable Object to the Node benchmark over `dispatchFetch`, so writes and
 * cold starts are timed through the same class, SQLite storage and RPC path as in
 * production. Not part of the app's HTTP API.
 */
import type { WireVector } from "../../src/vectors/local/shard-protocol";
import type { IndexConfig } from "../../src/vectors/types";

export { VectorShard } from "../../durable-objects/vector-shard";

interface BenchEnv {
  SHARD: DurableObjectNamespace<import("../../durable-objects/vector-shard").VectorShard>;
}

const CONFIG: IndexConfig = {
  dimensions: 384,
  metric: "cosine",
  quantization: "auto",
  shardCount: 1,
  embedder: { id: "bench:random", dimensions: 384 },
};

export default {
  async fetch(request: Request, env: BenchEnv): Promise<Response> {
    const url = new URL(request.url);
    const stub = env.SHARD.get(env.SHARD.idFromName(url.searchParams.get("shard") ?? "bench"));
    switch (url.pathname) {
      case "/write": {
        const first = Number(url.searchParams.get("first"));
        const seq = Number(url.searchParams.get("seq"));
        const data = new Float32Array(await request.arrayBuffer());
        const vectors: WireVector[] = [];
        for (let i = 0; i * CONFIG.dimensions < data.length; i++) {
          vectors.push({
            id: `v${first + i}`,
            namespace: null,
            // Views of one buffer, as LocalVectorIndex packs a shard's batch: RPC copies it once.
            values: data.subarray(i * CONFIG.dimensions, (i + 1) * CONFIG.dimensions),
            metadata: null,
          });
        }
        const result = await stub.write(CONFIG, "upsert", vectors, { seq, at: Date.now() });
        return Response.json(result.ok ? { written: result.ids.length } : result, {
          status: result.ok ? 200 : 500,
        });
      }
      case "/warm":
        return Response.json({ rows: await stub.warm() });
      case "/query": {
        const vector = new Float32Array(await request.arrayBuffer());
        const result = await stub.query(CONFIG, vector, {
          topK: 10,
          returnValues: false,
          returnMetadata: "none",
        });
        return Response.json(result.ok ? { ids: result.matches.map((m) => m.id) } : result);
      }
      case "/stats":
        return Response.json(await stub.stats());
      default:
        return new Response("not found", { status: 404 });
    }
  },
};
