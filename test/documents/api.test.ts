import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { createFts5KeywordIndex } from "../../src/retrieval/keyword/fts5-index";
import { vectorIndexFor } from "../../src/vectors";
import { buildPdf } from "../fixtures/pdf";
import { call, createTenantWithKey, errorCode } from "../helpers";
import { chunkRows, type DocView, eventually, getDoc, postText, settled } from "./helpers";

const keyword = createFts5KeywordIndex(createDb(env.DB));

function upload(
  key: string,
  path: string,
  files: { name: string; type: string; body: string | Uint8Array }[],
  fields: Record<string, string> = {},
) {
  const form = new FormData();
  for (const f of files) form.append("file", new File([f.body], f.name, { type: f.type }));
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  return call("POST", path, { token: key, body: form });
}

describe("formats through the API", () => {
  it("indexes plain text", async () => {
    const { tenantId, key } = await createTenantWithKey();
    await postText(key, { id: "plain", text: "Plain words about glaciers.\n\nSecond paragraph about ice." });
    expect(await settled(key, "plain")).toMatchObject({
      status: "ready",
      chunk_count: 1,
      title: null,
      error: null,
      embedder: env.EMBEDDINGS,
    });
    expect((await keyword.search(tenantId, "glacier"))[0]?.documentId).toBe("plain");
    // The vectors are in the local index (VectorShard Durable Objects), under the tenant.
    const [row] = await chunkRows(tenantId, "plain");
    const dims = Number(/hash-(\d+)/.exec(env.EMBEDDINGS)?.[1]);
    const vectors = vectorIndexFor(env, { tenantId, embedder: { id: env.EMBEDDINGS, dimensions: dims } });
    const [stored] = await vectors.getByIds([row?.id as string]);
    expect(stored?.metadata).toMatchObject({ document_id: "plain", ordinal: 0 });
    expect(stored?.values).toHaveLength(dims);
  });

  it("indexes Markdown with its heading path and title", async () => {
    const { tenantId, key } = await createTenantWithKey();
    const md = "# Handbook\n\n## Leave\n\nTwenty days of **paid** leave.\n\n## Expenses\n\nKeep receipts.";
    await postText(key, { id: "md", text: md, content_type: "text/markdown" });
    expect(await settled(key, "md")).toMatchObject({ status: "ready", title: "Handbook", chunk_count: 2 });
    const rows = await chunkRows(tenantId, "md");
    expect(rows.map((r) => [r.text, JSON.parse(r.metadata).headings])).toEqual([
      ["Handbook\n\nLeave\n\nTwenty days of paid leave.", ["Handbook", "Leave"]],
      ["Expenses\n\nKeep receipts.", ["Handbook", "Expenses"]],
    ]);
  });

  it("indexes HTML without its boilerplate, titled from <title>", async () => {
    const { tenantId, key } = await createTenantWithKey();
    const html =
      "<html><head><title>Shipping</title></head><body><nav>Home Shop Cart</nav><main><h1>Shipping times</h1>" +
      "<p>Orders ship in two days.</p><table><tr><th>Zone</th><th>Days</th></tr><tr><td>EU</td><td>3</td></tr></table>" +
      "</main><footer>Copyright</footer></body></html>";
    await postText(key, { id: "page", text: html, content_type: "text/html; charset=utf-8" });
    expect(await settled(key, "page")).toMatchObject({ status: "ready", title: "Shipping" });
    const [row] = await chunkRows(tenantId, "page");
    expect(row?.text).toBe("Shipping times\n\nOrders ship in two days.\n\nZone | Days\nEU | 3");
    expect(await keyword.search(tenantId, "copyright cart")).toEqual([]);
  });

  it("indexes an uploaded PDF with page numbers, titled from the file when it declares none", async () => {
    const { tenantId, key } = await createTenantWithKey();
    const pdf = buildPdf([["Quarterly report."], ["Revenue grew on page two."]]);
    const res = await upload(
      key,
      "/v1/documents",
      [{ name: "q3-report.pdf", type: "application/octet-stream", body: pdf }],
      {
        id: "q3",
        metadata: JSON.stringify({ quarter: 3 }),
      },
    );
    expect(res.status).toBe(202);
    const doc = await settled(key, "q3");
    expect(doc).toMatchObject({ status: "ready", title: "q3-report", metadata: { quarter: 3 } });
    const [row] = await chunkRows(tenantId, "q3");
    expect(JSON.parse(row?.metadata ?? "{}")).toMatchObject({ page_start: 1, page_end: 2 });
  });

  it("takes JSON Lines batches as a body or as an uploaded .jsonl file", async () => {
    const { key } = await createTenantWithKey();
    const lines = [
      JSON.stringify({ id: "l1", text: "Line one text." }),
      "",
      JSON.stringify({ id: "l2", title: "Two", text: "# Line two", content_type: "text/markdown" }),
    ].join("\n");
    const body = await call("POST", "/v1/documents/batch", {
      token: key,
      body: lines,
      headers: { "content-type": "application/x-ndjson" },
    });
    expect(body.status).toBe(202);
    expect(((await body.json()) as { ids: string[] }).ids).toEqual(["l1", "l2"]);
    const file = await upload(key, "/v1/documents/batch", [
      {
        name: "more.jsonl",
        type: "application/octet-stream",
        body: JSON.stringify({ id: "l3", text: "Three." }),
      },
      { name: "notes.md", type: "text/markdown", body: "# Notes\n\nFrom a file." },
    ]);
    expect(file.status).toBe(202);
    const ids = ((await file.json()) as { ids: string[] }).ids;
    expect(ids[0]).toBe("l3");
    for (const id of ["l1", "l2", ...ids]) expect((await settled(key, id)).status).toBe("ready");
    expect((await getDoc(key, "l2")).title).toBe("Two");
  });
});

describe("input errors", () => {
  it("answers 415 naming the supported types", async () => {
    const { key } = await createTenantWithKey();
    const badType = await call("POST", "/v1/documents", {
      token: key,
      json: { text: "x", content_type: "image/png" },
    });
    expect(badType.status).toBe(415);
    const body = (await badType.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("unsupported_media_type");
    expect(body.error.message).toContain("text/plain, text/markdown, text/html, application/pdf");
    const png = await upload(key, "/v1/documents", [
      { name: "photo.png", type: "image/png", body: new Uint8Array([137, 80, 78, 71]) },
    ]);
    expect(png.status).toBe(415);
    const csv = await call("POST", "/v1/documents", {
      token: key,
      body: "a,b",
      headers: { "content-type": "text/csv" },
    });
    expect(csv.status).toBe(415);
    const pdfJson = await call("POST", "/v1/documents", {
      token: key,
      json: { text: "%PDF", content_type: "application/pdf" },
    });
    expect(pdfJson.status).toBe(415);
    const ndjsonSingle = await call("POST", "/v1/documents", {
      token: key,
      body: "{}",
      headers: { "content-type": "application/x-ndjson" },
    });
    expect(ndjsonSingle.status).toBe(415);
    expect(((await ndjsonSingle.json()) as { error: { message: string } }).error.message).toContain(
      "/v1/documents/batch",
    );
  });

  it("answers 413 for a document over the per-document limit, and stores nothing", async () => {
    const { key } = await createTenantWithKey();
    const big = "x".repeat(10 * 1024 * 1024 + 1);
    const res = await call("POST", "/v1/documents", { token: key, json: { id: "huge", text: big } });
    expect(res.status).toBe(413);
    expect(await errorCode(res)).toBe("document_too_large");
    const file = await upload(key, "/v1/documents", [{ name: "huge.txt", type: "text/plain", body: big }]);
    expect(file.status).toBe(413);
    expect((await call("GET", "/v1/documents/huge", { token: key })).status).toBe(404);
  });

  it("answers 400 with stable codes for invalid documents, ids, options and batches", async () => {
    const { key } = await createTenantWithKey();
    const cases: [unknown, string][] = [
      [{ text: "   " }, "invalid_request"],
      [{ id: "bad id!", text: "x" }, "invalid_request"],
      [{ text: "x", colour: "red" }, "invalid_request"],
      [{ text: "x", chunking: { max_tokens: 100, overlap_tokens: 80 } }, "invalid_request"],
      [{ text: "x", expires_at: "2001-01-01T00:00:00Z" }, "invalid_expiry"],
      [{ text: "x", metadata: { blob: "y".repeat(20_000) } }, "invalid_request"],
    ];
    for (const [json, code] of cases) {
      const res = await call("POST", "/v1/documents", { token: key, json });
      expect(res.status, JSON.stringify(json).slice(0, 80)).toBe(400);
      expect(await errorCode(res)).toBe(code);
    }
    const malformed = await call("POST", "/v1/documents", {
      token: key,
      body: "{oops",
      headers: { "content-type": "application/json" },
    });
    expect(await errorCode(malformed)).toBe("malformed_json");
    const dup = await call("POST", "/v1/documents/batch", {
      token: key,
      json: {
        documents: [
          { id: "a", text: "1" },
          { id: "a", text: "2" },
        ],
      },
    });
    expect(await errorCode(dup)).toBe("duplicate_id");
    const tooMany = await call("POST", "/v1/documents/batch", {
      token: key,
      json: { documents: Array.from({ length: 1001 }, (_, i) => ({ text: `d${i}` })) },
    });
    expect(await errorCode(tooMany)).toBe("too_many_documents");
    const badLine = await call("POST", "/v1/documents/batch", {
      token: key,
      body: '{"text":"ok"}\n{"text":',
      headers: { "content-type": "application/x-ndjson" },
    });
    expect(badLine.status).toBe(400);
    expect(((await badLine.json()) as { error: { message: string } }).error.message).toContain("line 2");
    // A rejected batch stores nothing, not even its valid documents.
    const partial = await call("POST", "/v1/documents/batch", {
      token: key,
      json: {
        documents: [
          { id: "fine", text: "ok" },
          { id: "broken", text: "" },
        ],
      },
    });
    expect(partial.status).toBe(400);
    expect((await call("GET", "/v1/documents/fine", { token: key })).status).toBe(404);
    const noFile = await upload(key, "/v1/documents", [], { id: "x" });
    expect(await errorCode(noFile)).toBe("missing_file");
  });

  it("requires the write scope to change documents and the read scope to see them", async () => {
    const reader = await createTenantWithKey(["read"]);
    const res = await call("POST", "/v1/documents", { token: reader.key, json: { text: "x" } });
    expect(res.status).toBe(403);
    const writer = await createTenantWithKey(["write"]);
    expect((await call("GET", "/v1/documents", { token: writer.key })).status).toBe(403);
  });
});

describe("reading and managing documents", () => {
  it("lists documents in pages with a cursor and a status filter", async () => {
    const { key } = await createTenantWithKey();
    const documents = Array.from({ length: 7 }, (_, i) => ({
      id: `doc-${i}`,
      text: `Document number ${i}.`,
    }));
    const res = await call("POST", "/v1/documents/batch", { token: key, json: { documents } });
    expect(res.status).toBe(202);
    for (const d of documents) await settled(key, d.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await call("GET", `/v1/documents?limit=3${cursor ? `&cursor=${cursor}` : ""}`, {
        token: key,
      });
      const body = (await page.json()) as { documents: DocView[]; next_cursor: string | null };
      expect(body.documents.length).toBeLessThanOrEqual(3);
      seen.push(...body.documents.map((d) => d.id));
      cursor = body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(documents.map((d) => d.id));
    const ready = await call("GET", "/v1/documents?status=ready&limit=100", { token: key });
    expect(((await ready.json()) as { documents: unknown[] }).documents).toHaveLength(7);
    const failed = await call("GET", "/v1/documents?status=failed", { token: key });
    expect(((await failed.json()) as { documents: unknown[] }).documents).toEqual([]);
    expect(await errorCode(await call("GET", "/v1/documents?cursor=%%%", { token: key }))).toBe(
      "invalid_cursor",
    );
    expect((await call("GET", "/v1/documents?status=done", { token: key })).status).toBe(400);
  });

  it("shows status, chunk count, error and embedder, and tracks the job to done", async () => {
    const { key } = await createTenantWithKey();
    const res = await call("POST", "/v1/documents/batch", {
      token: key,
      json: {
        documents: [
          { id: "good", text: "Fine text." },
          { id: "empty-html", text: "<html><script>only()</script></html>", content_type: "text/html" },
        ],
      },
    });
    const { job_id } = (await res.json()) as { job_id: string };
    const job = await eventually(async () => {
      const j = (await (await call("GET", `/v1/jobs/${job_id}`, { token: key })).json()) as Record<
        string,
        unknown
      >;
      return j.status === "done" ? j : undefined;
    }, "job to finish");
    expect(job).toMatchObject({
      id: job_id,
      kind: "batch",
      status: "done",
      total: 2,
      done: 1,
      failed: 1,
      pending: 0,
    });
    expect(job.errors).toEqual([
      { document_id: "empty-html", code: "no_text", message: "The document contains no text to index." },
    ]);
    const good = await getDoc(key, "good");
    expect(good).toMatchObject({ status: "ready", chunk_count: 1, error: null, version: 1 });
    expect(good).toHaveProperty("embedder");
    const bad = await getDoc(key, "empty-html");
    expect(bad).toMatchObject({ status: "failed", chunk_count: 0, error: { code: "no_text" } });
  });

  it("is an idempotent upsert by id over HTTP", async () => {
    const { key } = await createTenantWithKey();
    const first = await postText(key, { id: "same", text: "Same text." });
    await settled(key, "same");
    const again = await postText(key, { id: "same", text: "Same text." });
    expect(again).toMatchObject({ id: "same", version: 1, unchanged: true, status: "ready" });
    expect(again.job_id).not.toBe(first.job_id);
    const changed = await postText(key, { id: "same", text: "Different text." });
    expect(changed).toMatchObject({ version: 2, unchanged: false, status: "queued" });
    expect(await settled(key, "same", 2)).toMatchObject({ status: "ready", version: 2 });
  });

  it("embeds with the tenant's own embedder setting when it has one", async () => {
    const { key } = await createTenantWithKey();
    const set = await call("PATCH", "/v1/settings", { token: key, json: { embeddings: "local:hash-128" } });
    expect(set.status).toBe(200);
    await postText(key, { id: "own", text: "Embedded with the tenant's model." });
    expect(await settled(key, "own")).toMatchObject({ status: "ready", embedder: "local:hash-128" });
  });

  it("deletes and reindexes over HTTP", async () => {
    const { tenantId, key } = await createTenantWithKey();
    await postText(key, { id: "d", text: "Delete me later." });
    await settled(key, "d");
    const re = await call("POST", "/v1/documents/d/reindex", {
      token: key,
      json: { chunking: { max_tokens: 64 } },
    });
    expect(re.status).toBe(202);
    expect(await re.json()).toMatchObject({ id: "d", version: 2 });
    await settled(key, "d", 2);
    const all = await call("POST", "/v1/documents/reindex", { token: key });
    expect(all.status).toBe(202);
    expect(await all.json()).toMatchObject({ total: 1 });
    await settled(key, "d", 3);
    const del = await call("DELETE", "/v1/documents/d", { token: key });
    expect(del.status).toBe(200);
    expect(await del.json()).toEqual({ id: "d", deleted: true, chunks: 1 });
    expect((await call("GET", "/v1/documents/d", { token: key })).status).toBe(404);
    expect(await chunkRows(tenantId, "d")).toEqual([]);
    expect((await env.BLOBS.list({ prefix: `packs/${tenantId}/` })).objects).toEqual([]);
  });

  it("hides one tenant's documents and jobs from another: 404, never 403", async () => {
    const a = await createTenantWithKey();
    const b = await createTenantWithKey();
    const { job_id } = await postText(a.key, { id: "private", text: "Tenant A only." });
    await settled(a.key, "private");
    for (const [method, path] of [
      ["GET", "/v1/documents/private"],
      ["DELETE", "/v1/documents/private"],
      ["POST", "/v1/documents/private/reindex"],
      ["GET", `/v1/jobs/${job_id}`],
    ] as const) {
      const res = await call(method, path, { token: b.key });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect(
      ((await (await call("GET", "/v1/documents", { token: b.key })).json()) as { documents: unknown[] })
        .documents,
    ).toEqual([]);
    expect((await getDoc(a.key, "private")).status).toBe("ready");
    // The same id in tenant B is a different document.
    await postText(b.key, { id: "private", text: "Tenant B's own." });
    expect((await settled(b.key, "private")).version).toBe(1);
  });

  it("accepts a batch of 500 documents in one call and indexes them all", async () => {
    const { key } = await createTenantWithKey();
    const documents = Array.from({ length: 500 }, (_, i) => ({
      id: `b${String(i).padStart(3, "0")}`,
      text: `Batch document ${i}.`,
    }));
    const res = await call("POST", "/v1/documents/batch", { token: key, json: { documents } });
    expect(res.status).toBe(202);
    const { job_id } = (await res.json()) as { job_id: string };
    const job = await eventually(
      async () => {
        const j = (await (await call("GET", `/v1/jobs/${job_id}`, { token: key })).json()) as {
          status: string;
          done: number;
        };
        return j.status === "done" ? j : undefined;
      },
      "500-document job",
      60_000,
    );
    expect(job.done).toBe(500);
  });

  it("documents the routes in /openapi.json", async () => {
    const doc = (await (await call("GET", "/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v1/documents",
        "/v1/documents/batch",
        "/v1/documents/reindex",
        "/v1/documents/{id}",
        "/v1/documents/{id}/reindex",
        "/v1/jobs/{id}",
      ]),
    );
  });
});
