/**
 * Benchmark-only Worker (bundled by fanout.ts, never deployed): exposes a real
 * LocalVectorIndex over the VectorShard Durable Objects to the Node benchmark, so a query
 * takes the production path: validation, fan-out RPC to every shard, per-shard scan and
 * re-score, merge. Not part of the app's HTTP API.
 */
import { LocalVectorIndex } from "../../src/vectors/local/local-index";
import type { Quantization } from "../../src/vectors/types";

export { VectorShard } from "../../durable-objects/vector-shard";

interface BenchEnv {
  VECTOR_SHARDS: DurableObjectNamespace<import("../../durable-objects/vector-shard").VectorShard>;
}

const DIMENSIONS = 384;

function open(env: BenchEnv, url: URL): LocalVectorIndex {
  return new LocalVectorIndex(env.VECTOR_SHARDS, {
    name: url.searchParams.get("index") ?? "bench",
    dimensions: DIMENSIONS,
    shardCount: Number(url.searchParams.get("shards") ?? "10"),
    quantization: (url.searchParams.get("quantization") ?? "auto") as Quantization,
    embedder: { id: "bench:random", dimensions: DIMENSIONS },
  });
}

export default {
  async fetch(request: Request, env: BenchEnv): Promise<Response> {
    const url = new URL(request.url);
    const index = open(env, url);
    switch (url.pathname) {
      case "/upsert": {
        // Body: row-major float32 vectors with ids v<first>, v<first+1>, …
        const first = Number(url.searchParams.get("first"));
        const data = new Float32Array(await request.arrayBuffer());
        const vectors: VectorizeVector[] = [];
        for (let i = 0; i * DIMENSIONS < data.length; i++) {
          vectors.push({ id: `v${first + i}`, values: data.subarray(i * DIMENSIONS, (i + 1) * DIMENSIONS) });
        }
        await index.upsert(vectors);
        return Response.json({ written: vectors.length });
      }
      case "/query": {
        const vector = new Float32Array(await request.arrayBuffer());
        const result = await index.query(vector, { topK: Number(url.searchParams.get("topK") ?? "10") });
        return Response.json({
          ids: result.matches.map((m) => m.id),
          scores: result.matches.map((m) => m.score),
        });
      }
      case "/stats":
        return Response.json(await index.stats());
      default:
        return new Response("not found", { status: 404 });
    }
  },
};
