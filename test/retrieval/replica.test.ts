import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { ChunkWrites } from "../../src/documents/chunk-writes";
import { hashEmbed } from "../../src/providers/local/hash-embedding";
import { resolveProviders } from "../../src/providers/resolve";
import { createHybridRetriever } from "../../src/retrieval/hybrid.retriever";
import { createFts5KeywordIndex } from "../../src/retrieval/keyword/fts5-index";
import type { ReplicaRow, ReplicaStamp } from "../../src/retrieval/replica/replica";
import { ReplicaCache, type ReplicaSource } from "../../src/retrieval/replica/replica.cache";
import { createReplicaSource } from "../../src/retrieval/replica/replica.repo";
import { createSearchRepo } from "../../src/retrieval/search.repo";
import type { SearchRequest } from "../../src/retrieval/types";
import { vectorIndexFor } from "../../src/vectors";
import { wasmMatrices } from "../../src/vectors/core/wasm-matrix";
import scanKernels from "../../src/vectors/wasm/scan-kernels.wasm";
import { postText, settled } from "../documents/helpers";
import { call, createTenantWithKey } from "../helpers";

/** An in-memory chunks table: rows by seq, AUTOINCREMENT like D1's. */
class FakeSource implements ReplicaSource {
  table: ReplicaRow[] = [];
  #seq = 0;
  reads = 0;
  stamps = 0;
  fail = false;

  add(id: string, text: string, metadata: Record<string, unknown> = {}): void {
    this.table.push({
      seq: ++this.#seq,
      id,
      documentId: id,
      ordinal: 0,
      version: 1,
      text,
      title: null,
      chunkMetadata: {},
      documentMetadata: metadata,
    });
  }

  remove(id: string): void {
    this.table = this.table.filter((r) => r.id !== id);
  }

  async stamp(): Promise<ReplicaStamp> {
    this.stamps++;
    return { count: this.table.length, maxSeq: this.table.at(-1)?.seq ?? 0 };
  }

  async rows(_tenantId: string, afterSeq: number, limit: number): Promise<ReplicaRow[]> {
    this.reads++;
    if (this.fail) throw new Error("D1 unavailable");
    return this.table.filter((r) => r.seq > afterSeq).slice(0, limit);
  }
}

describe("replica cache: a replica is used only while it matches D1", () => {
  it("builds, then serves the same replica while the stamp is unchanged", async () => {
    const s = new FakeSource();
    s.add("a", "volcano magma");
    s.add("b", "glacier ice");
    const cache = new ReplicaCache({ pageSize: 1 });
    const r1 = await cache.acquire(s, "t");
    expect(r1?.size).toBe(2);
    expect(r1?.keyword("magma", 5).map((h) => h.id)).toEqual(["a"]);
    const reads = s.reads;
    expect(await cache.acquire(s, "t")).toBe(r1);
    expect(s.reads).toBe(reads);
  });

  it("appends a few new rows before answering (read-your-writes)", async () => {
    const s = new FakeSource();
    s.add("a", "volcano magma");
    const cache = new ReplicaCache();
    const r1 = await cache.acquire(s, "t");
    s.add("b", "glacier ice");
    const r2 = await cache.acquire(s, "t", () => {
      throw new Error("an append must not be deferred");
    });
    expect(r2).toBe(r1);
    expect(r2?.get("b")?.text).toBe("glacier ice");
  });

  it("after a deletion answers null (search D1) until the background rebuild lands", async () => {
    const s = new FakeSource();
    s.add("a", "volcano magma");
    s.add("b", "glacier ice");
    const cache = new ReplicaCache();
    await cache.acquire(s, "t");
    s.remove("a");
    const deferred: Promise<unknown>[] = [];
    expect(await cache.acquire(s, "t", (p) => deferred.push(p))).toBeNull();
    expect(deferred).toHaveLength(1);
    await Promise.all(deferred);
    const rebuilt = await cache.acquire(s, "t");
    expect(rebuilt?.get("a")).toBeUndefined();
    expect(rebuilt?.size).toBe(1);
  });

  it("a delete plus an insert (same count) is still a change", async () => {
    const s = new FakeSource();
    s.add("a", "volcano");
    s.add("b", "glacier");
    const cache = new ReplicaCache();
    await cache.acquire(s, "t");
    s.remove("a");
    s.add("c", "kiwi");
    const r = await cache.acquire(s, "t");
    expect(r?.get("a")).toBeUndefined();
    expect(r?.get("c")).toBeDefined();
  });

  it("does not replicate tenants over the chunk limit, evicts past the byte budget, survives load errors", async () => {
    const big = new FakeSource();
    for (let i = 0; i < 5; i++) big.add(`c${i}`, "text");
    expect(await new ReplicaCache({ maxChunks: 4 }).acquire(big, "t")).toBeNull();

    const cache = new ReplicaCache({ maxBytes: 50_000 });
    const one = new FakeSource();
    one.add("a", "alpha ".repeat(5_000)); // ~30 kB of text: two replicas do not fit 50 kB
    await cache.acquire(one, "t1");
    await cache.acquire(one, "t2");
    expect(cache.tenants).toBe(1); // t1 evicted
    // A tenant that alone exceeds the budget while loading is not replicated at all.
    const huge = new FakeSource();
    for (let i = 0; i < 3; i++) huge.add(`h${i}`, "beta ".repeat(20_000));
    const strict = new ReplicaCache({ maxBytes: 50_000, pageSize: 1 });
    expect(await strict.acquire(huge, "t")).toBeNull();
    const tried = huge.reads;
    expect(await strict.acquire(huge, "t")).toBeNull();
    expect(huge.reads).toBe(tried); // not loaded again until the tenant's chunks change

    // A deployment limit below the cache's (SEARCH_REPLICA_MAX_CHUNKS), and 0 = never, not even a stamp read.
    const small = new FakeSource();
    small.add("a", "alpha");
    small.add("b", "beta");
    expect(await new ReplicaCache().acquire(small, "t", undefined, { maxChunks: 1 })).toBeNull();
    const reads = small.reads;
    expect(await new ReplicaCache().acquire(small, "t", undefined, { maxChunks: 0 })).toBeNull();
    expect(small.reads).toBe(reads);

    const broken = new FakeSource();
    broken.add("a", "alpha");
    broken.fail = true;
    expect(await new ReplicaCache().acquire(broken, "t")).toBeNull();
  });

  it("filters every chunk, so a selective filter finds a low-ranked match", async () => {
    const s = new FakeSource();
    for (let i = 0; i < 300; i++) s.add(`c${i}`, `topic topic topic ${i}`, { team: "x" });
    s.add("needle", "topic", { team: "y" });
    const r = await new ReplicaCache().acquire(s, "t");
    const { compileFilter } = await import("../../src/vectors/core/filter");
    expect(r?.keyword("topic", 10, compileFilter({ team: "y" })).map((h) => h.id)).toEqual(["needle"]);
  });
});

describe("replica cache: D1's stamp is re-read after local writes or the recheck interval", () => {
  function setup(recheckMs = 1000) {
    const s = new FakeSource();
    s.add("a", "volcano magma");
    const writes = new ChunkWrites();
    let now = 1_000;
    const cache = new ReplicaCache({ recheckMs }, null, { writes, now: () => now });
    return { s, writes, cache, tick: (ms: number) => (now += ms) };
  }

  it("serves a replica found current without reading the stamp until the interval passes", async () => {
    const { s, cache, tick } = setup();
    const r = await cache.acquire(s, "t"); // built
    await cache.acquire(s, "t"); // found current: verified
    const stamps = s.stamps;
    s.add("b", "glacier ice"); // written by another isolate: this one is not told
    tick(999);
    expect((await cache.acquire(s, "t"))?.get("b")).toBeUndefined();
    expect(s.stamps).toBe(stamps);
    tick(1);
    expect(await cache.acquire(s, "t")).toBe(r);
    expect(r?.get("b")?.text).toBe("glacier ice");
    expect(s.stamps).toBe(stamps + 1);
  });

  it("re-reads the stamp after a chunk write through this isolate, and during one", async () => {
    const { s, writes, cache } = setup();
    await cache.acquire(s, "t");
    await cache.acquire(s, "t");
    await writes.around(["t"], async () => s.add("b", "glacier ice"));
    expect((await cache.acquire(s, "t"))?.get("b")?.text).toBe("glacier ice");
    // Another tenant's write does not force a read for this one.
    await cache.acquire(s, "t");
    const stamps = s.stamps;
    await writes.around(["other"], async () => {});
    await cache.acquire(s, "t");
    expect(s.stamps).toBe(stamps);
    // While a write is under way every search reads the stamp (D1 may commit at any moment).
    let finish = () => {};
    const pending = writes.around(["t"], () => new Promise<void>((resolve) => (finish = resolve)));
    await cache.acquire(s, "t");
    await cache.acquire(s, "t");
    expect(s.stamps).toBe(stamps + 2);
    s.remove("a");
    finish();
    await pending;
    const rebuilt = await cache.acquire(s, "t"); // a deletion: rebuilt (inline, as no defer is given)
    expect(rebuilt?.get("a")).toBeUndefined();
    expect(rebuilt?.get("b")).toBeDefined();
  });

  it("recheckMs 0 reads the stamp for every search", async () => {
    const { s, cache } = setup(0);
    await cache.acquire(s, "t");
    const stamps = s.stamps;
    await cache.acquire(s, "t");
    await cache.acquire(s, "t", undefined, { recheckMs: 0 });
    expect(s.stamps).toBe(stamps + 2);
    s.add("b", "glacier ice");
    expect((await cache.acquire(s, "t"))?.get("b")).toBeDefined();
  });

  it("a write that fails still moves the token; forgetting tenants keeps tokens unique", async () => {
    const writes = new ChunkWrites(2);
    const t0 = writes.token("a");
    await expect(
      writes.around(["a"], async () => {
        throw new Error("D1 down");
      }),
    ).rejects.toThrow("D1 down");
    const t1 = writes.token("a");
    expect(t1).not.toBe(t0);
    const seen = new Set([t0, t1]);
    for (const t of ["b", "c", "d"]) await writes.around([t], async () => {}); // past 2 tenants: forgotten
    expect(seen.has(writes.token("a"))).toBe(false);
  });
});

describe("replica against D1: same answers as FTS5, current after writes", () => {
  const db = createDb(env.DB);

  async function retriever(tenantId: string, cache: ReplicaCache | null) {
    const { embedder, reranker } = await resolveProviders({ env, db, tenantId });
    return createHybridRetriever({
      repo: createSearchRepo(db),
      keyword: createFts5KeywordIndex(db),
      embedder,
      reranker,
      vectors: (identity) => vectorIndexFor(env, { tenantId, embedder: identity }),
      ...(cache ? { replica: () => cache.acquire(createReplicaSource(db), tenantId) } : {}),
    });
  }
  const req = (query: string, extra: Partial<SearchRequest> = {}): SearchRequest => ({
    query,
    topK: 5,
    mode: "keyword",
    ...extra,
  });

  it("ranks like FTS5, sees new and deleted documents at once, and filters in both paths", async () => {
    const { tenantId, key } = await createTenantWithKey();
    const docs = [
      {
        id: "volcano",
        title: "Volcanoes",
        text: "A volcano erupts when magma breaks the crust.",
        metadata: { team: "geo" },
      },
      {
        id: "glacier",
        title: "Glaciers",
        text: "Glaciers are slow rivers of ice carving valleys.",
        metadata: { team: "geo" },
      },
      {
        id: "kiwi",
        title: "Kiwi",
        text: "The kiwifruit is rich in vitamin C; magma is not.",
        metadata: { team: "food" },
      },
    ];
    for (const d of docs) await postText(key, d);
    for (const d of docs) await settled(key, d.id);

    // A long recheck interval: the writes below must be seen because they went through this
    // isolate (documents/chunk-writes.ts), not because the interval ran out.
    const cache = new ReplicaCache({ recheckMs: 60_000 });
    const memory = await retriever(tenantId, cache);
    const d1 = await retriever(tenantId, null);
    for (const q of ["volcano magma", "ice valleys", "vitamin", "magma"]) {
      const a = await memory.search(tenantId, req(q));
      const b = await d1.search(tenantId, req(q));
      expect(
        a.results.map((h) => h.documentId),
        q,
      ).toEqual(b.results.map((h) => h.documentId));
    }
    const filtered = await memory.search(tenantId, req("magma", { filter: { team: "food" } }));
    expect(filtered.results.map((h) => h.documentId)).toEqual(["kiwi"]);
    expect(
      (await d1.search(tenantId, req("magma", { filter: { team: "food" } }))).results.map(
        (h) => h.documentId,
      ),
    ).toEqual(["kiwi"]);

    await postText(key, { id: "lava", text: "Lava is molten rock: magma that reached the surface." });
    await settled(key, "lava");
    expect((await memory.search(tenantId, req("molten lava"))).results[0]?.documentId).toBe("lava");

    expect((await call("DELETE", "/v1/documents/lava", { token: key })).status).toBe(200);
    const after = await memory.search(tenantId, req("molten lava magma", { topK: 10 }));
    expect(after.results.map((h) => h.documentId)).not.toContain("lava");
    expect(after.results.length).toBeGreaterThan(0);
  });

  it("holds the hash vectors ingestion indexed: nearest() answers like the tenant's vector index", async () => {
    const { tenantId, key } = await createTenantWithKey();
    const docs = [
      {
        id: "a",
        title: "Volcanoes",
        text: "# Eruptions\n\nMagma breaks the crust.",
        content_type: "text/markdown",
      },
      { id: "b", title: "Glaciers", text: "Glaciers are slow rivers of ice carving valleys." },
      { id: "c", text: "The kiwifruit is rich in vitamin C." },
    ];
    for (const d of docs) await postText(key, d);
    for (const d of docs) await settled(key, d.id);
    const cache = new ReplicaCache({}, wasmMatrices(scanKernels));
    const replica = await cache.acquire(createReplicaSource(db), tenantId, undefined, {
      hashDimensions: 384,
    });
    expect(replica?.vectors?.dimensions).toBe(384);
    const { embedder } = await resolveProviders({ env, db, tenantId });
    const index = vectorIndexFor(env, { tenantId, embedder: { id: embedder.id, dimensions: 384 } });
    // Queries every document scores differently for (a tie at the cut may keep either chunk).
    for (const q of [
      "magma eruptions volcanoes crust ice",
      "glaciers ice valleys vitamin",
      "kiwifruit vitamin magma",
    ]) {
      const v = hashEmbed(q, 384);
      const fromIndex = (await index.query(v, { topK: 3 })).matches;
      const held = replica?.nearest(v, 3) ?? [];
      expect(
        held.map((h) => h.id),
        q,
      ).toEqual(fromIndex.map((m) => m.id));
      held.forEach((h, i) => {
        expect(h.score).toBeCloseTo(fromIndex[i]?.score ?? Number.NaN, 5);
      });
    }
    // Without kernels, or for another embedder's tenants, replicas hold no vectors.
    expect(
      (
        await new ReplicaCache().acquire(createReplicaSource(db), tenantId, undefined, {
          hashDimensions: 384,
        })
      )?.vectors,
    ).toBeNull();
    expect((await cache.acquire(createReplicaSource(db), tenantId))?.vectors).toBeNull();
  });
});

describe("SEARCH_REPLICA_MAX_CHUNKS", () => {
  it("defaults to 50,000 for the local backend and 0 for Vectorize; 0 or junk disables", async () => {
    const { replicaMaxChunks } = await import("../../src/retrieval/index");
    expect(replicaMaxChunks({ VECTOR_BACKEND: "local" })).toBe(50_000);
    expect(replicaMaxChunks({ VECTOR_BACKEND: "vectorize" })).toBe(0);
    expect(replicaMaxChunks({ VECTOR_BACKEND: "vectorize", SEARCH_REPLICA_MAX_CHUNKS: "20000" })).toBe(
      20_000,
    );
    expect(replicaMaxChunks({ VECTOR_BACKEND: "local", SEARCH_REPLICA_MAX_CHUNKS: "0" })).toBe(0);
    expect(replicaMaxChunks({ VECTOR_BACKEND: "local", SEARCH_REPLICA_MAX_CHUNKS: "lots" })).toBe(0);
  });
});
