import { beforeAll, describe, expect, it } from "vitest";
import { postText, settled } from "../documents/helpers";
import { call, createTenantWithKey, errorCode } from "../helpers";

interface Result {
  chunk_id: string;
  document_id: string;
  title: string | null;
  text: string;
  score: number;
  metadata: Record<string, unknown>;
  scores: { vector?: number; keyword?: number; fused?: number; rerank?: number };
  context?: { before: string[]; after: string[] };
}

async function search(
  key: string,
  body: Record<string, unknown>,
): Promise<{ status: number; results: Result[]; raw: unknown }> {
  const res = await call("POST", "/v1/search", { token: key, json: body });
  const raw = (await res.json()) as { results?: Result[] };
  return { status: res.status, results: raw.results ?? [], raw };
}

const DOCS = [
  {
    id: "kiwi",
    title: "Kiwi fruit",
    text: "The kiwifruit is rich in vitamin C and grows on vines in New Zealand.",
    metadata: { team: "food", year: 2021 },
  },
  {
    id: "volcano",
    title: "Volcanoes",
    text: "A volcano erupts when magma pressure breaks through the crust of the Earth.",
    metadata: { team: "geo", year: 2023 },
  },
  {
    id: "glacier",
    title: "Glaciers",
    text: "Glaciers are slow rivers of ice that carve valleys while flowing downhill.",
    metadata: { team: "geo", year: 2019 },
  },
];

let key = "";
let otherKey = "";

beforeAll(async () => {
  ({ key } = await createTenantWithKey(["read", "write"]));
  ({ key: otherKey } = await createTenantWithKey(["read", "write"]));
  for (const d of DOCS) await postText(key, d);
  // Another tenant holds a document about the same subject: it must never show up for `key`.
  await postText(otherKey, {
    id: "secret-volcano",
    title: "Volcano secrets",
    text: "Magma volcano eruption secret report.",
  });
  // A long document for context expansion: several chunks.
  const paragraphs = Array.from(
    { length: 6 },
    (_, i) => `Paragraph ${i} talks about topic${i} ${"filler words ".repeat(60)}`,
  );
  await postText(key, {
    id: "long",
    title: "Long",
    text: paragraphs.join("\n\n"),
    chunking: { max_tokens: 128, overlap_tokens: 0 },
    metadata: { team: "misc" },
  });
  for (const d of [...DOCS, { id: "long" }]) expect((await settled(key, d.id)).status).toBe("ready");
  expect((await settled(otherKey, "secret-volcano")).status).toBe("ready");
});

describe("POST /v1/search", () => {
  it("finds the relevant chunk in every mode, with per-stage scores", async () => {
    for (const mode of ["hybrid", "keyword", "vector"]) {
      const { status, results } = await search(key, { query: "volcano magma eruption", mode, top_k: 3 });
      expect(status, mode).toBe(200);
      expect(results[0]?.document_id, mode).toBe("volcano");
      expect(results[0]?.title).toBe("Volcanoes");
      expect(results[0]?.metadata).toMatchObject({ team: "geo", year: 2023, ordinal: 0 });
    }
    const { results } = await search(key, { query: "volcano magma eruption" });
    const top = results[0] as Result;
    expect(top.scores.keyword).toBeGreaterThan(0);
    expect(top.scores.vector).toBeGreaterThan(0);
    expect(top.scores.fused).toBe(top.score);
  });

  it("never returns another tenant's chunks", async () => {
    for (const mode of ["hybrid", "keyword", "vector"]) {
      const { results } = await search(key, { query: "volcano secret report", mode, top_k: 20 });
      expect(results.map((r) => r.document_id)).not.toContain("secret-volcano");
      const other = await search(otherKey, { query: "kiwifruit vitamin glacier", mode, top_k: 20 });
      expect(
        other.results.every((r) => r.document_id === "secret-volcano"),
        mode,
      ).toBe(true);
    }
  });

  it("applies the metadata filter in the keyword and in the vector retriever", async () => {
    for (const mode of ["keyword", "vector", "hybrid"]) {
      const { status, results } = await search(key, {
        query: "volcano glaciers kiwifruit",
        mode,
        top_k: 10,
        filter: { team: "geo", year: { $lt: 2020 } },
      });
      expect(status, mode).toBe(200);
      expect(results.length, mode).toBeGreaterThan(0);
      expect(new Set(results.map((r) => r.document_id)), mode).toEqual(new Set(["glacier"]));
    }
    const byId = await search(key, {
      query: "volcano glaciers",
      mode: "keyword",
      filter: { document_id: { $in: ["volcano"] } },
    });
    expect(byId.results.map((r) => r.document_id)).toEqual(["volcano"]);
  });

  it("rejects an invalid filter with 400 invalid_filter", async () => {
    const res = await call("POST", "/v1/search", {
      token: key,
      json: { query: "x", filter: { year: { $regex: "2" } } },
    });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe("invalid_filter");
  });

  it("survives hostile query strings without a 500", async () => {
    const hostile = [
      'NOT AND OR NEAR(a b) "unbalanced',
      'title:volcano AND "magma',
      "* ^ : () {} [] - + \\ '",
      "🌋🔥 volcano 💥",
      "the of and a",
      `${"magma ".repeat(2000)}`,
      "x".repeat(10_000),
      "\u0000\u0001 volcano",
    ];
    for (const query of hostile) {
      for (const mode of ["hybrid", "keyword", "vector"]) {
        const { status } = await search(key, { query, mode });
        expect(status, `${mode}: ${query.slice(0, 40)}`).toBe(200);
      }
    }
    const punct = await search(key, { query: "?!... ---" });
    expect(punct.status).toBe(200);
    expect(punct.results).toEqual([]);
  });

  it("validates the body: empty query, bad mode, top_k and context out of range are 400", async () => {
    for (const body of [
      { query: "" },
      { query: "   " },
      { query: "a", mode: "fuzzy" },
      { query: "a", top_k: 0 },
      { query: "a", top_k: 101 },
      { query: "a", context: 4 },
      { query: "a", unknown: 1 },
      { query: "a".repeat(20_001) },
    ]) {
      const res = await call("POST", "/v1/search", { token: key, json: body });
      expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect(await errorCode(res)).toBe("invalid_request");
    }
    expect((await call("POST", "/v1/search", { json: { query: "a" } })).status).toBe(401);
  });

  it("dedupes per document, expands context and applies min_score", async () => {
    const all = await search(key, { query: "paragraph filler words topic3", mode: "keyword", top_k: 10 });
    const longHits = all.results.filter((r) => r.document_id === "long");
    expect(longHits.length).toBeGreaterThan(1);
    const deduped = await search(key, {
      query: "paragraph filler words topic3",
      mode: "keyword",
      top_k: 10,
      dedupe: true,
    });
    expect(deduped.results.filter((r) => r.document_id === "long")).toHaveLength(1);

    const withContext = await search(key, { query: "topic3", mode: "keyword", top_k: 1, context: 1 });
    const hit = withContext.results[0] as Result;
    expect(hit.text).toContain("topic3");
    const ordinal = hit.metadata.ordinal as number;
    expect(ordinal).toBeGreaterThan(0);
    expect(hit.context?.before).toHaveLength(1);
    expect(hit.context?.after.length).toBeLessThanOrEqual(1);
    expect(hit.context?.before[0]).not.toBe(hit.text);

    const scores = all.results.map((r) => r.score);
    const threshold = ((scores[0] ?? 0) + (scores.at(-1) ?? 0)) / 2;
    const cut = await search(key, {
      query: "paragraph filler words topic3",
      mode: "keyword",
      top_k: 10,
      min_score: threshold,
    });
    expect(cut.results.length).toBeLessThan(all.results.length);
    expect(cut.results.every((r) => r.score >= threshold)).toBe(true);
  });

  it("reranks with the tenant's reranker and diversifies with MMR", async () => {
    const { results } = await search(key, { query: "volcano magma", rerank: true, top_k: 3 });
    expect(results[0]?.document_id).toBe("volcano");
    expect(results[0]?.scores.rerank).toBe(results[0]?.score);
    for (let i = 1; i < results.length; i++)
      expect(results[i - 1]!.score).toBeGreaterThanOrEqual(results[i]!.score);

    const plain = await search(key, { query: "paragraph filler words", mode: "keyword", top_k: 4 });
    const diverse = await search(key, {
      query: "paragraph filler words",
      mode: "keyword",
      top_k: 4,
      diversity: 0.1,
    });
    const docs = (rs: Result[]) => new Set(rs.map((r) => r.document_id)).size;
    expect(docs(diverse.results)).toBeGreaterThanOrEqual(docs(plain.results));
    expect(diverse.results[0]?.chunk_id).toBe(plain.results[0]?.chunk_id);
  });

  it("weights change the hybrid ranking: keyword weight 0 is vector-only order", async () => {
    const vec = await search(key, { query: "ice rivers valleys", mode: "vector", top_k: 3 });
    const hyb = await search(key, {
      query: "ice rivers valleys",
      mode: "hybrid",
      top_k: 3,
      weights: { keyword: 0, vector: 1 },
    });
    expect(hyb.results.map((r) => r.chunk_id)).toEqual(vec.results.map((r) => r.chunk_id));
  });
});

describe("POST /v1/search after the embedder changed without a reindex", () => {
  it("hybrid falls back to keyword results with a warning; vector-only is 409", async () => {
    const { key: k } = await createTenantWithKey(["read", "write"]);
    await postText(k, { id: "lava", title: "Lava", text: "Lava is molten rock that reached the surface." });
    expect((await settled(k, "lava")).status).toBe("ready");
    const patch = await call("PATCH", "/v1/settings", { token: k, json: { embeddings: "local:hash-256" } });
    expect(patch.status).toBe(200);

    const { status, results, raw } = await search(k, { query: "molten lava" });
    expect(status).toBe(200);
    expect(results[0]?.document_id).toBe("lava");
    expect(results[0]?.scores.vector).toBeUndefined();
    const warnings = (raw as { warnings?: { code: string; message: string }[] }).warnings;
    expect(warnings?.[0]?.code).toBe("embedder_mismatch");
    expect(warnings?.[0]?.message).toContain("Reindex");

    const vector = await call("POST", "/v1/search", {
      token: k,
      json: { query: "molten lava", mode: "vector" },
    });
    expect(vector.status).toBe(409);
    expect(await errorCode(vector)).toBe("embedder_mismatch");
  });
});
