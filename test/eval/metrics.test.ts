import { describe, expect, it } from "vitest";
import { parseJsonl, parseQrels } from "../../src/eval/beir";
import { evaluate, latencySummary, ndcgAt, recallAt, reciprocalRankAt } from "../../src/eval/metrics";
import { containsGold, normalizeAnswer } from "../../src/eval/qa";

const judged = (entries: [string, number][]) => new Map(entries);

describe("nDCG@10 (trec_eval: linear gains, ideal from all qrels)", () => {
  it("is 1 for the ideal ranking and matches a hand-computed value otherwise", () => {
    const j = judged([
      ["a", 2],
      ["b", 1],
    ]);
    expect(ndcgAt(["a", "b", "x"], j, 10)).toBeCloseTo(1, 12);
    // ranking x, b, a: DCG = 1/log2(3) + 2/log2(4) = 0.63093 + 1 = 1.63093
    // ideal a, b:      IDCG = 2/log2(2) + 1/log2(3) = 2 + 0.63093 = 2.63093
    expect(ndcgAt(["x", "b", "a"], j, 10)).toBeCloseTo(1.63092975357146 / 2.63092975357146, 12);
  });

  it("counts relevant documents the ranking never reaches in the ideal DCG", () => {
    // one of three relevant found at rank 1: 1 / (1 + 1/log2(3) + 1/log2(4)) = 1 / 2.13093
    const j = judged([
      ["a", 1],
      ["b", 1],
      ["c", 1],
    ]);
    expect(ndcgAt(["a"], j, 10)).toBeCloseTo(1 / 2.13092975357146, 12);
  });

  it("cuts at k, ignores repeats and non-positive judgements", () => {
    const j = judged([
      ["a", 1],
      ["n", 0],
    ]);
    const eleventh = [...Array.from({ length: 10 }, (_, i) => `x${i}`), "a"];
    expect(ndcgAt(eleventh, j, 10)).toBe(0);
    // "x" repeated must not push "a" from rank 2 to rank 3
    expect(ndcgAt(["x", "x", "a"], j, 10)).toBeCloseTo(1 / Math.log2(3), 12);
    expect(ndcgAt(["n"], j, 10)).toBe(0);
    expect(ndcgAt(["a"], judged([["n", 0]]), 10)).toBe(0);
  });
});

describe("Recall@k and MRR@k", () => {
  const j = judged([
    ["a", 1],
    ["b", 1],
    ["c", 1],
    ["d", 1],
  ]);
  it("recall is found / relevant within the cut-off", () => {
    expect(recallAt(["a", "x", "b"], j, 100)).toBe(0.5);
    expect(recallAt(["a", "x", "b"], j, 2)).toBe(0.25);
    expect(recallAt(["a", "a", "a"], j, 100)).toBe(0.25);
  });
  it("MRR is the reciprocal rank of the first relevant document within k", () => {
    expect(reciprocalRankAt(["x", "y", "c"], j, 10)).toBeCloseTo(1 / 3, 12);
    expect(reciprocalRankAt(["x", "x", "c"], j, 10)).toBeCloseTo(1 / 2, 12);
    expect(reciprocalRankAt(["x", "y", "c"], j, 2)).toBe(0);
  });
});

describe("evaluate", () => {
  it("averages over every query of the qrels, scoring unanswered queries 0", () => {
    const qrels = new Map([
      ["q1", judged([["a", 1]])],
      ["q2", judged([["b", 1]])],
    ]);
    const run = new Map([["q1", ["x", "a"]]]);
    const m = evaluate(qrels, run, [1, 5]);
    expect(m.queries).toBe(2);
    expect(m.mrr10).toBeCloseTo(0.25, 12);
    expect(m.ndcg10).toBeCloseTo(1 / Math.log2(3) / 2, 12);
    expect(m.recall100).toBe(0.5);
    expect(m.recall).toEqual({ 1: 0, 5: 0.5 });
  });
});

describe("BEIR parsing and latency summary", () => {
  it("parses qrels with a header and graded scores", () => {
    const q = parseQrels("query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t2\nq2\td3\t0\n");
    expect(q.get("q1")).toEqual(
      new Map([
        ["d1", 1],
        ["d2", 2],
      ]),
    );
    expect(q.get("q2")).toEqual(new Map([["d3", 0]]));
    expect(() => parseQrels("h\th\th\nq\td\tbad\n")).toThrow(/line 2/);
  });
  it("parses JSON Lines and names a bad line", () => {
    expect(parseJsonl<{ _id: string }>('{"_id":"a"}\n\n{"_id":"b"}\n', "corpus").map((d) => d._id)).toEqual([
      "a",
      "b",
    ]);
    expect(() => parseJsonl('{"_id":"a"}\n{oops', "corpus")).toThrow("corpus: line 2");
  });
  it("nearest-rank percentiles", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(latencySummary(xs)).toMatchObject({ p50: 50, p95: 95, p99: 99, min: 1, max: 100, count: 100 });
    expect(latencySummary([7])).toMatchObject({ p50: 7, p99: 7 });
  });
});

describe("SQuAD answer normalisation", () => {
  it("normalises like the official script and matches whole words only", () => {
    expect(normalizeAnswer("The  Normans, in 911!")).toBe("normans in 911");
    expect(containsGold("They settled in France [1].", ["france"])).toBe(true);
    expect(containsGold("The Frances were there.", ["France"])).toBe(false);
    expect(containsGold("It cost $1,000 in total.", ["1000"])).toBe(true);
    expect(containsGold("Founded by the Duke of Normandy", ["Duke of Normandy"])).toBe(true);
    expect(containsGold("anything", ["the"])).toBe(false);
  });
});
