import { describe, expect, it } from "vitest";
import { createExtractiveGenerator, NO_ANSWER } from "../../src/providers/local/extractive.generator";

/** Passages as BM25 retrieves them from SciFact for a football question (abridged abstracts). */
const SCIFACT = [
  {
    id: "malaria",
    documentId: "malaria",
    title: "Malaria eradication back on the table.",
    text: "The Roll Back Malaria initiative, launched by WHO in 1998, led to the Abuja Declaration in 2000, which defined progressive intervention coverage targets for control worldwide. The world has since made progress.",
  },
  {
    id: "drowning",
    documentId: "drowning",
    title: "Preventing deaths by drowning in children in the United Kingdom.",
    text: "This analysis found that 149 children had drowned in the United Kingdom during 1998-9. Most deaths happened at home.",
  },
];

const ask = (question: string, passages = SCIFACT) =>
  createExtractiveGenerator().generate({ messages: [], question, passages });

describe("the extractive no-answer decision", () => {
  it("does not answer from a text that merely shares a year with the question", async () => {
    expect((await ask("Who won the 1998 world cup?")).text).toBe(NO_ANSWER);
    expect((await ask("Who won the 1998 World Cup?")).text).toBe(NO_ANSWER);
    expect((await ask("How many children drowned in France in 1998?")).text).toBe(NO_ANSWER);
  });

  it("still answers when the passage is about the question", async () => {
    const football = [
      ...SCIFACT,
      {
        id: "wc",
        documentId: "wc",
        title: "1998 FIFA World Cup",
        text: "The 1998 FIFA World Cup was held in France. France won the 1998 World Cup, beating Brazil 3–0 in the final.",
      },
    ];
    const r = await ask("Who won the 1998 world cup?", football);
    expect(r.text).toMatch(/France won the 1998 World Cup/);
    expect(r.citations?.[0]?.passageId).toBe("wc");
    // A paraphrased question still finds its sentence when the passage covers its topic.
    expect((await ask("How many children drowned in the UK in 1998?")).text).toMatch(/149 children/);
  });
});
