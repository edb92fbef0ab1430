import { describe, expect, it } from "vitest";
import { createAnswerService } from "../../src/answers/answers.service";
import { NO_ANSWER } from "../../src/providers/local/extractive.generator";
import type { GenerateEvent, Generator } from "../../src/providers/types";
import { oneChunkRetriever } from "./fixtures";

const retriever = oneChunkRetriever;

/** A model that streams the given pieces, then finishes. */
function scripted(pieces: string[]): Generator {
  return {
    id: "fake:scripted",
    async generate() {
      throw new Error("not used");
    },
    async *stream(): AsyncGenerator<GenerateEvent> {
      for (const text of pieces) yield { type: "delta", text };
      const usage = { input_tokens: 10, output_tokens: pieces.length };
      yield {
        type: "done",
        result: { text: pieces.join(""), provider: "fake:scripted", usage, finishReason: "stop" },
      };
    },
  };
}

async function streamed(generator: Generator, redactPii = false) {
  const service = createAnswerService({ retriever, generator, contextTokens: 1000 });
  let text = "";
  let answer = "";
  for await (const e of service.stream({ tenantId: "t", query: "Who founded Acme?", topK: 3, redactPii })) {
    if (e.type === "delta") text += e.text;
    if (e.type === "done") answer = e.result.answer;
  }
  return { text, answer };
}

describe("streamed answers when the model says the documents do not answer", () => {
  it("send the model's reply once and the canonical wording in `done`", async () => {
    const { text, answer } = await streamed(
      scripted([NO_ANSWER.slice(0, 20), NO_ANSWER.slice(20), " Sorry!"]),
    );
    expect(text).toBe(`${NO_ANSWER} Sorry!`);
    expect(text.split(NO_ANSWER)).toHaveLength(2);
    expect(answer).toBe(NO_ANSWER);
  });

  it("with PII redaction, hold the text back and send the final answer whole", async () => {
    const { text, answer } = await streamed(scripted(["Mail ", "bob@example.com ", "for details."]), true);
    expect(text).toBe(answer);
    expect(text).not.toContain("bob@example.com");
  });
});
