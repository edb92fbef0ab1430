import { env } from "cloudflare:workers";
import { describe, expect, it, onTestFinished } from "vitest";
import { createDb } from "../../src/db/client";
import { AppError } from "../../src/http/errors";
import { setLogLevel } from "../../src/observability/log";
import type { BatchEmbedder } from "../../src/providers/embedding/batch-embedder";
import { embeddingCacheEviction } from "../../src/providers/embedding/cache.maintenance";
import { createD1EmbeddingCache } from "../../src/providers/embedding/cache.repo";
import { createEmbeddingPipeline } from "../../src/providers/embedding/pipeline";
import { ProviderError } from "../../src/providers/errors";
import { BreakerRegistry } from "../../src/providers/reliability/breaker";
import { FakeClock } from "./fakes";
import { rejection } from "./wire";

/** A scripted adapter that counts requests and in-flight concurrency. */
function fakeEmbedder(id: string, opts: { dims?: number; maxBatch?: number; fail?: ProviderError } = {}) {
  const stats = { calls: [] as string[][], inFlight: 0, maxInFlight: 0 };
  const dims = opts.dims ?? 4;
  const embedder: BatchEmbedder = {
    id,
    dimensions: 4,
    maxBatch: opts.maxBatch ?? 2,
    info: { key: "m", dimensions: 4, maxInputTokens: 10, queryPrefix: "q: ", documentPrefix: "d: " },
    async embed(texts) {
      stats.calls.push([...texts]);
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      await new Promise((r) => setTimeout(r, 1));
      stats.inFlight--;
      if (opts.fail) throw opts.fail;
      return {
        vectors: texts.map((t) => Float32Array.from({ length: dims }, (_, i) => (i === 0 ? t.length : 1))),
        provider: id,
        usage: { input_tokens: texts.length, output_tokens: 0 },
      };
    },
  };
  return { embedder, stats };
}

const deps = () => ({ clock: new FakeClock(), random: () => 0, breakers: new BreakerRegistry() });

describe("embedding pipeline", () => {
  it("prefixes, clips, deduplicates, batches to maxBatch and bounds concurrency", async () => {
    const a = fakeEmbedder("a");
    const pipeline = createEmbeddingPipeline({ members: [a.embedder], deps: deps(), concurrency: 2 });
    const long = "word ".repeat(50).trim();
    const r = await pipeline.embed(["x", "y", "x", "z", "w", "v", long]);
    expect(r.vectors).toHaveLength(7);
    expect(r.vectors[2]).toEqual(r.vectors[0]);
    const sent = a.stats.calls.flat();
    expect(sent.filter((t) => t === "d: x")).toHaveLength(1);
    expect(a.stats.calls.every((c) => c.length <= 2)).toBe(true);
    expect(a.stats.maxInFlight).toBeLessThanOrEqual(2);
    // 10 tokens × 0.7 margin = 7 words kept
    expect(sent.at(-1)).toBe(`d: ${"word ".repeat(7).trim()}`);
    expect(r.usage.input_tokens).toBe(6);
  });

  it("refuses empty texts with a clear 400", async () => {
    const pipeline = createEmbeddingPipeline({ members: [fakeEmbedder("a").embedder], deps: deps() });
    const err = (await rejection(pipeline.embed(["ok", "  "]))) as AppError;
    expect(err).toBeInstanceOf(AppError);
    expect(err.status).toBe(400);
    expect(err.code).toBe("invalid_embedding_input");
    expect(err.message).toContain("Text 2 of 2");
    expect((await pipeline.embed([])).vectors).toEqual([]);
  });

  it("falls back to the next provider of the same model and reports it", async () => {
    const a = fakeEmbedder("a", { fail: new ProviderError("server_error", "down", { status: 503 }) });
    const b = fakeEmbedder("b");
    const r = await createEmbeddingPipeline({ members: [a.embedder, b.embedder], deps: deps() }).embed(["x"]);
    expect(r.provider).toBe("b");
    expect(r.fallbacks).toEqual([{ provider: "a", error: "server_error" }]);
    expect(a.stats.calls).toHaveLength(3);
  });

  it("never accepts vectors of another dimension, and does not retry that provider", async () => {
    const a = fakeEmbedder("a", { dims: 3 });
    const b = fakeEmbedder("b");
    const r = await createEmbeddingPipeline({ members: [a.embedder, b.embedder], deps: deps() }).embed(["x"]);
    expect(r.provider).toBe("b");
    expect(r.fallbacks).toEqual([{ provider: "a", error: "misconfigured" }]);
    expect(a.stats.calls).toHaveLength(1);
  });

  it("serves repeats from the D1 cache, per tenant and embedder", async () => {
    const db = createDb(env.DB);
    const a = fakeEmbedder("a");
    const cacheFor = (tenantId: string, embedder = "a#1") =>
      createD1EmbeddingCache({ db, tenantId, embedder });
    const tenant = `t-${crypto.randomUUID()}`;
    const make = (cache = cacheFor(tenant)) =>
      createEmbeddingPipeline({ members: [a.embedder], deps: deps(), cache });
    const first = await make().embed(["one", "two"]);
    expect(first.cached).toBe(0);
    const second = await make().embed(["two", "three", "one"]);
    expect(second.cached).toBe(2);
    expect([...(second.vectors[0] as Float32Array)]).toEqual([...(first.vectors[1] as Float32Array)]);
    expect(a.stats.calls.flat()).toEqual(["d: one", "d: two", "d: three"]);
    await make(cacheFor(`other-${tenant}`)).embed(["one"]);
    await make(cacheFor(tenant, "a#2")).embed(["one"]);
    expect(a.stats.calls.flat().filter((t) => t === "d: one")).toHaveLength(3);
  });

  it("embeds anyway when the cache fails", async () => {
    setLogLevel("error"); // the expected cache warnings would only clutter the test output
    onTestFinished(() => setLogLevel("info"));
    const broken = {
      lookup: () => Promise.reject(new Error("D1 down")),
      store: () => Promise.reject(new Error("D1 down")),
    };
    const r = await createEmbeddingPipeline({
      members: [fakeEmbedder("a").embedder],
      deps: deps(),
      cache: broken,
    }).embed(["x"]);
    expect(r.vectors).toHaveLength(1);
  });
});

describe("embedding cache eviction", () => {
  it("deletes rows unused for the TTL and keeps recent ones", async () => {
    const db = createDb(env.DB);
    const tenant = `evict-${crypto.randomUUID()}`;
    let now = 1_000_000;
    const cache = createD1EmbeddingCache({ db, tenantId: tenant, embedder: "e#1", now: () => now });
    await cache.store(["old"], [Float32Array.of(1, 2)]);
    now = 5_000_000;
    await cache.store(["new"], [Float32Array.of(3, 4)]);
    const result = await embeddingCacheEviction({ ttlMs: 2_000_000, maxRows: 1_000_000 }).run(env, now);
    expect(result?.expired).toBeGreaterThanOrEqual(1);
    const [old, fresh] = await cache.lookup(["old", "new"]);
    expect(old).toBeUndefined();
    expect([...(fresh as Float32Array)]).toEqual([3, 4]);
  });
});
