import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runBatch } from "../../src/db/batch";
import { createDb } from "../../src/db/client";
import { FTS_TABLE_DDL, matchExpression, scopeToken } from "../../src/retrieval/keyword/analysis";
import { createFts5KeywordIndex } from "../../src/retrieval/keyword/fts5-index";
import { ADMIN_TOKEN, call } from "../helpers";

const db = createDb(env.DB);
const index = createFts5KeywordIndex(db);

async function createTenant(): Promise<string> {
  const id = `t-${crypto.randomUUID().slice(0, 8)}`;
  await env.DB.prepare("INSERT INTO tenants (id, name) VALUES (?, ?)").bind(id, id).run();
  return id;
}

/** Writes chunk rows and their index entries in one batch, as the pipeline does. */
async function addDocument(tenantId: string, documentId: string, title: string | null, texts: string[]) {
  await env.DB.prepare(
    "INSERT OR IGNORE INTO documents (tenant_id, id, title, content_type, content_hash, size_bytes, status, blob_key) VALUES (?, ?, ?, 'text/plain', 'h', 1, 'ready', 'k')",
  )
    .bind(tenantId, documentId, title)
    .run();
  const chunks = texts.map((text, ordinal) => ({
    id: `${documentId}-${ordinal}`,
    ordinal,
    text,
    tokens: 1,
    metadata: {},
  }));
  await runBatch(db, [
    index.removeDocument(tenantId, documentId),
    env.DB.prepare("DELETE FROM chunks WHERE tenant_id = ? AND document_id = ?").bind(tenantId, documentId),
    ...chunks.map((c) =>
      env.DB.prepare(
        "INSERT INTO chunks (id, tenant_id, document_id, version, ordinal, text, token_count) VALUES (?, ?, ?, 1, ?, ?, 1)",
      ).bind(c.id, tenantId, documentId, c.ordinal, c.text),
    ),
    ...index.indexChunks({ tenantId, documentId, title, chunks }),
  ]);
}

describe("keyword index schema", () => {
  it("matches the hand-written migration exactly", async () => {
    const migration = env.TEST_MIGRATIONS.find((m) => m.name.endsWith("_keyword_fts.sql"));
    const statements = migration?.queries.map((q) =>
      q
        .split("\n")
        .filter((line) => !line.trim().startsWith("--"))
        .join("\n")
        .trim()
        .replace(/;$/, ""),
    );
    expect(statements).toContain(FTS_TABLE_DDL);
  });

  it("spells each tenant as one distinct token", () => {
    expect(scopeToken("acme")).toBe("t097099109101");
    const tokens = ["a-b", "a_b", "ab", "a", "b-a"].map(scopeToken);
    expect(new Set(tokens).size).toBe(tokens.length);
    for (const t of tokens) expect(t).toMatch(/^t\d+$/);
  });
});

describe("rebuild through the admin API", () => {
  it("rebuilds one tenant's entries and requires the admin token", async () => {
    const tenant = await createTenant();
    await addDocument(tenant, "d", "Title", ["rebuild me please"]);
    await runBatch(db, [index.removeDocument(tenant, "d")]);
    expect(await index.count(tenant)).toBe(0);
    const denied = await call("POST", "/v1/admin/keyword-index/rebuild", { json: { tenant } });
    expect(denied.status).toBe(401);
    const res = await call("POST", "/v1/admin/keyword-index/rebuild", {
      token: ADMIN_TOKEN,
      json: { tenant },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ chunks: 1 });
    expect(await index.search(tenant, "rebuild")).toHaveLength(1);
  });
});

describe("keyword search", () => {
  it("finds chunks by text and title, stemmed and accent-folded, best first", async () => {
    const tenant = await createTenant();
    await addDocument(tenant, "cafe", "Café opening hours", [
      "We are running a small coffee shop.",
      "Closed on Sundays.",
    ]);
    await addDocument(tenant, "other", "Unrelated", ["Bicycles and repairs."]);
    const hits = await index.search(tenant, "cafe run");
    expect(hits[0]).toMatchObject({ chunkId: "cafe-0", documentId: "cafe" });
    expect(hits.map((h) => h.documentId)).not.toContain("other");
    expect(hits.every((h) => h.score > 0)).toBe(true);
    expect((await index.search(tenant, "sundays")).map((h) => h.chunkId)).toEqual(["cafe-1"]);
  });

  it("never returns another tenant's chunks", async () => {
    const a = await createTenant();
    const b = await createTenant();
    await addDocument(a, "d", "Shared words", ["identical sentence about vectors"]);
    await addDocument(b, "d", "Shared words", ["identical sentence about vectors"]);
    const hitsA = await index.search(a, "identical vectors");
    expect(hitsA).toHaveLength(1);
    expect(await index.count(a)).toBe(1);
    const row = await env.DB.prepare("SELECT tenant_id FROM chunks WHERE id = ? AND tenant_id = ?")
      .bind(hitsA[0]?.chunkId, a)
      .first();
    expect(row).not.toBeNull();
  });

  it("treats arbitrary text as words, never as FTS5 syntax", async () => {
    const tenant = await createTenant();
    await addDocument(tenant, "d", null, ["C plus plus, NOT a keyword, NEAR the title: scope"]);
    const hostile = [
      "C++",
      '"unbalanced',
      "title: x",
      "NOT",
      "AND OR",
      "*",
      "^x",
      "NEAR(a b)",
      "scope : t1",
      "{a}",
      "-",
      "🙂",
      "",
    ];
    for (const q of hostile) await expect(index.search(tenant, q), q).resolves.toBeInstanceOf(Array);
    expect((await index.search(tenant, "NOT")).length).toBe(1);
    expect(await index.search(tenant, "🙂 ***")).toEqual([]);
    expect(
      matchExpression(tenant, "a".repeat(10) + " x".repeat(200))?.match(/"/g)?.length,
    ).toBeLessThanOrEqual(2 * 65);
  });

  it("replaces entries instead of duplicating them when a document is indexed again", async () => {
    const tenant = await createTenant();
    await addDocument(tenant, "d", "T", ["apples and pears"]);
    await addDocument(tenant, "d", "T", ["bananas only"]);
    expect(await index.search(tenant, "apples")).toEqual([]);
    expect(await index.search(tenant, "bananas")).toHaveLength(1);
    expect(await index.count(tenant)).toBe(1);
    // Indexing the same rows twice (a redelivered message) leaves one entry per chunk.
    const chunks = [{ id: "d-0", text: "bananas only" }];
    await runBatch(db, index.indexChunks({ tenantId: tenant, documentId: "d", title: "T", chunks }));
    expect(await index.count(tenant)).toBe(1);
    await env.DB.prepare("INSERT INTO chunks_fts(chunks_fts, rank) VALUES ('integrity-check', 0)").run();
  });

  it("rebuilds from the chunks table, for one tenant or all", async () => {
    const a = await createTenant();
    const b = await createTenant();
    await addDocument(a, "d1", "Alpha title", ["first chunk text", "second chunk text"]);
    await addDocument(b, "d2", "Beta title", ["other tenant text"]);
    // Lose the index rows of tenant a (as if the table had been dropped and recreated).
    await runBatch(db, [index.removeDocument(a, "d1")]);
    expect(await index.search(a, "chunk")).toEqual([]);
    expect(await index.rebuild({ tenantId: a, pageSize: 1 })).toEqual({ chunks: 2 });
    expect(await index.search(a, "alpha")).toHaveLength(2);
    expect(await index.count(b)).toBe(1);
    const all = await index.rebuild({ pageSize: 1000 });
    expect(all.chunks).toBeGreaterThanOrEqual(3);
    expect(await index.count(a)).toBe(2);
    expect(await index.search(b, "beta")).toHaveLength(1);
  });
});
