import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { AppError } from "../../src/http/errors";
import {
  EMBEDDER_MISMATCH,
  type TenantVectorIndex,
  VECTOR_BACKEND_MISCONFIGURED,
  type VectorEnv,
  vectorIndexFor,
} from "../../src/vectors";
import { registryKey } from "../../src/vectors/tenant/embedder-registry";
import { tenantTag } from "../../src/vectors/tenant/vectorize-tenant-index";
import { uniqueTenantId } from "../helpers";
import { FakeVectorize } from "./fake-vectorize";

const EMBEDDER = { id: "local:hash-8", dimensions: 8 };
const unit = (i: number, dims = 8) => Float32Array.from({ length: dims }, (_, j) => (j === i ? 1 : 0));

/** A backend under test: an env for the resolver and a way to make writes visible. */
interface Backend {
  name: "local" | "vectorize";
  env: VectorEnv;
  settle(): void;
  fake?: FakeVectorize;
}

const localBackend = (): Backend => ({
  name: "local",
  env: { ...env, VECTOR_SHARD_COUNT: "2" },
  settle: () => {},
});
const cloudBackend = (dimensions = 8): Backend => {
  const fake = new FakeVectorize({ dimensions, metric: "cosine" });
  return {
    name: "vectorize",
    env: { ...env, VECTOR_BACKEND: "vectorize", VECTORIZE: fake },
    settle: () => fake.settle(),
    fake,
  };
};

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

for (const make of [localBackend, cloudBackend]) {
  describe(`tenant vector index (${make().name})`, () => {
    const open = (b: Backend, tenantId: string, embedder = EMBEDDER): TenantVectorIndex =>
      vectorIndexFor(b.env, { tenantId, embedder });

    it("writes and searches one tenant's chunks by id, with document metadata", async () => {
      const b = make();
      const vectors = open(b, uniqueTenantId());
      await vectors.upsert([
        { id: "doc1:0:aa", values: unit(0), metadata: { document_id: "doc1", lang: "en" } },
        { id: "doc1:1:bb", values: unit(1), metadata: { document_id: "doc1", lang: "en" } },
        { id: "doc2:0:cc", values: unit(2), metadata: { document_id: "doc2", lang: "fr" } },
      ]);
      b.settle();
      const top = await vectors.query(unit(1), { topK: 2, returnMetadata: "all" });
      expect(top.matches[0]).toEqual({
        id: "doc1:1:bb",
        score: 1,
        metadata: { document_id: "doc1", lang: "en" },
      });
      const fr = await vectors.query(unit(0), { filter: { lang: "fr" } });
      expect(fr.matches.map((m) => m.id)).toEqual(["doc2:0:cc"]);
      expect((await vectors.getByIds(["doc2:0:cc"]))[0]).toEqual({
        id: "doc2:0:cc",
        values: Array.from(unit(2)),
        metadata: { document_id: "doc2", lang: "fr" },
      });
      expect((await vectors.queryById("doc1:0:aa", { topK: 1 })).matches[0]?.id).toBe("doc1:0:aa");
      const stats = await vectors.stats();
      expect(stats).toMatchObject({ backend: b.name, embedder: EMBEDDER, dimensions: 8 });
      if (b.name === "local") expect(stats).toMatchObject({ vectorCount: 3, metric: "cosine" });
      else expect(stats.vectorCount).toBeNull();
    });

    it("isolates tenants, even when they use the same chunk ids", async () => {
      const b = make();
      const a = open(b, uniqueTenantId("a"));
      const c = open(b, uniqueTenantId("c"));
      await a.upsert([{ id: "doc:0", values: unit(0), metadata: { document_id: "a-doc" } }]);
      await c.upsert([{ id: "doc:0", values: unit(1), metadata: { document_id: "c-doc" } }]);
      b.settle();
      const fromA = await a.query(unit(1), { topK: 10, returnMetadata: "all" });
      expect(fromA.matches.map((m) => [m.id, m.metadata?.document_id])).toEqual([["doc:0", "a-doc"]]);
      expect((await c.getByIds(["doc:0"]))[0]?.metadata).toEqual({ document_id: "c-doc" });
      await a.deleteByIds(["doc:0"]);
      b.settle();
      expect((await a.query(unit(0))).count).toBe(0);
      expect((await c.query(unit(1))).matches.map((m) => m.id)).toEqual(["doc:0"]);
    });

    it("fails with 409 embedder_mismatch when another embedder reads or writes, until the tenant is dropped", async () => {
      const b = make();
      const tenantId = uniqueTenantId();
      const first = open(b, tenantId);
      await first.upsert([{ id: "c1", values: unit(0), metadata: { document_id: "d" } }]);
      b.settle();
      const other = open(b, tenantId, { id: "local:other-8", dimensions: 8 });
      for (const call of [() => other.query(unit(0)), () => other.upsert([{ id: "c2", values: unit(1) }])]) {
        const err = await rejection(call());
        expect(err.status).toBe(409);
        expect(err.code).toBe(EMBEDDER_MISMATCH);
        expect(err.message).toMatch(
          /made with embedder local:hash-8 .*configured embedder is local:other-8.*Reindex/,
        );
      }
      // Deleting old vectors is always allowed, so a reindex can clean up.
      await other.deleteByIds(["c1"]);
      await first.drop({ ids: ["c1"] });
      b.settle();
      expect((await other.stats()).embedder).toBeNull();
      await other.upsert([{ id: "c2", values: unit(1) }]);
      b.settle();
      expect((await other.query(unit(1))).matches.map((m) => m.id)).toEqual(["c2"]);
      expect((await rejection(first.query(unit(0)))).code).toBe(EMBEDDER_MISMATCH);
    });

    it("keeps namespaces to itself and validates filters and id length up front", async () => {
      const b = make();
      const vectors = open(b, uniqueTenantId());
      await expect(vectors.query(unit(0), { namespace: "someone-else" })).rejects.toThrow(
        /manage namespaces/,
      );
      await expect(vectors.upsert([{ id: "x", values: unit(0), namespace: "n" }])).rejects.toThrow(
        /manage namespaces/,
      );
      const bad = await rejection(
        vectors.query(unit(0), { filter: { $or: [] } as VectorizeVectorMetadataFilter }),
      );
      expect([bad.status, bad.code]).toEqual([400, "invalid_filter"]);
      expect(bad.message).toMatch(/must not start with \$/);
      await expect(vectors.upsert([{ id: "x".repeat(53), values: unit(0) }])).rejects.toThrow(
        /VECTOR_UPSERT_ERROR \(code = 40008\): id too long; max is 52 bytes/,
      );
      await vectors.upsert([{ id: "x".repeat(52), values: unit(0) }]);
    });

    it("batches upsertMany and deleteMany past Vectorize's per-call limits", async () => {
      const b = make();
      const vectors = open(b, uniqueTenantId());
      const rows = Array.from({ length: 2100 }, (_, i) => ({
        id: `c${i}`,
        values: unit(i % 8),
        metadata: { n: i },
      }));
      const written = await vectors.upsertMany(rows);
      expect(written.mutationIds).toHaveLength(3);
      b.settle();
      const deleted = await vectors.deleteMany(rows.slice(0, 250).map((r) => r.id));
      expect(deleted.mutationIds).toHaveLength(3);
      b.settle();
      expect(await vectors.getByIds(["c0", "c249", "c250"])).toHaveLength(1);
      if (b.name === "local") expect((await vectors.stats()).vectorCount).toBe(1850);
      else expect((await vectors.describe()).vectorCount).toBe(1850);
    });
  });
}

describe("tenant vector index (vectorize specifics)", () => {
  it("prefixes ids with a tenant tag and scopes by namespace in the shared index", async () => {
    const b = cloudBackend();
    const tenantId = uniqueTenantId();
    const vectors = vectorIndexFor(b.env, { tenantId, embedder: EMBEDDER });
    await vectors.upsert([{ id: "doc:0", values: unit(0) }]);
    b.settle();
    const tag = await tenantTag(tenantId);
    expect(tag).toMatch(/^[A-Za-z0-9_-]{11}:$/);
    const raw = await b.fake?.getByIds([`${tag}doc:0`]);
    expect(raw?.[0]).toMatchObject({ id: `${tag}doc:0`, namespace: tenantId });
    expect((await vectors.getByIds(["doc:0"]))[0]).not.toHaveProperty("namespace");
  });

  it("models eventual visibility: a write is queryable only once Vectorize processed it", async () => {
    const b = cloudBackend();
    const vectors = vectorIndexFor(b.env, { tenantId: uniqueTenantId(), embedder: EMBEDDER });
    const { mutationId } = await vectors.upsert([{ id: "late", values: unit(3) }]);
    expect((await vectors.query(unit(3))).count).toBe(0);
    expect(String((await vectors.describe()).processedUpToMutation)).not.toBe(mutationId);
    b.fake?.process(mutationId);
    expect((await vectors.query(unit(3))).matches.map((m) => m.id)).toEqual(["late"]);
    expect(String((await vectors.describe()).processedUpToMutation)).toBe(mutationId);
  });

  it("records the embedder in D1 settings under the instance scope", async () => {
    const b = cloudBackend();
    const tenantId = uniqueTenantId();
    await vectorIndexFor(b.env, { tenantId, embedder: EMBEDDER }).upsert([{ id: "a", values: unit(0) }]);
    const row = await env.DB.prepare("SELECT value FROM settings WHERE tenant_id = '*' AND key = ?")
      .bind(registryKey(tenantId))
      .first<{ value: string }>();
    expect(JSON.parse(row?.value ?? "{}")).toMatchObject({ embedder: EMBEDDER });
  });

  it("explains a Vectorize index created with another dimension", async () => {
    const b = cloudBackend(768);
    const vectors = vectorIndexFor(b.env, { tenantId: uniqueTenantId(), embedder: EMBEDDER });
    const err = await rejection(vectors.upsert([{ id: "a", values: unit(0) }]));
    expect([err.status, err.code]).toEqual([409, EMBEDDER_MISMATCH]);
    expect(err.message).toMatch(/has 768 dimensions.*wrangler vectorize create <name> --dimensions=8/);
  });

  it("needs the ids to drop a tenant, because Vectorize cannot list a namespace", async () => {
    const b = cloudBackend();
    const vectors = vectorIndexFor(b.env, { tenantId: uniqueTenantId(), embedder: EMBEDDER });
    await vectors.upsert([{ id: "a", values: unit(0) }]);
    await expect(vectors.drop()).rejects.toThrow(/pass drop\(\{ ids \}\)/);
  });
});

describe("vectorIndexFor configuration errors", () => {
  it("reports a misconfigured backend as 503 with the fix", () => {
    const cases: [Partial<VectorEnv>, RegExp][] = [
      [{ VECTOR_BACKEND: "pinecone" }, /set it to 'local' or 'vectorize'/],
      [{ VECTOR_BACKEND: "vectorize", VECTORIZE: undefined }, /no VECTORIZE binding/],
      [{ VECTOR_SHARD_COUNT: "0" }, /VECTOR_SHARD_COUNT is '0'/],
      [{ VECTOR_SHARD_COUNT: "four" }, /integer from 1 to 256/],
    ];
    for (const [overrides, message] of cases) {
      let caught: unknown;
      try {
        vectorIndexFor({ ...env, ...overrides }, { tenantId: "t", embedder: EMBEDDER });
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(AppError);
      expect((caught as AppError).status).toBe(503);
      expect((caught as AppError).code).toBe(VECTOR_BACKEND_MISCONFIGURED);
      expect((caught as AppError).message).toMatch(message);
    }
  });

  it("rejects a bad tenant or embedder as a programming error", () => {
    expect(() => vectorIndexFor(env, { tenantId: "", embedder: EMBEDDER })).toThrow(TypeError);
    expect(() => vectorIndexFor(env, { tenantId: "t", embedder: { id: "x", dimensions: 0 } })).toThrow(
      /1 to 1536/,
    );
    expect(() => vectorIndexFor(env, { tenantId: "t".repeat(65), embedder: EMBEDDER })).toThrow(/64 bytes/);
  });
});
