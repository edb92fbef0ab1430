import OpenAI, { APIError, AuthenticationError, NotFoundError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeDataDir, startServer, type TestServer } from "../server";

/**
 * The official `openai` package against a real `npm start` server: an existing OpenAI app
 * only changes its base URL and API key.
 */
describe("the official openai client against edgerag", () => {
  let server: TestServer;
  let client: OpenAI;
  let key: string;

  beforeAll(async () => {
    server = await startServer();
    const admin = { authorization: `Bearer ${server.adminToken}`, "content-type": "application/json" };
    await fetch(`${server.url}/v1/admin/tenants`, { method: "POST", headers: admin, body: '{"id":"sdk"}' });
    const created = (await (
      await fetch(`${server.url}/v1/admin/tenants/sdk/keys`, {
        method: "POST",
        headers: admin,
        body: '{"scopes":["read","write"]}',
      })
    ).json()) as { key: string };
    key = created.key;
    const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
    const doc = await fetch(`${server.url}/v1/documents`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        id: "limiter",
        title: "Acme rate limiter",
        text: "The Acme rate limiter protects the API from bursts. The Acme rate limiter allows 100 requests per minute per key. Limits reset every sixty seconds.",
      }),
    });
    expect(doc.status).toBe(202);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const d = (await (await fetch(`${server.url}/v1/documents/limiter`, { headers })).json()) as {
        status: string;
      };
      if (d.status === "ready") break;
      if (d.status === "failed" || Date.now() > deadline) throw new Error(`document ${d.status}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0 });
  });

  afterAll(async () => {
    await server?.stop();
    if (server) removeDataDir(server.dataDir);
  });

  it("creates a chat completion grounded in the tenant's documents, with citations", async () => {
    const completion = await client.chat.completions.create({
      model: "edgerag",
      messages: [{ role: "user", content: "How many requests per minute does the Acme rate limiter allow?" }],
    });
    expect(completion.object).toBe("chat.completion");
    expect(completion.choices[0]?.message.role).toBe("assistant");
    expect(completion.choices[0]?.message.content).toMatch(/100 requests per minute/);
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
    const citations = (completion as unknown as { citations: { document_id: string }[] }).citations;
    expect(citations.map((c) => c.document_id)).toContain("limiter");
  });

  it("streams a chat completion chunk by chunk, citations on the final chunk", async () => {
    const stream = await client.chat.completions.create({
      model: "local:extractive",
      stream: true,
      stream_options: { include_usage: true },
      messages: [
        { role: "user", content: "What is the Acme rate limiter?" },
        { role: "assistant", content: "It protects the API from bursts." },
        { role: "user", content: "how often do its limits reset?" },
      ],
    });
    let text = "";
    let finish: string | null = null;
    let citations: unknown[] = [];
    let usage = 0;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      const extra = chunk as unknown as { citations?: unknown[] };
      if (extra.citations) citations = extra.citations;
      if (chunk.usage) usage = chunk.usage.total_tokens;
    }
    expect(chunks).toBeGreaterThan(3);
    expect(text).toMatch(/sixty seconds/);
    expect(finish).toBe("stop");
    expect(citations.length).toBeGreaterThan(0);
    expect(usage).toBeGreaterThan(0);
  });

  it("creates embeddings as floats and as base64 (the SDK's default, decoded by it)", async () => {
    const floats = await client.embeddings.create({
      model: "local:hash-384",
      input: ["rate limits", "refund window"],
      encoding_format: "float",
    });
    expect(floats.data).toHaveLength(2);
    expect(floats.data[0]?.embedding).toHaveLength(384);
    expect(floats.usage.prompt_tokens).toBeGreaterThan(0);
    // Without encoding_format the SDK asks for base64 and decodes it into numbers.
    const decoded = await client.embeddings.create({ model: "local:hash-384", input: ["rate limits"] });
    const a = floats.data[0]?.embedding ?? [];
    const b = decoded.data[0]?.embedding ?? [];
    expect(b).toHaveLength(384);
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i] as number, 6);
  });

  it("lists the models the other endpoints accept", async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toEqual(["edgerag", "local:extractive", "edgerag-embed", "local:hash-384"]);
    expect((await client.models.retrieve("local:extractive")).id).toBe("local:extractive");
  });

  it("surfaces errors as the SDK's typed errors: bad key, unknown model, bad parameter", async () => {
    const bad = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "erk_not_a_key", maxRetries: 0 });
    const auth = await bad.models.list().catch((e: unknown) => e);
    expect(auth).toBeInstanceOf(AuthenticationError);
    expect((auth as APIError).code).toBe("invalid_api_key");
    expect((auth as APIError).type).toBe("authentication_error");

    const missing = await client.chat.completions
      .create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as APIError).code).toBe("model_not_found");
    expect((missing as APIError).param).toBe("model");

    const n = await client.chat.completions
      .create({ model: "edgerag", n: 2, messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(n).toBeInstanceOf(APIError);
    expect((n as APIError).status).toBe(400);
    expect((n as APIError).param).toBe("n");
  });
});
