import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { shardCapacity } from "../../src/vectors/core/memory-budget";
import { rowBytes } from "../../src/vectors/core/quantize";
import { wasmMatrices } from "../../src/vectors/core/wasm-matrix";
import { ShardEngine } from "../../src/vectors/local/shard-engine";
import type { WireVector } from "../../src/vectors/local/shard-protocol";
import type { IndexConfig } from "../../src/vectors/types";
import scanKernels from "../../src/vectors/wasm/scan-kernels.wasm";
import { bruteForce, randomVectors, seeded } from "./vector-helpers";

const DIMS = 16;
const CONFIG: IndexConfig = {
  dimensions: DIMS,
  metric: "cosine",
  quantization: "auto",
  shardCount: 1,
  embedder: null,
};
/** `auto` switches to int8 past 20 float32 rows in these tests instead of ~42k. */
const THRESHOLD = 20 * rowBytes("f32", DIMS);

const wire = (vectors: Float32Array[], from: number): WireVector[] =>
  vectors.map((values, i) => ({ id: `v${from + i}`, values, namespace: null, metadata: null }));

/**
 * Runs `body` with engines over the storage of a fresh, otherwise unused VectorShard
 * object (its own engine is never called), so the test controls the `auto` threshold.
 */
function withStorage(body: (engine: () => ShardEngine) => void): Promise<void> {
  const stub = env.VECTOR_SHARDS.get(env.VECTOR_SHARDS.idFromName(`engine-${crypto.randomUUID()}`));
  return runInDurableObject(stub, (_instance, state) => {
    body(() => {
      const engine = new ShardEngine(state.storage, wasmMatrices(scanKernels), {
        autoInt8ThresholdBytes: THRESHOLD,
      });
      engine.migrate();
      return engine;
    });
  });
}

describe("shard engine: auto quantization", () => {
  it("switches a growing shard from float32 to int8 rows, keeps it int8 after deletes, reloads as int8", async () => {
    await withStorage((open) => {
      const engine = open();
      const vectors = randomVectors(40, DIMS, seeded(41));
      const rows = vectors.map((values, i) => ({ id: `v${i}`, values }));
      const top = (e: ShardEngine, q: Float32Array) => {
        const out = e.query(CONFIG, q, { topK: 5, returnValues: false, returnMetadata: "none" });
        if (!out.ok) throw new Error("config mismatch");
        return out.matches.map((m) => m.id);
      };
      const q = randomVectors(1, DIMS, seeded(42))[0] as Float32Array;

      expect(engine.write(CONFIG, "upsert", wire(vectors.slice(0, 15), 0), { seq: 1, at: 1 }).ok).toBe(true);
      expect(top(engine, q)).toEqual(bruteForce("cosine", q, rows.slice(0, 15), 5));
      expect(engine.stats().memory?.format).toBe("f32");

      // Crossing the threshold drops the float32 structure; the next search loads int8 from stored codes.
      engine.write(CONFIG, "upsert", wire(vectors.slice(15), 15), { seq: 2, at: 2 });
      expect(engine.stats().memory).toBeNull();
      expect(top(engine, q)).toEqual(bruteForce("cosine", q, rows, 5));
      expect(engine.stats().memory?.format).toBe("i8");

      // Deleting back under the threshold keeps the loaded int8 structure (no rebuild per write).
      engine.remove(
        rows.slice(10).map((r) => r.id),
        { seq: 3, at: 3 },
      );
      expect(engine.stats().memory?.format).toBe("i8");
      expect(top(engine, q)).toEqual(bruteForce("cosine", q, rows.slice(0, 10), 5));

      // A restart picks the format by row count again: 10 rows are float32.
      const restarted = open();
      expect(top(restarted, q)).toEqual(bruteForce("cosine", q, rows.slice(0, 10), 5));
      expect(restarted.stats().memory?.format).toBe("f32");
    });
  });

  it("refuses a write past the shard's memory budget and leaves storage unchanged", async () => {
    await withStorage((open) => {
      const engine = open();
      const config: IndexConfig = { ...CONFIG, dimensions: 1536, quantization: "none" };
      const capacity = shardCapacity("none", 1536);
      const result = engine.write(config, "upsert", wire(randomVectors(capacity + 1, 1, seeded(43)), 0), {
        seq: 1,
        at: 1,
      });
      expect(result).toMatchObject({ ok: false, full: { rows: 0, quantization: "none" } });
      expect(engine.stats().rows).toBe(0);
    });
  });
});
