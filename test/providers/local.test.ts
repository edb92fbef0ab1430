import { describe, expect, it } from "vitest";
import { ProviderError } from "../../src/providers/errors";
import { extractAnswer } from "../../src/providers/local/extractive";
import { createExtractiveGenerator, NO_ANSWER } from "../../src/providers/local/extractive.generator";
import { createHashEmbedder, hashRevision } from "../../src/providers/local/hash.embedder";
import { hashEmbed } from "../../src/providers/local/hash-embedding";
import { createLexicalReranker } from "../../src/providers/local/lexical.reranker";
import { analyseQuery, bigramHits } from "../../src/providers/local/lexical-scoring";
import { analyseQuestion } from "../../src/providers/local/question";
import { splitSentences } from "../../src/providers/local/text/sentences";
import { stem } from "../../src/providers/local/text/stem";
import { tokenize } from "../../src/providers/local/text/terms";
import type { GenerateEvent, GroundingPassage } from "../../src/providers/types";

describe("Porter stemmer", () => {
  it("matches the published examples", () => {
    const pairs: [string, string][] = [
      ["caresses", "caress"],
      ["ponies", "poni"],
      ["cats", "cat"],
      ["agreed", "agre"],
      ["plastered", "plaster"],
      ["motoring", "motor"],
      ["hopping", "hop"],
      ["falling", "fall"],
      ["filing", "file"],
      ["happy", "happi"],
      ["relational", "relat"],
      ["conditional", "condit"],
      ["generalization", "gener"],
      ["oscillators", "oscil"],
      ["electrical", "electr"],
      ["adjustment", "adjust"],
      ["controlling", "control"],
      ["founded", "found"],
      ["founding", "found"],
    ];
    for (const [word, expected] of pairs) expect(stem(word), word).toBe(expected);
  });
});

describe("splitSentences", () => {
  it("splits on sentence ends but not abbreviations, initials or decimals", () => {
    const text =
      'Dr. Smith met J. R. R. Tolkien in the U.S. in 1950. The rate rose 3.5 percent! Was it "large"? Yes.\n\n- a list item\n- another';
    expect(splitSentences(text).map((s) => s.text)).toEqual([
      "Dr. Smith met J. R. R. Tolkien in the U.S. in 1950.",
      "The rate rose 3.5 percent!",
      'Was it "large"?',
      "Yes.",
      "- a list item",
      "- another",
    ]);
  });

  it("keeps offsets into the original text", () => {
    const text = "  First one.  Second one. ";
    for (const s of splitSentences(text)) expect(text.slice(s.start, s.end)).toBe(s.text);
  });
});

describe("analyseQuestion", () => {
  it("recognises the answer type", () => {
    expect(analyseQuestion("When was the Duchy of Normandy founded?").type).toBe("date");
    expect(analyseQuestion("In what year did the war end?").type).toBe("date");
    expect(analyseQuestion("How many people live there?").type).toBe("number");
    expect(analyseQuestion("Who was the Norse leader?").type).toBe("person");
    expect(analyseQuestion("Where was Dyrrachium located?").type).toBe("place");
    expect(analyseQuestion("What is the capital of France?").type).toBe("other");
  });
});

const PASSAGES: GroundingPassage[] = [
  {
    id: "c1",
    documentId: "d1",
    title: "Normans",
    text:
      "The Normans were the people who in the 10th and 11th centuries gave their name to Normandy, a region in France. " +
      "They were descended from Norse raiders. Their leader Rollo agreed to swear fealty to King Charles III.",
  },
  {
    id: "c2",
    documentId: "d2",
    title: "Duchy",
    text: "The Duchy of Normandy was founded in 911 by treaty with the French crown. It became a great fief.",
  },
];

describe("extractive generator", () => {
  const gen = createExtractiveGenerator();
  const ask = (question: string, passages = PASSAGES) => gen.generate({ messages: [], question, passages });

  it("answers with the answer-bearing sentence, its passage number and a citation", async () => {
    const r = await ask("When was the Duchy of Normandy founded?");
    expect(r.text).toContain("911");
    expect(r.text).toMatch(/\[2\]/);
    expect(r.citations?.[0]).toEqual({
      passageId: "c2",
      quote: "The Duchy of Normandy was founded in 911 by treaty with the French crown.",
    });
    expect(r.provider).toBe("local:extractive");
    expect(r.finishReason).toBe("stop");
    expect(r.usage.input_tokens).toBeGreaterThan(0);
  });

  it("prefers the sentence holding the kind of answer asked for", async () => {
    const r = await ask("Who was the leader of the Normans?");
    expect(r.text).toContain("Rollo");
    expect(r.text).toContain("[1]");
  });

  it("says plainly when the passages do not answer", async () => {
    const r = await ask("What is the boiling point of liquid nitrogen?");
    expect(r.text).toBe(NO_ANSWER);
    expect(r.citations).toEqual([]);
    expect((await ask("When was it founded?", [])).text).toBe(NO_ANSWER);
  });

  it("stitches the antecedent of an answer that starts with an anaphor", () => {
    const a = extractAnswer("What did the quicksort algorithm solve for a list of integers?", [
      {
        id: "p",
        text: "Consider the deterministic sorting algorithm quicksort. This solves the problem of sorting a list of integers given as input. Unrelated closing remark here.",
      },
    ]);
    expect(a.found).toBe(true);
    expect(a.sentences.map((s) => s.text)).toEqual([
      "Consider the deterministic sorting algorithm quicksort.",
      "This solves the problem of sorting a list of integers given as input.",
    ]);
  });

  it("falls back to the last user message when no question is given", async () => {
    const r = await gen.generate({
      messages: [{ role: "user", content: "When was the Duchy of Normandy founded?" }],
      question: "",
      passages: PASSAGES,
    });
    expect(r.text).toContain("911");
  });

  it("respects maxTokens", async () => {
    const r = await gen.generate({
      messages: [],
      question: "When was the Duchy of Normandy founded?",
      passages: PASSAGES,
      maxTokens: 4,
    });
    expect(r.finishReason).toBe("length");
    expect(r.usage.output_tokens).toBeLessThanOrEqual(4);
  });

  it("streams the same text as deltas, then one done", async () => {
    const events: GenerateEvent[] = [];
    for await (const e of gen.stream({
      messages: [],
      question: "When was the Duchy of Normandy founded?",
      passages: PASSAGES,
    }))
      events.push(e);
    const done = events.at(-1) as Extract<GenerateEvent, { type: "done" }>;
    expect(done.type).toBe("done");
    const text = events.flatMap((e) => (e.type === "delta" ? [e.text] : [])).join("");
    expect(text).toBe(done.result.text);
    expect(events.filter((e) => e.type === "done")).toHaveLength(1);
  });
});

describe("bigramHits", () => {
  const bigrams = analyseQuery("solar panel efficiency").bigrams; // "solar panel", "panel effici"
  const hits = (text: string) => bigramHits(tokenize(text), bigrams);

  it("counts each query bigram once, in order, with at most one word between its terms", () => {
    expect(hits("Solar panels raise efficiency.")).toBe(2); // one word between "panel" and "effici"
    expect(hits("Solar panels raise their efficiency.")).toBe(1);
    expect(hits("solar cheap panels; panels efficiency; solar panel")).toBe(2);
    expect(hits("Efficiency comes first, the panel later, solar last.")).toBe(0); // reversed order
    expect(hits("solar big cheap panel")).toBe(0); // two words between
    expect(hits("")).toBe(0);
    expect(bigramHits(tokenize("solar panel"), [])).toBe(0);
  });
});

describe("lexical reranker", () => {
  it("ranks the passage covering the query's terms, close together, first", async () => {
    const r = await createLexicalReranker().rerank("duchy of normandy founded", [
      "Paris is the capital of France.",
      "Normandy is a region. Much later, a duchy was founded elsewhere.",
      "The Duchy of Normandy was founded in 911.",
    ]);
    expect(r.scores).toHaveLength(3);
    expect(r.scores[2]).toBeGreaterThan(r.scores[1] as number);
    expect(r.scores[1]).toBeGreaterThan(r.scores[0] as number);
    for (const s of r.scores) {
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(1);
    }
    expect(r.provider).toBe("local:lexical");
  });

  it("scores zero for queries with no content words", async () => {
    const r = await createLexicalReranker().rerank("what is the", ["anything at all"]);
    expect(r.scores).toEqual([0]);
  });
});

describe("hash embedder", () => {
  it("wraps the pure algorithm unchanged and fingerprints it", async () => {
    const e = createHashEmbedder(64);
    const r = await e.embed(["hello world", "other"]);
    expect(r.vectors[0]).toEqual(hashEmbed("hello world", 64));
    expect(e.dimensions).toBe(64);
    expect(e.id).toBe("local:hash-64");
    expect(e.revision).toBe(hashRevision(64));
    expect(hashRevision(64)).not.toBe(hashRevision(128));
    expect(r.usage.input_tokens).toBeGreaterThan(0);
  });

  it("keeps its output across rewrites: indexed vectors stay comparable without a reindex", () => {
    // Fingerprints of the original string-hashing implementation; a change here means every
    // tenant's vectors need a reindex, which must be a deliberate decision.
    expect(hashRevision(64)).toBe("32fec53f");
    expect(hashRevision(384)).toBe("d8b3511c");
    expect(hashRevision(768)).toBe("6fa73d2a");
    const long = `${"Ünïcödé naïve café ".repeat(40)} ${Array.from({ length: 600 }, (_, i) => `w${i}`).join(" ")}`;
    const v = hashEmbed(long, 384);
    expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    expect(hashEmbed("the of and", 384).every((x) => x === 0)).toBe(true);
  });

  it("weights every feature of a word by weightOf(stem), e.g. query IDF", () => {
    const plain = hashEmbed("volcano eruption", 256);
    expect(hashEmbed("volcano eruption", 256, () => 1)).toEqual(plain);
    const tilted = hashEmbed("volcano eruption", 256, (s) => (s === "volcano" ? 10 : 1));
    const volcano = hashEmbed("volcano", 256);
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((n, x, i) => n + x * (b[i] as number), 0);
    expect(dot(tilted, volcano)).toBeGreaterThan(dot(plain, volcano));
  });

  it("refuses sizes the vector index cannot hold", () => {
    expect(() => createHashEmbedder(8)).toThrow(ProviderError);
    expect(() => createHashEmbedder(2048)).toThrow(/1536/);
  });
});
