import { describe, expect, it } from "vitest";
import { streamEvents } from "../../src/answers/answers.routes";
import { createAnswerService } from "../../src/answers/answers.service";
import { sseResponse } from "../../src/answers/answers.sse";
import { createRouter } from "../../src/http/openapi";
import { streamChat } from "../../src/openai/chat.service";
import type { GenerateEvent, GenerateRequest, Generator } from "../../src/providers/types";
import { ruleCondenser } from "../../src/sessions/condenser";
import { oneChunkRetriever } from "./fixtures";

/** A model that streams a word every 20 ms until its AbortSignal fires, and records that it did. */
function slowGenerator() {
  const seen: { signal?: AbortSignal; words: number } = { words: 0 };
  const generator: Generator = {
    id: "fake:slow",
    async generate() {
      throw new Error("not used");
    },
    async *stream(request: GenerateRequest): AsyncGenerator<GenerateEvent> {
      seen.signal = request.signal;
      for (let i = 0; i < 500; i++) {
        if (request.signal?.aborted) return;
        await new Promise((r) => setTimeout(r, 20));
        seen.words++;
        yield { type: "delta", text: `w${i} ` };
      }
    },
  };
  return { generator, seen };
}

const retriever = oneChunkRetriever;

async function readThenCancel(res: Response, until: RegExp): Promise<void> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!until.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`ended early: ${text}`);
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
}

async function abortedSoon(seen: { signal?: AbortSignal; words: number }): Promise<void> {
  for (let i = 0; i < 100 && !seen.signal?.aborted; i++) await new Promise((r) => setTimeout(r, 10));
  expect(seen.signal?.aborted).toBe(true);
  const words = seen.words;
  await new Promise((r) => setTimeout(r, 100));
  // Nothing is generated after the abort.
  expect(seen.words).toBe(words);
}

describe("a client disconnect aborts the generator's signal", () => {
  it("for a streaming /v1/answer", async () => {
    const { generator, seen } = slowGenerator();
    const service = createAnswerService({ retriever, generator, contextTokens: 1000 });
    const app = createRouter();
    app.post("/answer", (c) =>
      streamEvents(c, (signal) => service.stream({ tenantId: "t", query: "limit?", topK: 3, signal })),
    );
    const res = await app.request("/answer", { method: "POST" });
    await readThenCancel(res, /w2 /);
    await abortedSoon(seen);
  });

  it("for a streaming chat completion", async () => {
    const { generator, seen } = slowGenerator();
    const service = createAnswerService({ retriever, generator, contextTokens: 1000 });
    const app = createRouter();
    app.post("/chat", (c) =>
      sseResponse(c, async function* (signal) {
        const input = {
          tenantId: "t",
          model: "m",
          messages: [{ role: "user", content: "limit?" }],
          topK: 3,
          signal,
        };
        for await (const chunk of streamChat({ answers: service, condenser: ruleCondenser() }, input))
          yield { data: JSON.stringify(chunk) };
      }),
    );
    const res = await app.request("/chat", { method: "POST" });
    await readThenCancel(res, /w2 /);
    await abortedSoon(seen);
  });
});
