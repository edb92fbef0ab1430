import { describe, expect, it } from "vitest";
import { createHashEmbedder } from "../../src/providers/local/hash.embedder";
import { hashEmbed } from "../../src/providers/local/hash-embedding";
import { defaultFusion, fusionFor, HASH_EMBEDDER_FUSION } from "../../src/retrieval/hybrid.config";
import { Bm25Index } from "../../src/retrieval/keyword/bm25-index";
import { idfWeight, weightedQueryEmbedder } from "../../src/retrieval/query-vector";

const dot = (a: Float32Array, b: Float32Array) => a.reduce((n, x, i) => n + x * (b[i] as number), 0);

describe("IDF-weighted query vectors for the hash embedder", () => {
  const index = new Bm25Index();
  for (let i = 0; i < 50; i++) index.add(null, `common words appear in document ${i}`);
  index.add(null, "a rare zeolite appears once");

  it("weights rare stems above common ones, and unknown stems highest", () => {
    const w = idfWeight(index);
    expect(w("zeolit")).toBeGreaterThan(w("common"));
    expect(w("neverseen")).toBeGreaterThan(w("zeolit"));
    expect(w("common")).toBeCloseTo(Math.log(1 + 51 / 51) ** 2, 9);
  });

  it("leans the query vector towards the rare word", () => {
    const embed = weightedQueryEmbedder(createHashEmbedder(256), index);
    expect(embed).not.toBeNull();
    const q = embed?.("common zeolite") as Float32Array;
    const plain = hashEmbed("common zeolite", 256);
    const rare = hashEmbed("zeolite", 256);
    expect(dot(q, rare)).toBeGreaterThan(dot(plain, rare));
    expect(Math.hypot(...q)).toBeCloseTo(1, 5);
  });

  it("only applies to the built-in hash embedder of this build", () => {
    const remote = { id: "openai:m@http://x/v1", dimensions: 8, embed: async () => ({}) as never };
    expect(weightedQueryEmbedder(remote, index)).toBeNull();
    const stale = { ...createHashEmbedder(256), revision: "00000000" };
    expect(weightedQueryEmbedder(stale, index)).toBeNull();
  });
});

describe("fusion defaults", () => {
  it("fuses the hash embedder by scores at a low vector weight, model embedders by rank at equal weights", () => {
    expect(defaultFusion("local:hash-384")).toBe(HASH_EMBEDDER_FUSION);
    expect(defaultFusion("local:hash-384").method).toBe("convex");
    expect(defaultFusion("workers-ai:@cf/baai/bge-base-en-v1.5")).toEqual({
      method: "rrf",
      weights: { keyword: 1, vector: 1 },
    });
    expect(fusionFor("local:hash-384", { vector: 0.5 })).toEqual({
      method: "convex",
      weights: { keyword: 1, vector: 0.5 },
    });
  });
});
