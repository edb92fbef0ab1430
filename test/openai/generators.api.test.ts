import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { eventually, postText, settled } from "../documents/helpers";
import { call, createTenantWithKey } from "../helpers";
import { wireBase, wireLog } from "../providers/wire";

const LIMITER = {
  id: "limiter",
  title: "Acme rate limiter",
  text: "The Acme rate limiter protects the API from bursts. The Acme rate limiter allows 100 requests per minute per key. Limits reset every sixty seconds.",
};

/** A tenant whose generator chain is a model on the wire server (in `mode`), then local:extractive. */
async function tenantWithModel(mode: string) {
  const { key } = await createTenantWithKey();
  const wire = wireBase(mode);
  const patched = await call("PATCH", "/v1/settings", {
    token: key,
    json: { generator: `openai:m@${wire.base}/v1,local:extractive` },
  });
  if (patched.status !== 200) throw new Error(`settings: ${patched.status} ${await patched.text()}`);
  await postText(key, LIMITER);
  await settled(key, LIMITER.id);
  return { key, wire };
}

/** Reads an SSE response until `seen` matches the text so far, then disconnects. */
async function readUntilThenDisconnect(res: Response, seen: RegExp): Promise<string> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!seen.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before ${seen}: ${text}`);
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
}

describe("choosing a generator per request", () => {
  let key: string;
  let wire: { base: string; key: string };

  beforeAll(async () => {
    ({ key, wire } = await tenantWithModel("ok"));
  });

  it("answers with the named configured generator alone", async () => {
    const q = "How many requests per minute does the Acme rate limiter allow?";
    const local = (await (
      await call("POST", "/v1/answer", { token: key, json: { query: q, generator: "local:extractive" } })
    ).json()) as { provider: string; answer: string };
    expect(local.provider).toBe("local:extractive");
    expect(local.answer).toMatch(/100 requests per minute/);
    const model = (await (
      await call("POST", "/v1/answer", { token: key, json: { query: q, generator: "openai:m" } })
    ).json()) as { provider: string; answer: string };
    expect(model.provider).toBe(`openai:m@${wire.base}/v1`);
    expect(model.answer).toMatch(/^echo: /);
    // The prompt went to the model with the fenced documents.
    const sent = (await wireLog(wire.key)).at(-1)?.body as { messages: { content: string }[] };
    expect(sent.messages.at(-1)?.content).toContain("<documents>");
  });

  it("refuses generators nobody configured, URLs included (SSRF), with 400 unknown_generator", async () => {
    for (const generator of ["gpt-4o", "openai:m@http://169.254.169.254/v1", "local:hash-384"]) {
      const res = await call("POST", "/v1/answer", {
        token: key,
        json: { query: "Acme limits?", generator },
      });
      expect(res.status, generator).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("unknown_generator");
      expect(body.error.message).toContain("openai:m");
    }
  });

  it("lists the tenant's model next to the instance's generator in /v1/models", async () => {
    const body = (await (await call("GET", "/v1/models", { token: key })).json()) as {
      data: { id: string; edgerag: { role: string; providers: string[] } }[];
    };
    const generators = body.data.filter((m) => m.edgerag.role === "generator");
    expect(generators.map((m) => m.id)).toEqual(["edgerag", "openai:m", "local:extractive"]);
    expect(generators[0]?.edgerag.providers).toEqual(["openai:m", "local:extractive"]);
    // Endpoint URLs stay the operator's business.
    expect(JSON.stringify(body)).not.toContain(wire.base);
  });

  it("rewrites a follow-up with the model before retrieval (session turn and chat completion)", async () => {
    const session = (await (await call("POST", "/v1/sessions", { token: key, json: {} })).json()) as {
      id: string;
    };
    const turn = (q: string) =>
      call("POST", `/v1/sessions/${session.id}/messages`, { token: key, json: { content: q } });
    await turn("What is the Acme rate limiter?");
    const follow = (await (await turn("and how many requests does it allow?")).json()) as {
      retrieval_query: string;
      query_id: string;
    };
    const logged = await eventually(
      () =>
        env.DB.prepare("SELECT params FROM query_log WHERE id = ?")
          .bind(follow.query_id)
          .first<{ params: string }>()
          .then((r) => r ?? undefined),
      "the turn's query log row",
    );
    expect(JSON.parse(logged.params)).toMatchObject({
      condensed_by: "model",
      condense_template: "condense-v1",
    });
    // The wire model echoes the follow-up it was asked to rewrite: its reply became the query.
    expect(follow.retrieval_query).toBe("echo: and how many requests does it allow?");
    const condensing = (await wireLog(wire.key))
      .map((r) => r.body as { messages: { role: string; content: string }[]; max_tokens: number })
      .find((b) => b.messages[0]?.content.includes("standalone search query"));
    expect(condensing?.messages[0]?.content).toContain("User: What is the Acme rate limiter?");
    expect(condensing?.max_tokens).toBeLessThanOrEqual(96);

    const chat = (await (
      await call("POST", "/v1/chat/completions", {
        token: key,
        json: {
          model: "edgerag",
          messages: [
            { role: "user", content: "What is the Acme rate limiter?" },
            { role: "assistant", content: "It protects the API from bursts." },
            { role: "user", content: "when do its limits reset?" },
          ],
        },
      })
    ).json()) as { edgerag: { retrieval_query: string } };
    expect(chat.edgerag.retrieval_query).toBe("echo: when do its limits reset?");
  });

  it("falls back to the rule-based condenser when the model fails", async () => {
    const failing = await tenantWithModel("error");
    const session = (await (await call("POST", "/v1/sessions", { token: failing.key, json: {} })).json()) as {
      id: string;
    };
    const turn = (q: string) =>
      call("POST", `/v1/sessions/${session.id}/messages`, { token: failing.key, json: { content: q } });
    await turn("What is the Acme rate limiter?");
    const follow = (await (await turn("and how many requests does it allow?")).json()) as {
      retrieval_query: string;
      answer: string;
      provider: string;
    };
    expect(follow.retrieval_query).toMatch(/Acme rate limiter/);
    expect(follow.provider).toBe("local:extractive");
    expect(follow.answer).toMatch(/100 requests/);
    // The fallback's answer is not cached under the model's name: asking again tries the model.
    const q = { query: "How many requests per minute does the Acme rate limiter allow?" };
    for (let i = 0; i < 2; i++) {
      const a = (await (await call("POST", "/v1/answer", { token: failing.key, json: q })).json()) as {
        provider: string;
        cached: boolean;
      };
      expect(a).toMatchObject({ provider: "local:extractive", cached: false });
    }
  });
});

describe("client disconnects stop generation", () => {
  it("aborts the model's stream when a streaming /v1/answer client goes away", async () => {
    const { key, wire } = await tenantWithModel("trickle");
    const res = await call("POST", "/v1/answer", {
      token: key,
      json: { query: "What does the Acme rate limiter protect?", stream: true },
    });
    expect(res.status).toBe(200);
    await readUntilThenDisconnect(res, /event: delta[\s\S]*word1/);
    const log = await eventually(
      async () => {
        const entries = await wireLog(wire.key);
        return entries.some((e) => e.closed_early) ? entries : undefined;
      },
      "the model's connection to close early",
      5_000,
    );
    expect(log.filter((e) => e.path === "/v1/chat/completions")).toHaveLength(1);
  });

  it("aborts the model's stream when a streaming chat completion client goes away", async () => {
    const { key, wire } = await tenantWithModel("trickle");
    const res = await call("POST", "/v1/chat/completions", {
      token: key,
      json: {
        model: "openai:m",
        stream: true,
        messages: [{ role: "user", content: "What does the Acme rate limiter protect?" }],
      },
    });
    expect(res.status).toBe(200);
    await readUntilThenDisconnect(res, /word1/);
    await eventually(
      async () => {
        const entries = await wireLog(wire.key);
        return entries.some((e) => e.closed_early) ? true : undefined;
      },
      "the model's connection to close early",
      5_000,
    );
  });
});
