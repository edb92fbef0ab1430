import { describe, expect, it } from "vitest";
import { Bm25Index } from "../../src/retrieval/keyword/bm25-index";
import { foldText, queryWords, TermDictionary } from "../../src/retrieval/keyword/terms";

/** BM25 of one term by hand: idf · tf·(k1+1) / (tf + k1·(1 − b + b·len/avg)). */
function bm25(tf: number, len: number, avg: number, df: number, n: number, k1 = 1.2, b = 0.75): number {
  const idf = Math.max(Math.log((n - df + 0.5) / (df + 0.5)), 1e-6);
  return (idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * len) / avg));
}

describe("keyword analyzer", () => {
  it("folds case and accents, stems, and keeps digits as they are", () => {
    expect(foldText("Café ÉIRE")).toBe("cafe eire");
    const dict = new TermDictionary();
    const ids: number[] = [];
    dict.scan("Running runs RUN 1990s 1990", (id) => ids.push(id));
    expect(ids[0]).toBe(ids[1]);
    expect(ids[1]).toBe(ids[2]);
    expect(dict.stemOf(ids[0] as number)).toBe("run");
    expect(dict.stemOf(ids[4] as number)).toBe("1990");
    expect(ids[3]).toBe(ids[4]); // "1990s" is a word: Porter strips its plural s
    expect(dict.idOf("unseen", false)).toBe(-1);
    expect(dict.size).toBe(2);
  });

  it("turns any text into distinct query words, dropping function words unless nothing else is left", () => {
    expect(queryWords('The "volcano" AND (magma)* volcano!')).toEqual(["volcano", "magma"]);
    expect(queryWords("to be or not to be")).toEqual(["not"]);
    expect(queryWords("to be or to be")).toEqual(["to", "be", "or"]);
    expect(queryWords("?!… ---")).toEqual([]);
    expect(queryWords(Array.from({ length: 100 }, (_, i) => `w${i}`).join(" "))).toHaveLength(64);
  });
});

describe("in-memory BM25", () => {
  // Three documents; "magma" is in two of them (n = 3, df = 2: idf floors at 1e-6), "crust" in one.
  const index = new Bm25Index({ titleWeight: 1 });
  index.add(null, "magma crust magma"); // len 3, tf(magma) 2, tf(crust) 1
  index.add(null, "magma rises"); // len 2
  index.add(null, "ice and snow fields"); // len 4
  const avg = (3 + 2 + 4) / 3;

  it("scores like FTS5's bm25(): hand-computed values", () => {
    const hits = index.search(index.queryTerms("crust"), 10);
    expect(hits).toHaveLength(1);
    expect(hits[0]?.doc).toBe(0);
    expect(hits[0]?.score).toBeCloseTo(bm25(1, 3, avg, 1, 3), 6);

    const both = index.search(index.queryTerms("magma crust"), 10);
    expect(both.map((h) => h.doc)).toEqual([0, 1]);
    expect(both[0]?.score).toBeCloseTo(bm25(2, 3, avg, 2, 3) + bm25(1, 3, avg, 1, 3), 6);
    expect(both[1]?.score).toBeCloseTo(bm25(1, 2, avg, 2, 3), 9);
  });

  it("returns the best `limit`, ties broken by document order, and nothing for unknown words", () => {
    const tie = new Bm25Index();
    for (let i = 0; i < 5; i++) tie.add(null, "same words here");
    expect(tie.search(tie.queryTerms("words"), 3).map((h) => h.doc)).toEqual([0, 1, 2]);
    expect(index.search(index.queryTerms("nothing matches"), 10)).toEqual([]);
    expect(index.search(index.queryTerms("magma"), 0)).toEqual([]);
  });

  it("weights title occurrences", () => {
    const titled = new Bm25Index({ titleWeight: 3 });
    titled.add("Glaciers", "ice moves slowly downhill");
    titled.add(null, "glaciers ice moves slowly downhill");
    const [first] = titled.search(titled.queryTerms("glacier"), 2);
    expect(first?.doc).toBe(0);
  });

  it("applies `accept` to every scoring document, so a selective filter still fills the list", () => {
    const many = new Bm25Index();
    for (let i = 0; i < 200; i++) many.add(null, i === 150 ? "rare topic" : `topic topic ${i}`);
    // Document 150 scores lowest for "topic" (one occurrence) yet is the only one accepted.
    const hits = many.search(many.queryTerms("topic"), 5, (d) => d === 150);
    expect(hits.map((h) => h.doc)).toEqual([150]);
  });

  it("keeps scoring correctly after appends (lengths and IDF follow the collection)", () => {
    const grow = new Bm25Index({ titleWeight: 1 });
    grow.add(null, "alpha beta");
    const before = grow.search(grow.queryTerms("alpha"), 1)[0]?.score ?? 0;
    grow.add(null, "gamma delta epsilon zeta");
    grow.add(null, "gamma");
    const after = grow.search(grow.queryTerms("alpha"), 1)[0]?.score ?? 0;
    expect(after).toBeCloseTo(bm25(1, 2, 7 / 3, 1, 3), 6);
    expect(after).not.toBeCloseTo(before, 6);
  });
});
