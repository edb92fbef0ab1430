import { describe, expect, it } from "vitest";
import type { AppError } from "../../src/http/errors";
import { createEmbeddingPipeline } from "../../src/providers/embedding/pipeline";
import { ProviderError } from "../../src/providers/errors";
import { BreakerRegistry } from "../../src/providers/reliability/breaker";
import type { GenerateEvent, GenerateRequest } from "../../src/providers/types";
import { workersAiError } from "../../src/providers/workers-ai/workers-ai.binding";
import { createWorkersAiEmbedder } from "../../src/providers/workers-ai/workers-ai.embedder";
import { createWorkersAiGenerator } from "../../src/providers/workers-ai/workers-ai.generator";
import { createWorkersAiReranker } from "../../src/providers/workers-ai/workers-ai.reranker";
import { fakeAi } from "./fake-ai";
import { FakeClock } from "./fakes";
import { rejection } from "./wire";

const request: GenerateRequest = {
  messages: [{ role: "user", content: "Hi" }],
  question: "Hi",
  passages: [],
};

describe("Workers AI embeddings", () => {
  it("sends { text, pooling: cls } and reads { shape, data }", async () => {
    const ai = fakeAi();
    const e = createWorkersAiEmbedder(ai.binding, "@cf/baai/bge-base-en-v1.5");
    expect(e.dimensions).toBe(768);
    expect(e.maxBatch).toBe(100);
    const r = await e.embed(["abc", "de"]);
    expect(r.vectors.map((v) => [v.length, v[0]])).toEqual([
      [768, 3],
      [768, 2],
    ]);
    expect(ai.calls[0]).toEqual({
      model: "@cf/baai/bge-base-en-v1.5",
      inputs: { text: ["abc", "de"], pooling: "cls" },
    });
  });

  it("asks bge-m3 to truncate instead of pooling", async () => {
    const ai = fakeAi();
    await createWorkersAiEmbedder(ai.binding, "@cf/baai/bge-m3").embed(["x"]);
    expect(ai.calls[0]?.inputs).toEqual({ text: ["x"], truncate_inputs: true });
  });

  it("stays within 100 texts per call when a pipeline embeds 250, with the query instruction for queries", async () => {
    const ai = fakeAi();
    const pipeline = createEmbeddingPipeline({
      members: [createWorkersAiEmbedder(ai.binding, "@cf/baai/bge-small-en-v1.5")],
      deps: { clock: new FakeClock(), random: () => 0, breakers: new BreakerRegistry() },
    });
    const texts = Array.from({ length: 250 }, (_, i) => `text number ${i}`);
    const r = await pipeline.embed(texts);
    expect(ai.calls.map((c) => (c.inputs.text as string[]).length)).toEqual([100, 100, 50]);
    expect(r.vectors.map((v) => v[0])).toEqual(texts.map((t) => t.length));
    await pipeline.embed(["what is x"], { kind: "query" });
    expect((ai.calls.at(-1)?.inputs.text as string[] | undefined)?.[0]).toBe(
      "Represent this sentence for searching relevant passages: what is x",
    );
  });

  it("rejects answers of the wrong shape", async () => {
    const bad = { run: async () => ({ shape: [1, 2], data: [[1, "x"]] }) };
    expect(
      await rejection(createWorkersAiEmbedder(bad, "@cf/baai/bge-small-en-v1.5").embed(["a"])),
    ).toMatchObject({
      kind: "bad_response",
    });
    const short = { run: async () => ({ shape: [1, 2], data: [[1, 2]] }) };
    expect(
      await rejection(createWorkersAiEmbedder(short, "@cf/baai/bge-small-en-v1.5").embed(["a", "b"])),
    ).toMatchObject({
      kind: "bad_response",
    });
  });

  it("is a clear configuration error without the AI binding", async () => {
    const err = await rejection(
      createWorkersAiEmbedder(undefined, "@cf/baai/bge-small-en-v1.5").embed(["a"]),
    );
    expect(err).toMatchObject({ kind: "misconfigured" });
    expect((err as Error).message).toContain("--env cloud");
  });
});

describe("Workers AI reranker", () => {
  it("sends { query, contexts, top_k } and maps { response: [{ id, score }] } back to input order", async () => {
    const ai = fakeAi();
    const r = await createWorkersAiReranker(ai.binding, "@cf/baai/bge-reranker-base").rerank("red apple", [
      "pear",
      "red apple",
      "apple",
    ]);
    expect(r.scores).toEqual([0, 0.2, 0.1]);
    expect(ai.calls[0]?.inputs).toEqual({
      query: "red apple",
      contexts: [{ text: "pear" }, { text: "red apple" }, { text: "apple" }],
      top_k: 3,
    });
  });
});

describe("Workers AI chat", () => {
  it("sends max_tokens explicitly and reads { response, usage }", async () => {
    const ai = fakeAi();
    const r = await createWorkersAiGenerator(ai.binding, "@cf/meta/llama-3.1-8b-instruct-fast").generate(
      request,
    );
    expect(r).toMatchObject({
      text: "Hello wörld",
      usage: { input_tokens: 12, output_tokens: 4 },
      finishReason: "stop",
    });
    expect(ai.calls[0]?.inputs).toEqual({ messages: request.messages, max_tokens: 1024 });
  });

  it("marks an answer that used the whole budget as truncated", async () => {
    const ai = fakeAi();
    const r = await createWorkersAiGenerator(ai.binding, "@cf/meta/llama-3.1-8b-instruct").generate({
      ...request,
      maxTokens: 4,
    });
    expect(r.finishReason).toBe("length");
  });

  it("parses the SSE stream delivered in pieces that split frames mid-JSON", async () => {
    const ai = fakeAi();
    const events: GenerateEvent[] = [];
    for await (const e of createWorkersAiGenerator(ai.binding, "@cf/meta/llama-3.1-8b-instruct").stream(
      request,
    ))
      events.push(e);
    expect(events.flatMap((e) => (e.type === "delta" ? [e.text] : []))).toEqual(["Hel", "lo ", "wörld"]);
    expect(events.at(-1)).toMatchObject({
      type: "done",
      result: { text: "Hello wörld", usage: { input_tokens: 12, output_tokens: 4 } },
    });
    expect(ai.calls[0]?.inputs).toMatchObject({ stream: true, max_tokens: 1024 });
  });

  it("accepts models that answer in the OpenAI shape", async () => {
    const ai = {
      run: async () => ({ choices: [{ message: { content: "Hi there" }, finish_reason: "length" }] }),
    };
    const r = await createWorkersAiGenerator(ai, "@cf/openai/gpt-oss-20b").generate(request);
    expect(r).toMatchObject({ text: "Hi there", finishReason: "length" });
  });
});

describe("Workers AI errors", () => {
  it("classifies the platform's internal codes", () => {
    const kind = (m: string) => workersAiError(new Error(m)).kind;
    expect(kind("3040: Capacity temporarily exceeded, please try again.")).toBe("rate_limited");
    expect(kind("AiError: 3036: You have used up your daily free allocation of 10,000 neurons")).toBe(
      "quota_exhausted",
    );
    expect(kind("3007: Request timeout")).toBe("timeout");
    expect(kind("5007: No such model @cf/x/y or task")).toBe("not_found");
    expect(kind("3006: Request is too large")).toBe("invalid_request");
    expect(kind("InferenceUpstreamError: something odd")).toBe("server_error");
    expect(kind("Network connection lost.")).toBe("network");
  });

  it("retries capacity errors and falls back on quota exhaustion", async () => {
    const ai = fakeAi();
    ai.failures.push(new Error("3040: Capacity temporarily exceeded"));
    const clock = new FakeClock();
    const pipeline = createEmbeddingPipeline({
      members: [createWorkersAiEmbedder(ai.binding, "@cf/baai/bge-small-en-v1.5")],
      deps: { clock, random: () => 0, breakers: new BreakerRegistry() },
    });
    expect((await pipeline.embed(["a"])).vectors).toHaveLength(1);
    expect(ai.calls).toHaveLength(2);
    ai.failures.push(new Error("3036: daily free allocation used up"));
    const err = (await rejection(pipeline.embed(["b"]))) as AppError;
    expect(err.code).toBe("provider_unavailable");
    expect(err.status).toBe(503);
    expect(ai.calls).toHaveLength(3);
    expect(new ProviderError("quota_exhausted", "x").retryable).toBe(false);
  });
});
