import { describe, expect, it } from "vitest";
import type { Embedder, Reranker } from "../../src/providers/types";
import { createHybridRetriever } from "../../src/retrieval/hybrid.retriever";
import { normaliseQuery, QueryVectorCache } from "../../src/retrieval/query-cache";
import type { SearchRepo } from "../../src/retrieval/search.repo";

describe("query vector cache", () => {
  it("normalises whitespace and compatibility forms, keys by tenant and embedder", () => {
    expect(normaliseQuery("  ﬁsh \n\t chips ")).toBe("fish chips");
    expect(QueryVectorCache.key("a", "e#1", "x  y")).toBe(QueryVectorCache.key("a", "e#1", "x y"));
    expect(QueryVectorCache.key("a", "e#1", "x")).not.toBe(QueryVectorCache.key("b", "e#1", "x"));
    expect(QueryVectorCache.key("a", "e#1", "x")).not.toBe(QueryVectorCache.key("a", "e#2", "x"));
  });

  it("evicts the least recently used entry past capacity", () => {
    const cache = new QueryVectorCache(2);
    const v = new Float32Array([1]);
    cache.set("a", v);
    cache.set("b", v);
    cache.get("a");
    cache.set("c", v);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBe(v);
    expect(cache.size).toBe(2);
  });

  it("the retriever embeds a repeated query once", async () => {
    let calls = 0;
    const embedder: Embedder = {
      id: "fake:embed",
      dimensions: 2,
      async embed(texts) {
        calls++;
        return {
          vectors: texts.map(() => new Float32Array([1, 0])),
          provider: "fake",
          usage: { input_tokens: 0, output_tokens: 0 },
        };
      },
    };
    const repo: SearchRepo = { chunks: async () => new Map(), neighbours: async () => new Map() };
    const reranker: Reranker = {
      id: "none",
      rerank: async () => ({ scores: [], provider: "none", usage: { input_tokens: 0, output_tokens: 0 } }),
    };
    const retriever = createHybridRetriever({
      repo,
      embedder,
      reranker,
      keyword: { search: async () => [] } as never,
      vectors: () => ({ query: async () => ({ matches: [], count: 0 }) }),
      cache: new QueryVectorCache(),
    });
    await retriever.search("t1", { query: "heart  disease", topK: 5, mode: "vector" });
    await retriever.search("t1", { query: "heart disease", topK: 5, mode: "hybrid" });
    expect(calls).toBe(1);
    await retriever.search("t2", { query: "heart disease", topK: 5, mode: "vector" });
    expect(calls).toBe(2);
  });
});
