import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { eventually, postText, settled } from "../documents/helpers";
import { call, createTenantWithKey } from "../helpers";
import { type Chunk, dataFrames } from "./helpers";

let key: string;
let tenantId: string;

beforeAll(async () => {
  ({ key, tenantId } = await createTenantWithKey());
  await postText(key, {
    id: "limiter",
    title: "Acme rate limiter",
    text: "The Acme rate limiter protects the API from bursts. The Acme rate limiter allows 100 requests per minute per key. Limits reset every sixty seconds.",
  });
  await settled(key, "limiter");
});

const ask = (json: unknown, token = key) => call("POST", "/v1/chat/completions", { token, json });

describe("POST /v1/chat/completions", () => {
  it("answers the last user message in OpenAI's chat.completion shape, with citations", async () => {
    const res = await ask({
      model: "edgerag",
      messages: [{ role: "user", content: "How many requests per minute does the Acme rate limiter allow?" }],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown> & {
      choices: { message: { content: string } }[];
      citations: { chunk_id: string }[];
      edgerag: { query_id: string; grounded: boolean };
      usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
    };
    expect(Object.keys(body).sort()).toEqual(
      [
        "choices",
        "citations",
        "created",
        "edgerag",
        "id",
        "model",
        "object",
        "system_fingerprint",
        "usage",
      ].sort(),
    );
    expect(body).toMatchObject({ object: "chat.completion", model: "edgerag" });
    expect(body.id).toMatch(/^chatcmpl-/);
    expect(body.choices).toEqual([
      {
        index: 0,
        message: {
          role: "assistant",
          content: expect.stringMatching(/100 requests per minute/),
          refusal: null,
        },
        logprobs: null,
        finish_reason: "stop",
      },
    ]);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
    expect(body.edgerag.grounded).toBe(true);
    const ids = (
      await env.DB.prepare("SELECT id FROM chunks WHERE tenant_id = ?").bind(tenantId).all<{ id: string }>()
    ).results.map((r) => r.id);
    expect(body.citations.length).toBeGreaterThan(0);
    for (const c of body.citations) expect(ids).toContain(c.chunk_id);
    const logged = await env.DB.prepare("SELECT kind FROM query_log WHERE id = ?")
      .bind(body.edgerag.query_id)
      .first<{ kind: string }>();
    expect(logged?.kind).toBe("chat");
  });

  it("condenses a follow-up with the earlier turns and reads text content parts", async () => {
    const res = await ask({
      model: "local:extractive",
      messages: [
        { role: "system", content: "Answer briefly." },
        { role: "user", content: "What is the Acme rate limiter?" },
        { role: "assistant", content: "It protects the API from bursts." },
        { role: "user", content: [{ type: "text", text: "and how many requests does it allow?" }] },
      ],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      model: string;
      choices: { message: { content: string } }[];
      edgerag: { retrieval_query: string };
    };
    expect(body.model).toBe("local:extractive");
    expect(body.edgerag.retrieval_query).toMatch(/Acme rate limiter/);
    expect(body.choices[0]?.message.content).toMatch(/100 requests/);
  });

  it("streams chat.completion.chunk frames: role, content, finish with citations, usage, [DONE]", async () => {
    const res = await ask({
      model: "edgerag",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "How many requests per minute does the Acme rate limiter allow?" }],
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const frames = await dataFrames(res);
    expect(frames.at(-1)).toBe("[DONE]");
    const chunks = frames.slice(0, -1) as Chunk[];
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.object === "chat.completion.chunk")).toBe(true);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    const usageChunk = chunks.at(-1);
    expect(usageChunk?.choices).toEqual([]);
    expect(usageChunk?.usage?.total_tokens).toBeGreaterThan(0);
    const final = chunks.at(-2);
    expect(final?.choices[0]?.finish_reason).toBe("stop");
    expect(final?.citations?.length).toBeGreaterThan(0);
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(text).toMatch(/100 requests per minute/);
  });

  it("applies stop sequences and max_tokens", async () => {
    const question = "How many requests per minute does the Acme rate limiter allow?";
    const stopped = (await (
      await ask({ model: "edgerag", stop: ["per minute"], messages: [{ role: "user", content: question }] })
    ).json()) as { choices: { message: { content: string }; finish_reason: string }[] };
    expect(stopped.choices[0]?.message.content).toMatch(/allows 100 requests $/);
    const streamed = await dataFrames(
      await ask({
        model: "edgerag",
        stream: true,
        stop: "per minute",
        messages: [{ role: "user", content: question }],
      }),
    );
    const text = (streamed.slice(0, -1) as Chunk[]).map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe(stopped.choices[0]?.message.content);
    const short = (await (
      await ask({ model: "edgerag", max_tokens: 3, messages: [{ role: "user", content: question }] })
    ).json()) as { choices: { finish_reason: string }[] };
    expect(short.choices[0]?.finish_reason).toBe("length");
  });

  it("refuses unknown models with 404 model_not_found in OpenAI's error shape", async () => {
    const res = await ask({ model: "gpt-4o", messages: [{ role: "user", content: "hi there" }] });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({
      code: "model_not_found",
      type: "invalid_request_error",
      param: "model",
    });
    expect(String(body.error.message)).toContain("local:extractive");
    // A URL is never a model: requests cannot point the server anywhere (SSRF).
    const ssrf = await ask({
      model: "openai:x@http://169.254.169.254/v1",
      messages: [{ role: "user", content: "hi there" }],
    });
    expect(ssrf.status).toBe(404);
  });

  it("refuses unsupported parameters and content clearly instead of ignoring them", async () => {
    const user = { role: "user", content: "What is the Acme rate limiter?" };
    const cases: [Record<string, unknown>, string][] = [
      [{ n: 2 }, "n"],
      [{ tools: [{ type: "function", function: { name: "f" } }] }, "tools"],
      [{ logprobs: true }, "logprobs"],
      [{ response_format: { type: "json_object" } }, "response_format"],
      [{ temperature: 3 }, "temperature"],
      [{ stream_options: { include_usage: true } }, "stream_options"],
      [{ frobnicate: 1 }, "frobnicate"],
      [{ max_tokens: 10, max_completion_tokens: 20 }, "max_tokens"],
    ];
    for (const [extra, param] of cases) {
      const res = await ask({ model: "edgerag", messages: [user], ...extra });
      expect(res.status, JSON.stringify(extra)).toBe(400);
      const body = (await res.json()) as { error: { type: string; param: string } };
      expect(body.error.type).toBe("invalid_request_error");
      expect(body.error.param).toBe(param);
    }
    const image = await ask({
      model: "edgerag",
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://x/y.png" } }] }],
    });
    expect(image.status).toBe(400);
    expect(((await image.json()) as { error: { message: string } }).error.message).toMatch(/image_url/);
    const lastIsAssistant = await ask({
      model: "edgerag",
      messages: [user, { role: "assistant", content: "ok" }],
    });
    expect(lastIsAssistant.status).toBe(400);
    // Neutral values of unsupported parameters (what client libraries send by default) are fine.
    const neutral = await ask({
      model: "edgerag",
      messages: [user],
      n: 1,
      presence_penalty: 0,
      frequency_penalty: 0,
      tools: [],
      logprobs: false,
      user: "u-1",
      metadata: { app: "test" },
      temperature: 0.2,
      top_p: 0.9,
    });
    expect(neutral.status).toBe(200);
    // `user` and `metadata` are kept with the answer in the query log.
    const { edgerag } = (await neutral.json()) as { edgerag: { query_id: string } };
    const row = await eventually(
      () =>
        env.DB.prepare("SELECT params FROM query_log WHERE id = ?")
          .bind(edgerag.query_id)
          .first<{ params: string }>()
          .then((r) => r ?? undefined),
      "the query log row",
    );
    expect(JSON.parse(row.params)).toMatchObject({
      model: "edgerag",
      user: "u-1",
      metadata: { app: "test" },
    });
  });

  it("authenticates with the tenant key as the OpenAI API key", async () => {
    const none = await call("POST", "/v1/chat/completions", {
      json: { model: "edgerag", messages: [{ role: "user", content: "hi" }] },
    });
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { type: string } }).error.type).toBe("authentication_error");
    const bad = await ask({ model: "edgerag", messages: [{ role: "user", content: "hi" }] }, "erk_nope");
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("invalid_api_key");
  });

  it("answers as a session turn with session_id", async () => {
    const created = (await (await call("POST", "/v1/sessions", { token: key, json: {} })).json()) as {
      id: string;
    };
    const first = await ask({
      model: "edgerag",
      session_id: created.id,
      messages: [{ role: "user", content: "What is the Acme rate limiter?" }],
    });
    expect(first.status).toBe(200);
    const second = (await (
      await ask({
        model: "edgerag",
        session_id: created.id,
        messages: [{ role: "user", content: "how many requests does it allow?" }],
      })
    ).json()) as { edgerag: { session_id: string; retrieval_query: string } };
    expect(second.edgerag.session_id).toBe(created.id);
    expect(second.edgerag.retrieval_query).toMatch(/Acme rate limiter/);
    const messages = (await (
      await call("GET", `/v1/sessions/${created.id}/messages`, { token: key })
    ).json()) as { messages: unknown[] };
    expect(messages.messages).toHaveLength(4);
    const missing = await ask({
      model: "edgerag",
      session_id: "ses_missing",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(missing.status).toBe(404);
  });
});
