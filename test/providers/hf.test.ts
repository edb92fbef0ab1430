import { describe, expect, it } from "vitest";
import type { AppError } from "../../src/http/errors";
import { ProviderError } from "../../src/providers/errors";
import { createHfEmbedder } from "../../src/providers/hf/hf.embedder";
import { createHfGenerator } from "../../src/providers/hf/hf.generator";
import { createHfReranker } from "../../src/providers/hf/hf.reranker";
import { BreakerRegistry } from "../../src/providers/reliability/breaker";
import { callChain } from "../../src/providers/reliability/chain";
import { systemClock } from "../../src/providers/reliability/clock";
import { DEFAULT_POLICIES } from "../../src/providers/reliability/policy";
import type { GenerateEvent, GenerateRequest } from "../../src/providers/types";
import { rejection, wireBase, wireLog, wireVector } from "./wire";

const request = (over: Partial<GenerateRequest> = {}): GenerateRequest => ({
  messages: [{ role: "user", content: "Say hi" }],
  question: "Say hi",
  passages: [],
  ...over,
});

async function collect(it: AsyncIterable<GenerateEvent>) {
  const events: GenerateEvent[] = [];
  for await (const e of it) events.push(e);
  return {
    done: events.at(-1) as Extract<GenerateEvent, { type: "done" }>,
    text: events.flatMap((e) => (e.type === "delta" ? [e.text] : [])).join(""),
  };
}

describe("Hugging Face feature extraction (TEI endpoint)", () => {
  it("posts { inputs, truncate, normalize } to the endpoint with the token and returns the vectors", async () => {
    const { base, key } = wireBase("ok");
    const e = createHfEmbedder({
      model: "BAAI/bge-small-en-v1.5",
      endpointUrl: `${base}/tei`,
      token: "hf_test",
    });
    const texts = ["first text", "second"];
    const r = await e.embed(texts);
    expect(r.vectors.map((v) => [...v])).toEqual(texts.map((t) => wireVector(t)));
    expect(r.provider).toBe(`hf:BAAI/bge-small-en-v1.5@${base}/tei`);
    expect(e.dimensions).toBe(384);
    expect(e.maxBatch).toBe(32);
    const [logged] = await wireLog(key);
    expect(logged?.path).toBe("/tei");
    expect(logged?.body).toEqual({ inputs: texts, truncate: true, normalize: true });
    expect(logged?.headers.authorization).toBe("Bearer hf_test");
  });

  it("maps 429 (keeping Retry-After), 500 and malformed JSON", async () => {
    const embed = (mode: string) =>
      rejection(createHfEmbedder({ model: "m", endpointUrl: `${wireBase(mode).base}/tei` }).embed(["x"]));
    const limited = await embed("rate-limited");
    expect(limited).toBeInstanceOf(ProviderError);
    expect(limited).toMatchObject({ kind: "rate_limited", status: 429, retryAfterMs: 7_000 });
    expect(await embed("error")).toMatchObject({ kind: "server_error", status: 500 });
    expect(await embed("malformed")).toMatchObject({ kind: "bad_response" });
  });

  it("does not let the library retry 503s on its own", async () => {
    const { base, key } = wireBase("flaky");
    const err = await rejection(createHfEmbedder({ model: "m", endpointUrl: `${base}/tei` }).embed(["x"]));
    expect(err).toMatchObject({ kind: "server_error", status: 503, retryAfterMs: 0 });
    expect(await wireLog(key)).toHaveLength(1);
  });
});

describe("Hugging Face chat completion (TGI endpoint)", () => {
  it("uses /v1/chat/completions with max_tokens", async () => {
    const { base, key } = wireBase("ok");
    const g = createHfGenerator({ model: "tgi", endpointUrl: `${base}/tgi` });
    const r = await g.generate(request());
    expect(r).toMatchObject({
      text: "echo: Say hi",
      usage: { input_tokens: 11, output_tokens: 7 },
      finishReason: "stop",
    });
    const [logged] = await wireLog(key);
    expect(logged?.path).toBe("/tgi/v1/chat/completions");
    expect(logged?.body).toMatchObject({ max_tokens: 1024, messages: [{ role: "user", content: "Say hi" }] });
  });

  it("streams split SSE frames", async () => {
    const g = createHfGenerator({ model: "tgi", endpointUrl: `${wireBase("split").base}/tgi` });
    const { text, done } = await collect(g.stream(request()));
    expect(text).toBe("Hello world — ünïcödé ✓");
    expect(done.result.usage).toEqual({ input_tokens: 5, output_tokens: 3 });
  });

  it("falls back to text generation when the endpoint has no chat route", async () => {
    const { base, key } = wireBase("no-chat");
    const g = createHfGenerator({ model: "gpt2-like", endpointUrl: `${base}/tgi` });
    expect((await g.generate(request())).text).toBe("completed text");
    const { text } = await collect(g.stream(request()));
    expect(text).toBe("completed");
    const log = await wireLog(key);
    expect(log.map((l) => l.path)).toEqual([
      "/tgi/v1/chat/completions",
      "/tgi/v1/completions",
      "/tgi/v1/completions",
    ]);
    expect(log[1]?.body).toMatchObject({ prompt: "User: Say hi\n\nAssistant:", max_tokens: 1024 });
  });

  it("maps errors and times out a slow endpoint", async () => {
    const g = (mode: string) =>
      createHfGenerator({ model: "tgi", endpointUrl: `${wireBase(mode).base}/tgi` });
    expect(await rejection(g("rate-limited").generate(request()))).toMatchObject({
      kind: "rate_limited",
      retryAfterMs: 7_000,
    });
    expect(await rejection(g("error").generate(request()))).toMatchObject({ kind: "server_error" });
    expect(await rejection(g("malformed").generate(request()))).toMatchObject({ kind: "bad_response" });
    expect(await rejection(collect(g("malformed").stream(request())))).toMatchObject({
      kind: "bad_response",
    });
    const slow = g("slow");
    const err = (await rejection(
      callChain({
        role: "generator",
        operation: "generate",
        members: [{ id: slow.id, provider: slow }],
        policy: {
          ...DEFAULT_POLICIES.generate,
          timeoutMs: 100,
          retry: { ...DEFAULT_POLICIES.generate.retry, maxAttempts: 1 },
        },
        deps: { clock: systemClock, random: Math.random, breakers: new BreakerRegistry() },
        call: (p, signal) => p.generate(request({ signal })),
      }),
    )) as AppError;
    expect(err.code).toBe("provider_unavailable");
    expect(err.options.details).toMatchObject({ attempts: [{ error: "timeout" }] });
  });
});

describe("Hugging Face rerank (TEI endpoint)", () => {
  it("posts { query, texts } to /rerank and orders scores by input", async () => {
    const { base, key } = wireBase("ok");
    const r = await createHfReranker({ model: "BAAI/bge-reranker-base", endpointUrl: `${base}/tei` }).rerank(
      "red apple",
      ["pear", "red apple"],
    );
    expect(r.scores).toEqual([0, 0.2]);
    const [logged] = await wireLog(key);
    expect(logged?.path).toBe("/tei/rerank");
    expect(logged?.body).toMatchObject({ query: "red apple", texts: ["pear", "red apple"], truncate: true });
  });

  it("needs an endpoint", async () => {
    expect(await rejection(createHfReranker({ model: "m" }).rerank("q", ["d"]))).toMatchObject({
      kind: "misconfigured",
    });
  });
});
