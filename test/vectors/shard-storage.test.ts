import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { STORED_CODE_VERSION } from "../../src/vectors/core/stored-code";
import { type LocalIndexOptions, LocalVectorIndex } from "../../src/vectors/local/local-index";
import type { IndexConfig } from "../../src/vectors/types";
import { randomVectors, seeded } from "./vector-helpers";

const DIMS = 64;

function open(options: Partial<LocalIndexOptions> = {}) {
  const name = `storage-${crypto.randomUUID()}`;
  const index = new LocalVectorIndex(env.VECTOR_SHARDS, {
    name,
    dimensions: DIMS,
    shardCount: 1,
    quantization: "int8",
    ...options,
  });
  const stub = env.VECTOR_SHARDS.get(env.VECTOR_SHARDS.idFromName(`${name}#0`));
  return { index, stub };
}

type Stub = ReturnType<typeof open>["stub"];

async function evict(stub: Stub) {
  await stub.ping();
  await evictDurableObject(stub);
}

/** Runs SQL inside the shard and returns the rows. */
function sql(stub: Stub, query: string, ...params: SqlStorageValue[]) {
  return runInDurableObject(stub, (_instance, state) => state.storage.sql.exec(query, ...params).toArray());
}

async function codeCount(stub: Stub): Promise<number> {
  const [row] = await sql(stub, "SELECT count(*) AS n FROM vectors WHERE code IS NOT NULL");
  return Number(row?.n);
}

async function seed(index: LocalVectorIndex, n: number) {
  const vectors = randomVectors(n, DIMS, seeded(31));
  await index.upsert(vectors.map((values, i) => ({ id: `v${i}`, values })));
  return vectors;
}

/** Top-10 ids and scores for a few fixed queries. */
async function answers(index: LocalVectorIndex) {
  const out = [];
  for (const q of randomVectors(5, DIMS, seeded(32))) out.push((await index.query(q, { topK: 10 })).matches);
  return out;
}

describe("shard storage: stored int8 codes", () => {
  it("stores a code per row and reloads an int8 shard from codes with the same results", async () => {
    const { index, stub } = open();
    await seed(index, 500);
    expect(await codeCount(stub)).toBe(500);
    const before = await answers(index);
    await evict(stub);
    expect((await stub.stats()).memory).toBeNull();
    expect(await answers(index)).toEqual(before);
    expect((await stub.stats()).memory?.format).toBe("i8");
  });

  it("reloads an int4 shard from the stored int8 codes with the same results", async () => {
    const { index, stub } = open({ quantization: "int4" });
    await seed(index, 500);
    expect(await codeCount(stub)).toBe(500);
    const before = await answers(index);
    expect((await stub.stats()).memory?.format).toBe("i4");
    await evict(stub);
    expect(await answers(index)).toEqual(before);
  });

  it("loads rows without a code (written before codes existed) from their float32 vectors", async () => {
    const { index, stub } = open();
    await seed(index, 300);
    const before = await answers(index);
    await sql(stub, "UPDATE vectors SET code = NULL WHERE rowid % 2 = 0");
    await evict(stub);
    expect(await answers(index)).toEqual(before);
  });

  it("adds the code column to a shard created by an older release", async () => {
    const { index, stub } = open();
    await seed(index, 50);
    const before = await answers(index);
    await sql(stub, "ALTER TABLE vectors DROP COLUMN code");
    await evict(stub);
    expect(await codeCount(stub)).toBe(0);
    expect(await answers(index)).toEqual(before);
    await index.upsert([{ id: "new", values: new Float32Array(DIMS).fill(0.5) }]);
    expect(await codeCount(stub)).toBe(1);
  });

  it("drops codes of another encoding version on start and rebuilds from float32", async () => {
    const { index, stub } = open();
    await seed(index, 200);
    const before = await answers(index);
    await sql(stub, "UPDATE vector_meta SET value = 'i8-some-older-encoding' WHERE key = 'code_version'");
    await evict(stub);
    expect(await codeCount(stub)).toBe(0);
    const [version] = await sql(stub, "SELECT value FROM vector_meta WHERE key = 'code_version'");
    expect(version?.value).toBe(STORED_CODE_VERSION);
    expect(await answers(index)).toEqual(before);
  });

  it("keeps no codes for float32 and binary indexes", async () => {
    for (const quantization of ["none", "binary"] as const) {
      const { index, stub } = open({ quantization });
      await seed(index, 20);
      expect(await codeCount(stub)).toBe(0);
    }
  });

  it("updates a loaded int8 scan structure from the codes of new writes", async () => {
    const { index, stub } = open();
    const vectors = await seed(index, 200);
    await answers(index); // loads the scan structure
    const moved = vectors[7]?.map((x) => -x) ?? [];
    await index.upsert([{ id: "v3", values: moved }]);
    const top = await index.query(moved, { topK: 1 });
    expect(top.matches[0]?.id).toBe("v3");
    expect(top.matches[0]?.score).toBeCloseTo(1, 5);
    const loaded = await answers(index);
    await evict(stub);
    expect(await answers(index)).toEqual(loaded);
  });
});

describe("shard storage: batched writes", () => {
  it("splits a write of 1000 vectors of 1536 dimensions and large metadata within SQLite's value limit", async () => {
    const { index, stub } = open({ dimensions: 1536, quantization: "auto" });
    const vectors = randomVectors(1000, 1536, seeded(33));
    const padding = "x".repeat(9000);
    await index.upsert(vectors.map((values, i) => ({ id: `big${i}`, values, metadata: { i, padding } })));
    expect((await index.describe()).vectorCount).toBe(1000);
    const [got] = await index.getByIds(["big999"]);
    expect(got?.values).toEqual(Array.from(vectors[999] ?? []));
    expect(got?.metadata).toEqual({ i: 999, padding });
    expect(await codeCount(stub)).toBe(1000);
  });

  it("resolves repeated ids within one shard call and counts a repeated delete once", async () => {
    const { stub } = open();
    const config: IndexConfig = {
      dimensions: DIMS,
      metric: "cosine",
      quantization: "int8",
      shardCount: 1,
      embedder: null,
    };
    const [a, b] = randomVectors(2, DIMS, seeded(34)) as [Float32Array, Float32Array];
    const wire = (values: Float32Array, metadata: string) => ({ id: "x", values, namespace: null, metadata });
    const mark = { seq: 1, at: 1 };
    expect(await stub.write(config, "insert", [wire(a, '"a"'), wire(b, '"b"')], mark)).toEqual({
      ok: true,
      ids: ["x"],
    });
    expect((await stub.get(["x"]))[0]?.metadata).toBe('"a"');
    await stub.write(config, "upsert", [wire(a, '"a"'), wire(b, '"b"')], { seq: 2, at: 2 });
    expect((await stub.get(["x"]))[0]?.metadata).toBe('"b"');
    expect(await stub.remove(["x", "x", "missing"], { seq: 3, at: 3 })).toEqual(["x"]);
  });
});
