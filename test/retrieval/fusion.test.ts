import { describe, expect, it } from "vitest";
import { convex, dedupeBy, fuse, jaccard, mmr, RRF_K, rrf } from "../../src/retrieval/fusion/fusion";

describe("reciprocal rank fusion", () => {
  it("sums weight / (k + rank) over the lists, best first", () => {
    const fused = rrf([
      {
        name: "keyword",
        weight: 1,
        hits: [
          { id: "a", score: 9 },
          { id: "b", score: 5 },
        ],
      },
      {
        name: "vector",
        weight: 1,
        hits: [
          { id: "b", score: 0.9 },
          { id: "c", score: 0.8 },
        ],
      },
    ]);
    // b: 1/62 + 1/61, a: 1/61, c: 1/62
    expect(fused.map((c) => c.id)).toEqual(["b", "a", "c"]);
    expect(fused[0]?.fused).toBeCloseTo(1 / 62 + 1 / 61, 12);
    expect(fused[1]?.fused).toBeCloseTo(1 / 61, 12);
    expect(fused[2]?.fused).toBeCloseTo(1 / 62, 12);
    expect(fused[0]).toMatchObject({ keyword: 5, vector: 0.9 });
    expect(fused[2]).not.toHaveProperty("keyword");
  });

  it("applies per-list weights", () => {
    const fused = rrf([
      { name: "keyword", weight: 1, hits: [{ id: "a", score: 1 }] },
      {
        name: "vector",
        weight: 0.25,
        hits: [
          { id: "b", score: 1 },
          { id: "a", score: 0.5 },
        ],
      },
    ]);
    expect(fused[0]?.id).toBe("a");
    expect(fused[0]?.fused).toBeCloseTo(1 / (RRF_K + 1) + 0.25 / (RRF_K + 2), 12);
    expect(fused[1]?.fused).toBeCloseTo(0.25 / (RRF_K + 1), 12);
  });

  it("counts an id repeated within one list once, at its best rank", () => {
    const fused = rrf([
      {
        name: "keyword",
        weight: 1,
        hits: [
          { id: "a", score: 3 },
          { id: "a", score: 2 },
        ],
      },
    ]);
    expect(fused).toEqual([{ id: "a", fused: 1 / 61, keyword: 3 }]);
  });

  it("honours a custom k and keeps first-seen order on ties", () => {
    const fused = rrf(
      [
        { name: "keyword", weight: 1, hits: [{ id: "x", score: 1 }] },
        { name: "vector", weight: 1, hits: [{ id: "y", score: 1 }] },
      ],
      0,
    );
    expect(fused.map((c) => [c.id, c.fused])).toEqual([
      ["x", 1],
      ["y", 1],
    ]);
  });
});

describe("dedupe, MMR and Jaccard", () => {
  it("keeps the best item of each group", () => {
    const items = [
      { id: 1, doc: "a" },
      { id: 2, doc: "a" },
      { id: 3, doc: "b" },
    ];
    expect(dedupeBy(items, (i) => i.doc).map((i) => i.id)).toEqual([1, 3]);
  });

  it("Jaccard is |A∩B| / |A∪B|", () => {
    expect(jaccard(new Set(["a", "b", "c"]), new Set(["b", "c", "d"]))).toBeCloseTo(2 / 4);
    expect(jaccard(new Set(), new Set())).toBe(1);
    expect(jaccard(new Set(["a"]), new Set())).toBe(0);
  });

  it("MMR with lambda 1 keeps the ranking; lower lambda pushes near-duplicates down", () => {
    const items = ["a1", "a2", "b"];
    const sim = (x: string, y: string) => (x[0] === y[0] ? 1 : 0);
    expect(mmr(items, sim, { limit: 3, lambda: 1 })).toEqual(["a1", "a2", "b"]);
    // relevance 1, 2/3, 1/3; after a1: a2 = 0.5·2/3 − 0.5·1 < b = 0.5·1/3 − 0
    expect(mmr(items, sim, { limit: 3, lambda: 0.5 })).toEqual(["a1", "b", "a2"]);
    expect(mmr(items, sim, { limit: 2, lambda: 0.5 })).toEqual(["a1", "b"]);
  });
});

describe("convex combination of normalised scores", () => {
  it("min–max scales each list and sums the weighted scaled scores", () => {
    const fused = convex([
      {
        name: "keyword",
        weight: 1,
        hits: [
          { id: "a", score: 10 },
          { id: "b", score: 6 },
          { id: "c", score: 2 },
        ],
      },
      {
        name: "vector",
        weight: 0.5,
        hits: [
          { id: "c", score: 0.9 },
          { id: "b", score: 0.5 },
          { id: "d", score: 0.1 },
        ],
      },
    ]);
    // keyword scaled: a 1, b 0.5, c 0; vector scaled: c 1, b 0.5, d 0.
    // a 1, b 0.5 + 0.25 = 0.75, c 0 + 0.5 = 0.5, d 0.
    expect(fused.map((c) => c.id)).toEqual(["a", "b", "c", "d"]);
    expect(fused.map((c) => c.fused)).toEqual([1, 0.75, 0.5, 0]);
    expect(fused[1]).toMatchObject({ keyword: 6, vector: 0.5 });
    expect(fused[0]).not.toHaveProperty("vector");
  });

  it("scales a list of equal scores to 1, skips empty lists and counts a repeated id once", () => {
    const fused = convex([
      { name: "keyword", weight: 1, hits: [] },
      {
        name: "vector",
        weight: 2,
        hits: [
          { id: "x", score: 0.3 },
          { id: "x", score: 0.1 },
          { id: "y", score: 0.3 },
        ],
      },
    ]);
    expect(fused).toEqual([
      { id: "x", fused: 2, vector: 0.3 },
      { id: "y", fused: 2, vector: 0.3 },
    ]);
    expect(fuse([], "convex")).toEqual([]);
    expect(
      fuse([{ name: "keyword", weight: 1, hits: [{ id: "a", score: 1 }] }], "rrf")[0]?.fused,
    ).toBeCloseTo(1 / 61, 12);
  });
});
