import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { IndexConfigMismatchError } from "../../src/vectors/errors";
import { type LocalIndexOptions, LocalVectorIndex } from "../../src/vectors/local/local-index";
import type { Metric } from "../../src/vectors/types";
import { bruteForce, randomVectors, recall, seeded } from "./vector-helpers";

const newIndex = (options: Partial<LocalIndexOptions> = {}) =>
  new LocalVectorIndex(env.VECTOR_SHARDS, {
    name: `local-${crypto.randomUUID()}`,
    dimensions: 16,
    shardCount: 4,
    ...options,
  });

const shardStub = (name: string, i: number) =>
  env.VECTOR_SHARDS.get(env.VECTOR_SHARDS.idFromName(`${name}#${i}`));

/** Evicts every shard of an index (pinging first, since only a running object can be evicted). */
async function evictShards(name: string, count: number) {
  for (let i = 0; i < count; i++) {
    const stub = shardStub(name, i);
    await stub.ping();
    await evictDurableObject(stub);
  }
}

async function seed(index: LocalVectorIndex, n: number, dimensions: number, seedValue = 1) {
  const vectors = randomVectors(n, dimensions, seeded(seedValue));
  const rows = vectors.map((values, i) => ({
    id: `v${i}`,
    values,
    metadata: { document_id: `d${i % 7}`, n: i, even: i % 2 === 0 },
  }));
  for (let i = 0; i < rows.length; i += 1000) await index.upsert(rows.slice(i, i + 1000));
  return rows;
}

describe("local index: sharding and merge", () => {
  it("spreads ids over every shard and merges to the exact top K for each metric", async () => {
    for (const metric of ["cosine", "euclidean", "dot-product"] as Metric[]) {
      const name = `merge-${metric}-${crypto.randomUUID()}`;
      const index = newIndex({ name, metric });
      const rows = await seed(index, 300, 16);
      const stats = await index.stats();
      expect(stats.vectorCount).toBe(300);
      expect(stats.shards).toHaveLength(4);
      for (const s of stats.shards) expect(s.rows).toBeGreaterThan(30);
      const queries = randomVectors(5, 16, seeded(99));
      for (const q of queries) {
        const out = await index.query(q, { topK: 10 });
        expect(out.matches.map((m) => m.id)).toEqual(bruteForce(metric, q, rows, 10));
        const filtered = await index.query(q, { topK: 10, filter: { even: true, n: { $lt: 200 } } });
        const expected = bruteForce(
          metric,
          q,
          rows.filter((r) => r.metadata.even && r.metadata.n < 200),
          10,
        );
        expect(filtered.matches.map((m) => m.id)).toEqual(expected);
      }
    }
  });

  it("keeps the shard count it was created with, whatever later clients are configured with", async () => {
    const name = `reshard-${crypto.randomUUID()}`;
    const rows = await seed(newIndex({ name, shardCount: 3 }), 60, 16);
    for (const shardCount of [1, 5]) {
      const other = newIndex({ name, shardCount });
      expect((await other.query(rows[7]?.values ?? [], { topK: 1 })).matches[0]?.id).toBe("v7");
      expect((await other.getByIds(["v1", "v59"])).map((v) => v.id)).toEqual(["v1", "v59"]);
      expect((await other.stats()).shards).toHaveLength(3);
    }
    await newIndex({ name, shardCount: 7 }).deleteByIds(["v7"]);
    expect((await newIndex({ name, shardCount: 3 }).getByIds(["v7"])).length).toBe(0);
  });

  it("handles concurrent writers without losing vectors", async () => {
    const index = newIndex();
    const vectors = randomVectors(200, 16, seeded(5));
    await Promise.all(
      Array.from({ length: 20 }, (_, b) =>
        index.upsert(
          vectors.slice(b * 10, b * 10 + 10).map((values, i) => ({ id: `c${b * 10 + i}`, values })),
        ),
      ),
    );
    expect((await index.describe()).vectorCount).toBe(200);
    expect((await index.describe()).processedUpToMutation).toBe(20);
  });
});

describe("local index: durability", () => {
  it("serves the same results after every shard is evicted (memory rebuilt from SQLite)", async () => {
    const name = `evict-${crypto.randomUUID()}`;
    const index = newIndex({ name });
    const rows = await seed(index, 120, 16);
    const q = rows[3]?.values ?? [];
    const before = await index.query(q, { topK: 10, returnMetadata: "all", filter: { even: false } });
    const warm = await index.stats();
    expect(warm.shards.every((s) => s.memory !== null)).toBe(true);
    // Shards scan with the WebAssembly SIMD kernels, not the JS fallback.
    expect(new Set(warm.shards.map((s) => s.memory?.kernels))).toEqual(new Set(["wasm-simd"]));

    await evictShards(name, 4);

    const cold = await index.stats();
    expect(cold.vectorCount).toBe(120);
    expect(cold.shards.every((s) => s.memory === null)).toBe(true);
    const after = await index.query(q, { topK: 10, returnMetadata: "all", filter: { even: false } });
    expect(after).toEqual(before);
    expect((await index.getByIds(["v3"]))[0]?.metadata).toEqual({ document_id: "d3", n: 3, even: false });
    expect((await index.stats()).shards.every((s) => s.memory !== null)).toBe(true);
    expect((await index.describe()).processedUpToMutation).toBe(1);
  });

  it("keeps writes and deletes made while shards were evicted", async () => {
    const name = `evict-write-${crypto.randomUUID()}`;
    const index = newIndex({ name });
    await seed(index, 40, 16);
    await index.query(randomVectors(1, 16, seeded(3))[0] ?? [], {});
    await evictShards(name, 4);
    await index.deleteByIds(["v0", "v1"]);
    await index.upsert([{ id: "new", values: new Float32Array(16).fill(1) }]);
    await evictShards(name, 4);
    const top = await index.query(new Float32Array(16).fill(1), { topK: 1 });
    expect(top.matches[0]?.id).toBe("new");
    expect(await index.getByIds(["v0", "v1", "v2"])).toHaveLength(1);
    expect((await index.describe()).vectorCount).toBe(39);
  });

  it("destroys an index completely, after which it can be created again with another config", async () => {
    const name = `destroy-${crypto.randomUUID()}`;
    const index = newIndex({ name });
    await seed(index, 30, 16);
    await index.destroy();
    expect((await index.stats()).config).toBeNull();
    expect((await index.describe()).vectorCount).toBe(0);
    expect((await index.query(new Float32Array(16).fill(1))).count).toBe(0);
    const wider = newIndex({ name, dimensions: 32, metric: "euclidean" });
    await wider.upsert([{ id: "w", values: new Float32Array(32).fill(0.5) }]);
    expect((await wider.stats()).config).toMatchObject({ dimensions: 32, metric: "euclidean" });
  });
});

describe("local index: configuration", () => {
  it("refuses a different embedder, dimension or metric than the index was created with", async () => {
    const name = `config-${crypto.randomUUID()}`;
    const embedder = { id: "local:hash-16", dimensions: 16 };
    await newIndex({ name, embedder }).upsert([{ id: "a", values: new Float32Array(16).fill(1) }]);
    const others = [
      newIndex({ name, embedder: { id: "other", dimensions: 16 } }),
      newIndex({ name, embedder: null }),
      newIndex({ name, embedder, metric: "euclidean" }),
    ];
    for (const other of others) {
      await expect(other.query(new Float32Array(16).fill(1))).rejects.toBeInstanceOf(
        IndexConfigMismatchError,
      );
      await expect(other.upsert([{ id: "b", values: new Float32Array(16) }])).rejects.toThrow(
        /created for embedder local:hash-16 \(16 dimensions, cosine\)/,
      );
      // Old vectors can always be deleted, even by a client with another config.
      await other.deleteByIds(["nope"]);
    }
    const wider = newIndex({ name, dimensions: 8, embedder: { id: "local:hash-16", dimensions: 8 } });
    await expect(wider.query(new Float32Array(8))).rejects.toBeInstanceOf(IndexConfigMismatchError);
  });

  it("refuses impossible configurations when the client is built", () => {
    expect(() => newIndex({ dimensions: 0 })).toThrow(RangeError);
    expect(() => newIndex({ dimensions: 1537 })).toThrow(/1 to 1536/);
    expect(() => newIndex({ shardCount: 0 })).toThrow(RangeError);
  });
});

describe("local index: quantized shards", () => {
  it.each([
    { quantization: "int8", format: "i8", seed: 7, querySeed: 11, self: 42 },
    { quantization: "int4", format: "i4", seed: 9, querySeed: 13, self: 5 },
  ] as const)(
    "$quantization keeps recall@10 at or above 0.95 and returns exact scores after re-scoring",
    async (c) => {
      const index = newIndex({ quantization: c.quantization, dimensions: 64, shardCount: 2 });
      const rows = await seed(index, 2000, 64, c.seed);
      // The scan structure is built lazily, on the first search.
      expect((await index.stats()).shards.map((s) => s.memory?.format ?? "unloaded")).toEqual([
        "unloaded",
        "unloaded",
      ]);
      let total = 0;
      const queries = randomVectors(20, 64, seeded(c.querySeed));
      for (const q of queries) {
        const out = await index.query(q, { topK: 10 });
        total += recall(
          bruteForce("cosine", q, rows, 10),
          out.matches.map((m) => m.id),
        );
      }
      expect(total / queries.length).toBeGreaterThanOrEqual(0.95);
      expect((await index.stats()).shards.map((s) => s.memory?.format)).toEqual([c.format, c.format]);
      const self = await index.query(rows[c.self]?.values ?? [], { topK: 1 });
      expect(self.matches[0]?.id).toBe(`v${c.self}`);
      expect(self.matches[0]?.score).toBeCloseTo(1, 5);
    },
  );

  it("refuses an unknown quantization when the client is built", () => {
    expect(() => newIndex({ quantization: "int2" as never })).toThrow(/quantization must be one of/);
  });

  it("binary pre-selects by Hamming distance and re-scores a wide pool exactly", async () => {
    const index = newIndex({ quantization: "binary", dimensions: 64, shardCount: 1 });
    const rows = await seed(index, 3000, 64, 8);
    let total = 0;
    const queries = randomVectors(20, 64, seeded(12));
    for (const q of queries) {
      const out = await index.query(q, { topK: 10 });
      total += recall(
        bruteForce("cosine", q, rows, 10),
        out.matches.map((m) => m.id),
      );
    }
    expect((await index.stats()).shards[0]?.memory?.format).toBe("bits");
    // Sign bits of random 64-d vectors are a weak signal; the re-scored pool still finds most.
    expect(total / queries.length).toBeGreaterThanOrEqual(0.8);
    const self = await index.query(rows[9]?.values ?? [], { topK: 1 });
    expect(self.matches[0]?.id).toBe("v9");
  });
});

describe("local index: metadata columns stay current", () => {
  it("reflects upserts, deletes and swap-removes in filtered queries", async () => {
    const index = newIndex({ shardCount: 1 });
    const rows = await seed(index, 50, 16);
    const q = rows[0]?.values ?? [];
    const docOf = async (doc: string) =>
      (await index.query(q, { topK: 100, filter: { document_id: doc } })).matches.map((m) => m.id).sort();
    expect(await docOf("d0")).toEqual(["v0", "v14", "v21", "v28", "v35", "v42", "v49", "v7"]);
    await index.upsert([{ id: "v7", values: rows[7]?.values ?? [], metadata: { document_id: "moved" } }]);
    await index.deleteByIds(["v0", "v21"]);
    await index.upsert([{ id: "fresh", values: q, metadata: { document_id: "d0" } }]);
    expect(await docOf("d0")).toEqual(["fresh", "v14", "v28", "v35", "v42", "v49"]);
    expect(await docOf("moved")).toEqual(["v7"]);
    // Rows moved by swap-remove keep their own metadata.
    const evens = await index.query(q, { topK: 100, filter: { even: true } });
    expect(evens.matches.every((m) => Number(m.id.slice(1)) % 2 === 0)).toBe(true);
    expect(evens.count).toBe(24);
  });
});

describe("local index: id-only queries agree with full-row queries", () => {
  it("answers like the SQLite path through upserts, deletes, re-inserts and an eviction", async () => {
    const name = `ids-${crypto.randomUUID()}`;
    const index = newIndex({ name });
    const rows = await seed(index, 120, 16, 7);
    const q = Array.from(randomVectors(1, 16, seeded(5))[0] ?? []);
    const idsOnly = async () => (await index.query(q, { topK: 20 })).matches.map((m) => m.id);
    // returnMetadata "all" reads the rows from SQLite: the reference.
    const fromSql = async () =>
      (await index.query(q, { topK: 20, returnMetadata: "all" })).matches.map((m) => m.id);
    expect(await idsOnly()).toEqual(await fromSql());

    const top = await idsOnly();
    await index.deleteByIds(top.slice(0, 5));
    expect(await idsOnly()).toEqual(await fromSql());
    expect(await idsOnly()).not.toContain(top[0]);

    // The same ids come back with new vectors (new rowids), plus new ids.
    const again = rows.slice(0, 5).map((r, i) => ({ id: top[i] as string, values: r.values }));
    await index.upsert([...again, { id: "fresh", values: q }]);
    expect((await idsOnly())[0]).toBe("fresh");
    expect(await idsOnly()).toEqual(await fromSql());

    await evictShards(name, 4);
    expect(await idsOnly()).toEqual(await fromSql());
  });
});
