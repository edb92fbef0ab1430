import { describe, expect, it } from "vitest";
import { chunkBlocks, resolveChunkingOptions } from "../../src/chunking/chunker";
import { lineSpans, sentenceSpans } from "../../src/chunking/spans";
import { countTokens, wordSpans } from "../../src/chunking/tokens";
import { type Block, DEFAULT_CHUNKING } from "../../src/chunking/types";

const prose = (text: string, page?: number): Block =>
  page ? { kind: "prose", text, page } : { kind: "prose", text };
const heading = (level: number, text: string): Block => ({ kind: "heading", level, text });
const sentences = (n: number, word = "retrieval") =>
  Array.from({ length: n }, (_, i) => `Sentence ${i} is about ${word} systems.`).join(" ");
const slice = (t: string, spans: readonly (readonly [number, number])[]) =>
  spans.map(([s, e]) => t.slice(s, e));

describe("token estimate", () => {
  it("counts short words as one token, long words and numbers in pieces, punctuation apart", () => {
    expect(countTokens("the cat sat")).toBe(3);
    expect(countTokens("retrieval")).toBe(2);
    expect(countTokens("phosphorylation")).toBe(3);
    expect(countTokens("1234567")).toBe(3);
    expect(countTokens("Hello, world!")).toBe(4);
    expect(countTokens("   \n\t ")).toBe(0);
    expect(countTokens("日本語")).toBe(3);
  });

  it("matches the regular-expression definition of the estimate on mixed scripts", () => {
    const reference = (text: string) => {
      let n = 0;
      for (const m of text.matchAll(
        /([\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}])|((?:(?![\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}])[\p{L}\p{M}])+)|(\p{N}+)|[^\s\p{L}\p{M}\p{N}]/gu,
      )) {
        n += m[2] ? Math.ceil(m[2].length / 6) : m[3] ? Math.ceil(m[3].length / 3) : 1;
      }
      return n;
    };
    const samples = [
      "Plain English, with punctuation; and numbers 1234567!",
      "Café naïve résumé — Übergrößenträger ½ ³ ٣٤٥",
      "日本語のテキストとGPU混在。한국어 문장도 있습니다.",
      "tabs\tand\nnewlines\r\n  spaces\u00a0nbsp \u2003em",
      "e.g. C++ x86_64 https://example.com/a?b=c&d=e #hash @user",
      "Ελληνικά και русский текст, עברית וערבית عربى",
    ];
    for (const text of samples) expect(countTokens(text), text).toBe(reference(text));
  });

  it("is subadditive, so packed parts never exceed the budget together", () => {
    const parts = ["alpha beta", "gamma,", "delta 123", "εψιλον"];
    expect(countTokens(parts.join(" "))).toBeLessThanOrEqual(parts.reduce((n, p) => n + countTokens(p), 0));
  });

  it("splits words at whitespace but CJK characters apart", () => {
    const t = "don't split e.g. C++ 日本GPU語";
    expect(slice(t, wordSpans(t))).toEqual(["don't", "split", "e.g.", "C++", "日", "本", "GPU", "語"]);
  });
});

describe("sentence and line spans", () => {
  it("ends sentences at terminal punctuation but not after abbreviations, initials or decimals", () => {
    const t = "Dr. Smith met J. R. Tolkien at 3.5 p.m. on Monday. He left! Did he? 这是一句。这是二句！Done";
    expect(slice(t, sentenceSpans(t))).toEqual([
      "Dr. Smith met J. R. Tolkien at 3.5 p.m. on Monday.",
      "He left!",
      "Did he?",
      "这是一句。",
      "这是二句！",
      "Done",
    ]);
  });

  it("does not end a sentence before a lower-case continuation", () => {
    const t = "Values were high (see fig. 2) and rose. then fell.";
    expect(slice(t, sentenceSpans(t))).toEqual([t]);
  });

  it("keeps indentation of lines and drops blank ones", () => {
    const t = "def f():\n    return 1\n\n  \nprint(f())";
    expect(slice(t, lineSpans(t))).toEqual(["def f():", "    return 1", "print(f())"]);
  });
});

describe("chunkBlocks", () => {
  it("keeps a short document in one chunk with its heading path", () => {
    const chunks = chunkBlocks([
      heading(1, "Guide"),
      heading(2, "Install"),
      prose("Run npm ci. Then npm start."),
    ]);
    expect(chunks).toEqual([
      {
        ordinal: 0,
        text: "Guide\n\nInstall\n\nRun npm ci. Then npm start.",
        tokens: 11,
        headings: ["Guide", "Install"],
      },
    ]);
  });

  it("never lets a chunk span two sections", () => {
    const chunks = chunkBlocks([
      heading(1, "A"),
      prose("Alpha text."),
      heading(2, "B"),
      prose("Beta text."),
      heading(1, "C"),
      prose("Gamma text."),
    ]);
    expect(chunks.map((c) => [c.text, c.headings])).toEqual([
      ["A\n\nAlpha text.", ["A"]],
      ["B\n\nBeta text.", ["A", "B"]],
      ["C\n\nGamma text.", ["C"]],
    ]);
  });

  it("keeps every chunk within the budget and cuts only between sentences when a block is too long", () => {
    const text = sentences(60);
    const chunks = chunkBlocks([prose(text)], { maxTokens: 60, overlapTokens: 0 });
    expect(chunks.length).toBeGreaterThan(5);
    for (const c of chunks) {
      expect(c.tokens).toBeLessThanOrEqual(60);
      expect(c.text).toMatch(/^Sentence \d+ .*systems\.$/);
    }
    // Without overlap the chunks are exactly the text, cut at sentence boundaries.
    expect(chunks.map((c) => c.text).join(" ")).toBe(text);
  });

  it("repeats whole trailing sentences of the previous chunk as overlap", () => {
    const chunks = chunkBlocks([prose(sentences(30))], { maxTokens: 60, overlapTokens: 10 });
    for (let i = 1; i < chunks.length; i++) {
      const prev = chunks[i - 1]?.text as string;
      const first = /^.*?systems\./.exec(chunks[i]?.text as string)?.[0] as string;
      expect(prev.endsWith(first)).toBe(true);
      expect(countTokens(first)).toBeLessThanOrEqual(10);
    }
  });

  it("carries trailing words when the last sentence is longer than the overlap", () => {
    const long = `${Array.from({ length: 80 }, (_, i) => `w${i}`).join(" ")}.`;
    const chunks = chunkBlocks([prose(long)], { maxTokens: 40, overlapTokens: 8 });
    expect(chunks.length).toBeGreaterThan(2);
    const [a, b] = chunks as unknown as [{ text: string }, { text: string }];
    const start = a.text.indexOf(` ${b.text.split(" ")[0]} `);
    expect(start).toBeGreaterThan(0);
    const carried = a.text.slice(start + 1);
    expect(b.text.startsWith(carried)).toBe(true);
    expect(countTokens(carried)).toBeGreaterThan(0);
    expect(countTokens(carried)).toBeLessThanOrEqual(8);
  });

  it("never splits inside a word", () => {
    const words = Array.from({ length: 500 }, (_, i) => `token${i}`);
    const chunks = chunkBlocks([prose(words.join(" "))], { maxTokens: 50, overlapTokens: 5 });
    const known = new Set(words);
    for (const c of chunks) for (const w of c.text.split(/\s+/)) expect(known.has(w), w).toBe(true);
  });

  it("cuts a single over-long non-word (base64) so no chunk exceeds the budget", () => {
    const blob = "QUJD".repeat(500);
    const chunks = chunkBlocks([prose(`Payload: ${blob} end.`)], { maxTokens: 50, overlapTokens: 0 });
    for (const c of chunks) expect(c.tokens).toBeLessThanOrEqual(50);
    expect(chunks.map((c) => c.text).join("")).toContain(blob.slice(0, 100));
  });

  it("splits code and tables between lines, never inside a line", () => {
    const lines = Array.from({ length: 60 }, (_, i) => `row ${i} | value ${i * 2} | ok`);
    const chunks = chunkBlocks([{ kind: "lines", text: lines.join("\n") }], {
      maxTokens: 40,
      overlapTokens: 0,
    });
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) for (const l of c.text.split("\n")) expect(lines).toContain(l);
  });

  it("records the pages a chunk came from", () => {
    const chunks = chunkBlocks(
      [prose("First page text.", 1), prose("Second page text.", 2), prose("Third.", 3)],
      {
        maxTokens: 9,
        overlapTokens: 0,
      },
    );
    expect(chunks.map((c) => [c.pageStart, c.pageEnd])).toEqual([
      [1, 2],
      [3, 3],
    ]);
  });

  it("is deterministic", () => {
    const blocks = [heading(1, "T"), prose(sentences(100)), { kind: "lines" as const, text: "a\nb\nc" }];
    expect(chunkBlocks(blocks, { maxTokens: 50, overlapTokens: 12 })).toEqual(
      chunkBlocks(blocks, { maxTokens: 50, overlapTokens: 12 }),
    );
  });

  it("keeps a heading with no body as a chunk of its own so it stays findable", () => {
    expect(chunkBlocks([prose("Body."), heading(2, "Appendix")]).map((c) => c.text)).toEqual([
      "Body.",
      "Appendix",
    ]);
  });

  it("returns no chunks for blank input", () => {
    expect(chunkBlocks([prose("   "), heading(1, " ")])).toEqual([]);
  });

  it("documents its defaults and clamps options", () => {
    expect(DEFAULT_CHUNKING).toEqual({ maxTokens: 384, overlapTokens: 48 });
    expect(resolveChunkingOptions({ maxTokens: 100, overlapTokens: 90 })).toEqual({
      maxTokens: 100,
      overlapTokens: 50,
    });
    expect(resolveChunkingOptions({ maxTokens: 0 })).toEqual({ maxTokens: 1, overlapTokens: 0 });
  });

  it("chunks a large document in bounded chunks with default settings", () => {
    const blocks = Array.from({ length: 200 }, (_, i) => [
      heading(2, `Section ${i}`),
      prose(sentences(20)),
    ]).flat();
    const chunks = chunkBlocks(blocks);
    expect(chunks.length).toBeGreaterThanOrEqual(200);
    for (const c of chunks) expect(c.tokens).toBeLessThanOrEqual(DEFAULT_CHUNKING.maxTokens);
    expect(chunks.map((c) => c.ordinal)).toEqual(chunks.map((_, i) => i));
  });
});
