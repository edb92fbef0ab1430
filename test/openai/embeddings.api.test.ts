import { beforeAll, describe, expect, it } from "vitest";
import { float32ToBase64 } from "../../src/openai/embeddings.service";
import { hashEmbed } from "../../src/providers/local/hash-embedding";
import { call, createTenantWithKey } from "../helpers";

let key: string;

beforeAll(async () => {
  ({ key } = await createTenantWithKey(["read"]));
});

const embed = (json: unknown) => call("POST", "/v1/embeddings", { token: key, json });

interface List {
  object: string;
  model: string;
  data: { object: string; index: number; embedding: number[] | string }[];
  usage: { prompt_tokens: number; total_tokens: number };
}

function decode(b64: string): Float32Array {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

describe("POST /v1/embeddings", () => {
  it("returns OpenAI's list shape with the tenant's embedder's vectors, in input order", async () => {
    const res = await embed({ model: "local:hash-384", input: ["rate limits", "refund window"] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as List;
    expect(Object.keys(body).sort()).toEqual(["data", "model", "object", "usage"]);
    expect(body).toMatchObject({ object: "list", model: "local:hash-384" });
    expect(body.data.map((d) => [d.object, d.index])).toEqual([
      ["embedding", 0],
      ["embedding", 1],
    ]);
    const first = body.data[0]?.embedding as number[];
    expect(first).toHaveLength(384);
    const expected = hashEmbed("rate limits", 384);
    for (const [i, v] of first.entries()) expect(v).toBeCloseTo(expected[i] as number, 6);
    expect(body.usage.prompt_tokens).toBeGreaterThan(0);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens);
  });

  it("encodes base64 as little-endian float32 and accepts the default alias", async () => {
    const res = await embed({ model: "edgerag-embed", input: "rate limits", encoding_format: "base64" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as List;
    expect(body.model).toBe("local:hash-384");
    const b64 = body.data[0]?.embedding as string;
    expect(typeof b64).toBe("string");
    expect(b64).toBe(float32ToBase64(hashEmbed("rate limits", 384)));
    expect(Array.from(decode(b64))).toEqual(Array.from(hashEmbed("rate limits", 384)));
  });

  it("accepts dimensions equal to the model's and refuses others", async () => {
    expect((await embed({ model: "local:hash-384", input: "x y", dimensions: 384 })).status).toBe(200);
    const res = await embed({ model: "local:hash-384", input: "x y", dimensions: 256 });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: unknown }).error).toMatchObject({
      code: "dimensions_not_supported",
      param: "dimensions",
      type: "invalid_request_error",
    });
  });

  it("renders a body over the size limit the OpenAI way too", async () => {
    const res = await embed({ model: "local:hash-384", input: "x".repeat(1_100_000) });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: unknown }).error).toMatchObject({
      code: "payload_too_large",
      type: "invalid_request_error",
      param: null,
    });
  });

  it("refuses token arrays, empty and overlong inputs, too many inputs and unknown models", async () => {
    const cases: [unknown, number, string][] = [
      [{ model: "local:hash-384", input: [1, 2, 3] }, 400, "token_input_not_supported"],
      [{ model: "local:hash-384", input: [[1, 2]] }, 400, "token_input_not_supported"],
      [{ model: "local:hash-384", input: "" }, 400, "invalid_request"],
      [{ model: "local:hash-384", input: [] }, 400, "invalid_request"],
      [{ model: "local:hash-384", input: "word ".repeat(9000) }, 400, "input_too_long"],
      [{ model: "local:hash-384", input: Array.from({ length: 257 }, () => "x") }, 400, "too_many_inputs"],
      [{ model: "text-embedding-3-small", input: "x" }, 404, "model_not_found"],
      [{ model: "local:hash-384", input: "x", encoding_format: "int8" }, 400, "invalid_request"],
    ];
    for (const [json, status, code] of cases) {
      const res = await embed(json);
      expect(res.status, JSON.stringify(json).slice(0, 80)).toBe(status);
      const body = (await res.json()) as { error: { code: string; type: string } };
      expect(body.error.code).toBe(code);
      expect(body.error.type).toBe("invalid_request_error");
    }
  });
});

describe("GET /v1/models", () => {
  it("lists the tenant's generators and embedder with ids the other endpoints accept", async () => {
    const res = await call("GET", "/v1/models", { token: key });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      object: string;
      data: { id: string; object: string; created: number; owned_by: string; edgerag: { role: string } }[];
    };
    expect(body.object).toBe("list");
    expect(body.data.map((m) => [m.id, m.edgerag.role])).toEqual([
      ["edgerag", "generator"],
      ["local:extractive", "generator"],
      ["edgerag-embed", "embeddings"],
      ["local:hash-384", "embeddings"],
    ]);
    for (const m of body.data) {
      expect(m.object).toBe("model");
      expect(m.created).toBeGreaterThan(1_600_000_000);
    }
    const one = await call("GET", "/v1/models/local:extractive", { token: key });
    expect(one.status).toBe(200);
    expect(((await one.json()) as { id: string }).id).toBe("local:extractive");
    const missing = await call("GET", "/v1/models/gpt-4o", { token: key });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("model_not_found");
  });
});

describe("/openapi.json", () => {
  it("documents the OpenAI-compatible routes with their request schemas", async () => {
    const doc = (await (await call("GET", "/openapi.json")).json()) as {
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/v1/chat/completions", "/v1/embeddings", "/v1/models", "/v1/models/{id}"]),
    );
    expect(doc.paths["/v1/chat/completions"]?.post?.requestBody).toBeDefined();
    expect(doc.components.schemas.AnswerRequest?.properties).toHaveProperty("generator");
    expect(doc.components.schemas.ChatCompletionRequest?.properties).toHaveProperty("messages");
  });
});
