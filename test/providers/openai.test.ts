import { describe, expect, it } from "vitest";
import type { AppError } from "../../src/http/errors";
import { ProviderError } from "../../src/providers/errors";
import { createOpenAiEmbedder } from "../../src/providers/openai/openai.embedder";
import { createOpenAiGenerator } from "../../src/providers/openai/openai.generator";
import { createOpenAiReranker } from "../../src/providers/openai/openai.reranker";
import { BreakerRegistry } from "../../src/providers/reliability/breaker";
import { callChain } from "../../src/providers/reliability/chain";
import { systemClock } from "../../src/providers/reliability/clock";
import { DEFAULT_POLICIES } from "../../src/providers/reliability/policy";
import type { GenerateEvent, GenerateRequest } from "../../src/providers/types";
import { FakeClock } from "./fakes";
import { rejection, wireBase, wireLog, wireVector } from "./wire";

const request = (over: Partial<GenerateRequest> = {}): GenerateRequest => ({
  messages: [
    { role: "system", content: "Be brief." },
    { role: "user", content: "What is 2+2?" },
  ],
  question: "What is 2+2?",
  passages: [],
  ...over,
});

async function collect(it: AsyncIterable<GenerateEvent>) {
  const events: GenerateEvent[] = [];
  for await (const e of it) events.push(e);
  const done = events.at(-1) as Extract<GenerateEvent, { type: "done" }>;
  const text = events.flatMap((e) => (e.type === "delta" ? [e.text] : [])).join("");
  return { events, done, text };
}

describe("OpenAI-compatible embeddings", () => {
  it("posts { model, input, encoding_format } with the key and maps vectors back by index", async () => {
    const { base, key } = wireBase("auth");
    const e = createOpenAiEmbedder({ model: "nomic-embed-text", baseUrl: `${base}/v1`, apiKey: "test-key" });
    const texts = ["alpha beta", "gamma", "delta epsilon zeta"];
    const r = await e.embed(texts);
    expect(r.vectors.map((v) => [...v])).toEqual(texts.map((t) => wireVector(t)));
    expect(r.usage.input_tokens).toBe(9);
    expect(r.provider).toBe(`openai:nomic-embed-text@${base}/v1`);
    const [logged] = await wireLog(key);
    expect(logged?.path).toBe("/v1/embeddings");
    expect(logged?.headers.authorization).toBe("Bearer test-key");
    expect(logged?.body).toEqual({ model: "nomic-embed-text", input: texts, encoding_format: "float" });
    expect(e.dimensions).toBe(768);
    expect(e.info?.queryPrefix).toBe("search_query: ");
  });

  it("reports 401 as auth, 429 with its Retry-After, 500 as a server error, bad JSON as bad_response", async () => {
    const embed = (mode: string, apiKey?: string) =>
      rejection(
        createOpenAiEmbedder({ model: "m", baseUrl: `${wireBase(mode).base}/v1`, apiKey }).embed(["x"]),
      );
    expect(await embed("auth", "wrong")).toMatchObject({ kind: "auth", status: 401 });
    const limited = (await embed("rate-limited")) as ProviderError;
    expect(limited).toBeInstanceOf(ProviderError);
    expect(limited).toMatchObject({ kind: "rate_limited", status: 429, retryAfterMs: 7_000 });
    expect(limited.message).toContain("Rate limit reached");
    expect(await embed("error")).toMatchObject({ kind: "server_error", status: 500 });
    expect(await embed("malformed")).toMatchObject({ kind: "bad_response" });
  });
});

describe("OpenAI-compatible chat completions", () => {
  it("sends max_tokens explicitly and returns text, usage and finish reason", async () => {
    const { base, key } = wireBase("ok");
    const g = createOpenAiGenerator({ model: "llama3.2", baseUrl: `${base}/v1` });
    const r = await g.generate(request({ temperature: 0.2 }));
    expect(r).toMatchObject({
      text: "echo: What is 2+2?",
      finishReason: "stop",
      usage: { input_tokens: 11, output_tokens: 7 },
      provider: `openai:llama3.2@${base}/v1`,
    });
    const [logged] = await wireLog(key);
    expect(logged?.body).toMatchObject({ model: "llama3.2", max_tokens: 1024, temperature: 0.2 });
    expect(logged?.headers.authorization).toBeUndefined();
  });

  it("builds a grounded prompt when the request has only a question and passages", async () => {
    const { base, key } = wireBase("ok");
    const g = createOpenAiGenerator({ model: "m", baseUrl: `${base}/v1` });
    await g.generate(request({ messages: [], passages: [{ id: "c1", documentId: "d1", text: "Four." }] }));
    const [logged] = await wireLog(key);
    const messages =
      (logged?.body as { messages?: { role: string; content: string }[] } | undefined)?.messages ?? [];
    expect(messages[0]?.role).toBe("system");
    expect(messages[1]?.content).toContain("[1] Four.");
  });

  it("switches to max_completion_tokens when the server asks for it", async () => {
    const { base, key } = wireBase("max-completion");
    const g = createOpenAiGenerator({ model: "o-reasoner", baseUrl: `${base}/v1` });
    expect((await g.generate(request({ maxTokens: 50 }))).text).toBe("echo: What is 2+2?");
    const log = await wireLog(key);
    expect(log.map((l) => Object.keys(l.body as object).filter((k) => k.startsWith("max_")))).toEqual([
      ["max_tokens"],
      ["max_completion_tokens"],
    ]);
  });

  it("streams deltas from SSE frames split mid-JSON and mid-character, with usage from the last chunk", async () => {
    const { base, key } = wireBase("split");
    const g = createOpenAiGenerator({ model: "m", baseUrl: `${base}/v1` });
    const { done, text, events } = await collect(g.stream(request()));
    expect(text).toBe("Hello world — ünïcödé ✓");
    expect(events.filter((e) => e.type === "delta")).toHaveLength(3);
    expect(done.result).toMatchObject({
      text,
      finishReason: "stop",
      usage: { input_tokens: 5, output_tokens: 3 },
    });
    const [logged] = await wireLog(key);
    expect(logged?.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 1024,
    });
  });

  it("fails a stream with malformed JSON or one cut off before [DONE]", async () => {
    const g = (mode: string) => createOpenAiGenerator({ model: "m", baseUrl: `${wireBase(mode).base}/v1` });
    expect(await rejection(collect(g("malformed").stream(request())))).toMatchObject({
      kind: "bad_response",
    });
    expect(await rejection(collect(g("cut").stream(request())))).toMatchObject({ kind: "network" });
    expect(await rejection(g("malformed").generate(request()))).toMatchObject({ kind: "bad_response" });
  });

  it("times out a slow server within the per-call deadline and reports provider_unavailable", async () => {
    const g = createOpenAiGenerator({ model: "m", baseUrl: `${wireBase("slow").base}/v1` });
    const err = (await rejection(
      callChain({
        role: "generator",
        operation: "generate",
        members: [{ id: g.id, provider: g }],
        policy: {
          ...DEFAULT_POLICIES.generate,
          timeoutMs: 100,
          retry: { ...DEFAULT_POLICIES.generate.retry, maxAttempts: 1 },
        },
        deps: { clock: systemClock, random: Math.random, breakers: new BreakerRegistry() },
        call: (p, signal) => p.generate(request({ signal })),
      }),
    )) as AppError;
    expect(err.status).toBe(503);
    expect(err.code).toBe("provider_unavailable");
    expect(err.options.details).toMatchObject({ attempts: [{ error: "timeout" }] });
  });

  it("recovers from 503s (Retry-After: 0) by retrying the same server", async () => {
    const { base, key } = wireBase("flaky");
    const g = createOpenAiGenerator({ model: "m", baseUrl: `${base}/v1` });
    const clock = new FakeClock();
    const out = await callChain({
      role: "generator",
      operation: "generate",
      members: [{ id: g.id, provider: g }],
      policy: { ...DEFAULT_POLICIES.generate, retry: { ...DEFAULT_POLICIES.generate.retry, maxAttempts: 3 } },
      deps: { clock, random: () => 0, breakers: new BreakerRegistry() },
      call: (p, signal) => p.generate(request({ signal })),
    });
    expect(out.value.text).toBe("echo: What is 2+2?");
    expect(await wireLog(key)).toHaveLength(3);
    expect(clock.slept).toEqual([250, 500]);
  });
});

describe("OpenAI-compatible rerank", () => {
  it("posts { query, documents, top_n } and returns scores in input order", async () => {
    const { base, key } = wireBase("ok");
    const r = await createOpenAiReranker({ model: "bge-reranker", baseUrl: `${base}/v1` }).rerank(
      "red apple",
      ["a green pear", "one red apple", "red"],
    );
    expect(r.scores).toEqual([0, 0.2, 0.1]);
    const [logged] = await wireLog(key);
    expect(logged?.body).toEqual({
      model: "bge-reranker",
      query: "red apple",
      documents: ["a green pear", "one red apple", "red"],
      top_n: 3,
      return_documents: false,
    });
  });
});
