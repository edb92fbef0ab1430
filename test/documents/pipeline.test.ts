import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import {
  expireDocumentsTask,
  reclaimPacksTask,
  resumeStalledIngestTask,
} from "../../src/documents/ingest.maintenance";
import { runMaintenance } from "../../src/maintenance/maintenance";
import type { Embedder } from "../../src/providers/types";
import { hashEmbedder } from "../fixtures/embedders";
import { buildPdf } from "../fixtures/pdf";
import { blobKeys, chunksOf, createHarness, createTenant, docRow, textDoc } from "./harness";

/** Exactly `ids` are the vectors the harness's index holds (after settle()). */
async function expectVectors(h: ReturnType<typeof createHarness>, tenant: string, ids: readonly string[]) {
  expect(await h.vectors.visible(tenant, ids)).toEqual([...ids].sort());
  expect(await h.vectors.count()).toBe(ids.length);
}

const paragraphs = (n: number, tag: string) =>
  Array.from(
    { length: n },
    (_, i) => `Paragraph ${i} of ${tag}. It talks about subject ${tag}${i} at some length.`,
  ).join("\n\n");

describe("indexing", () => {
  it("chunks, embeds, writes chunks and the keyword index, and upserts vectors by tenant namespace", async () => {
    const tenant = await createTenant();
    const h = createHarness();
    const accepted = await h.accept(tenant, [
      textDoc("doc", paragraphs(30, "alpha"), {
        title: "Alpha",
        metadata: { team: "docs", year: 2024, nested: { x: 1 } },
      }),
    ]);
    expect(accepted.documents[0]).toMatchObject({
      id: "doc",
      version: 1,
      status: "queued",
      unchanged: false,
    });
    await h.drain();
    const row = await docRow(tenant, "doc");
    const chunks = await chunksOf(tenant, "doc");
    expect(row).toMatchObject({ status: "ready", version: 1, error: null, embedder: "local:hash-64" });
    expect(row?.chunk_count).toBe(chunks.length);
    expect(chunks.length).toBeGreaterThan(1);
    expect(await h.keyword.count(tenant)).toBe(chunks.length);
    expect((await h.keyword.search(tenant, "alpha7"))[0]?.documentId).toBe("doc");
    h.vectors.settle();
    await expectVectors(h, tenant, chunks.map((c) => c.id).sort());
    const first = await h.vectors.get(tenant, chunks[0]?.id as string);
    expect(first?.metadata).toEqual({ team: "docs", year: 2024, document_id: "doc", ordinal: 0 });
    expect(first?.values).toHaveLength(64);
  });

  it("makes chunk ids stable: document + ordinal + content hash, tenant-unique, within Vectorize's 64 bytes", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const h = createHarness();
    await h.accept(a, [textDoc("same", "One sentence. Another sentence.")]);
    await h.accept(b, [textDoc("same", "One sentence. Another sentence.")]);
    await h.drain();
    const [ca] = await chunksOf(a, "same");
    const [cb] = await chunksOf(b, "same");
    expect(ca?.id).toMatch(/^ck_[0-9a-f]{40}$/);
    expect(ca?.id).not.toBe(cb?.id);
    // Re-indexing the same content yields the same ids.
    await h.service.reindex(a, "same");
    await h.drain();
    expect((await chunksOf(a, "same"))[0]?.id).toBe(ca?.id);
  });

  it("records page numbers of PDF chunks", async () => {
    const tenant = await createTenant();
    const h = createHarness();
    const pdf = buildPdf([["Page one talks about oranges."], ["Page two talks about lemons."]], "Fruit");
    await h.accept(tenant, [{ id: "pdf", bytes: pdf, type: "application/pdf", metadata: {} }]);
    await h.drain();
    expect(await docRow(tenant, "pdf")).toMatchObject({ status: "ready", title: "Fruit" });
    const [chunk] = await chunksOf(tenant, "pdf");
    expect(JSON.parse(chunk?.metadata ?? "{}")).toEqual({ headings: [], page_start: 1, page_end: 2 });
  });
});

describe("idempotent upsert and replace", () => {
  it("does no work when the same id arrives with the same content", async () => {
    const tenant = await createTenant();
    const h = createHarness();
    await h.accept(tenant, [textDoc("doc", "Stable content.", { metadata: { a: 1, b: 2 } })]);
    await h.drain();
    const before = await chunksOf(tenant, "doc");
    const upserts = h.vectors.calls.upserts;
    const again = await h.accept(tenant, [textDoc("doc", "Stable content.", { metadata: { b: 2, a: 1 } })]);
    expect(again.documents[0]).toMatchObject({ unchanged: true, version: 1, status: "ready" });
    expect(h.sent).toEqual([]);
    expect(await chunksOf(tenant, "doc")).toEqual(before);
    expect(h.vectors.calls.upserts).toBe(upserts);
    expect(await blobKeys(tenant)).toHaveLength(1);
    const job = await h.service.job(tenant, again.jobId);
    expect(job.counts).toEqual({ pending: 0, done: 0, failed: 0, skipped: 1 });
  });

  it("replaces atomically: old chunks and vectors stay until the new ones are in, then go", async () => {
    const tenant = await createTenant();
    const h = createHarness();
    const v1 = ["Intro stays the same.", "Old middle about walruses.", "Old ending about narwhals."].join(
      "\n\n",
    );
    await h.accept(tenant, [textDoc("doc", v1, { chunking: { maxTokens: 8, overlapTokens: 0 } })]);
    await h.drain();
    h.vectors.settle();
    const old = await chunksOf(tenant, "doc");
    expect(old).toHaveLength(3);

    const v2 = ["Intro stays the same.", "New middle about penguins."].join("\n\n");
    const accepted = await h.accept(tenant, [
      textDoc("doc", v2, { chunking: { maxTokens: 8, overlapTokens: 0 } }),
    ]);
    expect(accepted.documents[0]).toMatchObject({ version: 2, unchanged: false });
    // Accepted but not yet indexed: the old version is still fully searchable.
    expect(await chunksOf(tenant, "doc")).toEqual(old);
    expect((await h.keyword.search(tenant, "walruses")).length).toBe(1);
    await expectVectors(h, tenant, old.map((c) => c.id).sort());
    expect(await blobKeys(tenant)).toHaveLength(1);

    await h.drain();
    h.vectors.settle();
    const fresh = await chunksOf(tenant, "doc");
    expect(fresh.map((c) => c.text)).toEqual(["Intro stays the same.", "New middle about penguins."]);
    expect(fresh[0]?.id).toBe(old[0]?.id);
    expect(await h.keyword.search(tenant, "walruses narwhals")).toEqual([]);
    expect((await h.keyword.search(tenant, "penguins")).length).toBe(1);
    await expectVectors(h, tenant, fresh.map((c) => c.id).sort());
    expect(await docRow(tenant, "doc")).toMatchObject({ status: "ready", version: 2, chunk_count: 2 });
    expect(await blobKeys(tenant)).toHaveLength(1);
  });

  it("lets a newer version supersede one being indexed, and hands over to it", async () => {
    const tenant = await createTenant();
    let h!: ReturnType<typeof createHarness>;
    const base = hashEmbedder(64);
    let replaced = false;
    // While version 1 is being embedded, a new upload replaces it.
    const racing: Embedder = {
      ...base,
      async embed(texts, options) {
        if (!replaced) {
          replaced = true;
          await h.accept(tenant, [textDoc("doc", "Version two text about owls.")]);
        }
        return base.embed(texts, options);
      },
    };
    h = createHarness({ embedder: racing });
    await h.accept(tenant, [textDoc("doc", "Version one text about bats.")]);
    const first = h.sent.splice(0);
    const result = await h.deliver(first.map((body) => ({ body })));
    expect(result.explicitAcks).toHaveLength(1);
    // Version 1 did not commit; its vectors were discarded; version 2 was handed over (and
    // its own message from the upload is a harmless duplicate).
    expect(await docRow(tenant, "doc")).toMatchObject({ version: 2, status: "queued", claimed_until: null });
    expect(h.sent.filter((m) => m.kind === "ingest" && m.version === 2).length).toBeGreaterThanOrEqual(1);
    await h.drain();
    h.vectors.settle();
    const chunks = await chunksOf(tenant, "doc");
    expect(chunks.map((c) => c.text)).toEqual(["Version two text about owls."]);
    await expectVectors(
      h,
      tenant,
      chunks.map((c) => c.id),
    );
    expect(await docRow(tenant, "doc")).toMatchObject({ status: "ready", version: 2 });
  });

  it("reports identical content under different ids without merging them", async () => {
    const tenant = await createTenant();
    const h = createHarness();
    const first = await h.accept(tenant, [
      textDoc("a", "Same words."),
      textDoc("b", "Same words."),
      textDoc("c", "Other."),
    ]);
    expect(first.documents.map((d) => [d.id, d.duplicateOf])).toEqual([
      ["a", ["b"]],
      ["b", ["a"]],
      ["c", []],
    ]);
    await h.drain();
    const later = await h.accept(tenant, [textDoc("d", "Same words.")]);
    expect(later.documents[0]?.duplicateOf).toEqual(["a", "b"]);
    await h.drain();
    expect((await h.service.get(tenant, "a")).duplicateOf).toEqual(["b", "d"]);
    for (const id of ["a", "b", "d"]) expect(await docRow(tenant, id)).toMatchObject({ status: "ready" });
  });
});

describe("retries, dead letters and redelivery", () => {
  function flaky(failures: number): Embedder & { calls: number } {
    const base = hashEmbedder(64);
    const e = {
      ...base,
      calls: 0,
      async embed(texts: readonly string[]) {
        e.calls++;
        if (e.calls <= failures) throw new Error(`embedding provider timed out (call ${e.calls})`);
        return base.embed(texts);
      },
    };
    return e;
  }

  it("retries a message that fails twice with growing, jittered delays, then succeeds", async () => {
    const tenant = await createTenant();
    const h = createHarness({ embedder: flaky(2) });
    await h.accept(tenant, [textDoc("doc", "Eventually consistent text.")]);
    const [message] = h.sent.splice(0);

    const r1 = await h.deliver([{ body: message, attempts: 1 }]);
    expect(r1.explicitAcks).toEqual([]);
    expect(r1.retryMessages).toHaveLength(1);
    const row1 = await docRow(tenant, "doc");
    expect(row1).toMatchObject({ status: "queued", attempts: 1, claimed_until: null });
    expect(row1?.error).toMatch(
      /^indexing_error: embedding provider timed out \(call 1\) \(attempt 1; retrying in \d+s\)$/,
    );

    const r2 = await h.deliver([{ body: message, attempts: 2 }]);
    expect(r2.retryMessages).toHaveLength(1);
    // Exponential with equal jitter (random fixed at 0.5 here): 2 s nominal → 2, 4 s nominal → 3.
    expect(r1.delays).toEqual([2]);
    expect(r2.delays).toEqual([3]);
    expect(row1?.error).toContain("retrying in 2s");

    const r3 = await h.deliver([{ body: message, attempts: 3 }]);
    expect(r3.explicitAcks).toHaveLength(1);
    expect(r3.retryMessages).toEqual([]);
    expect(await docRow(tenant, "doc")).toMatchObject({ status: "ready", error: null, attempts: 3 });
    expect(h.dead).toEqual([]);
  });

  it("fails a poison message after the last retry: document failed with the reason, message dead-lettered", async () => {
    const tenant = await createTenant();
    const h = createHarness({ embedder: flaky(Number.POSITIVE_INFINITY) });
    const accepted = await h.accept(tenant, [textDoc("doc", "Never embeddable.")]);
    const [message] = h.sent.splice(0);
    for (let attempt = 1; attempt <= 5; attempt++) {
      const r = await h.deliver([{ body: message, attempts: attempt }]);
      expect(r.retryMessages, `attempt ${attempt}`).toHaveLength(1);
    }
    const last = await h.deliver([{ body: message, attempts: 6 }]);
    expect(last.explicitAcks).toHaveLength(1);
    expect(last.retryMessages).toEqual([]);
    const row = await docRow(tenant, "doc");
    expect(row?.status).toBe("failed");
    expect(row?.error).toMatch(
      /^indexing_error: embedding provider timed out .*\(gave up after 6 attempts\)$/,
    );
    expect(h.dead).toEqual([
      {
        message: { kind: "ingest", tenant, doc: "doc", version: 1 },
        error: { code: "indexing_error", message: expect.stringContaining("gave up after 6 attempts") },
        attempts: 6,
      },
    ]);
    const job = await h.service.job(tenant, accepted.jobId);
    expect(job.counts).toMatchObject({ failed: 1, pending: 0 });
    expect(job.errors[0]?.error).toContain("gave up");
    // A failed document's chunks, vectors and keyword entries were never written.
    expect(await chunksOf(tenant, "doc")).toEqual([]);
    h.vectors.settle();
    await expectVectors(h, tenant, []);
  });

  it("fails an unreadable file at once, without retries, and dead-letters it", async () => {
    const tenant = await createTenant();
    const h = createHarness();
    const corrupt = new TextEncoder().encode("%PDF-1.7\nthis is not really a pdf");
    await h.accept(tenant, [{ id: "bad.pdf", bytes: corrupt, type: "application/pdf", metadata: {} }]);
    const r = await h.deliver(h.sent.splice(0).map((body) => ({ body })));
    expect(r.explicitAcks).toHaveLength(1);
    expect(r.retryMessages).toEqual([]);
    const row = await docRow(tenant, "bad.pdf");
    expect(row?.status).toBe("failed");
    expect(row?.error).toMatch(/^invalid_pdf: /);
    expect(h.dead[0]?.error?.code).toBe("invalid_pdf");
  });

  it("marks the document failed when Queues dead-letters the message on its own", async () => {
    const tenant = await createTenant();
    const h = createHarness({ embedder: flaky(1) });
    await h.accept(tenant, [textDoc("doc", "Text.")]);
    const [message] = h.sent.splice(0);
    await h.deliver([{ body: message, attempts: 1 }]);
    const r = await h.deliver([{ body: message, attempts: 1 }], "edgerag-ingest-dlq");
    expect(r.explicitAcks).toHaveLength(1);
    const row = await docRow(tenant, "doc");
    expect(row?.status).toBe("failed");
    expect(row?.error).toMatch(
      /^retries_exhausted: Delivery retries exhausted\. Last error: indexing_error: embedding/,
    );
  });

  it("treats a redelivered message as a no-op once the work is done", async () => {
    const tenant = await createTenant();
    const h = createHarness();
    await h.accept(tenant, [textDoc("doc", "Done once.")]);
    const [message] = h.sent.splice(0);
    await h.deliver([{ body: message }]);
    const before = await chunksOf(tenant, "doc");
    const upserts = h.vectors.calls.upserts;
    const again = await h.deliver([
      { body: message, attempts: 2 },
      { body: message, attempts: 1 },
    ]);
    expect(again.explicitAcks).toHaveLength(2);
    expect(await chunksOf(tenant, "doc")).toEqual(before);
    expect(h.vectors.calls.upserts).toBe(upserts);
    expect(await docRow(tenant, "doc")).toMatchObject({ status: "ready", attempts: 1 });
  });

  it("rejects malformed messages into the dead-letter queue", async () => {
    const h = createHarness();
    const r = await h.deliver([{ body: { kind: "ingest", tenant: "x" } }, { body: "garbage" }]);
    expect(r.explicitAcks).toHaveLength(2);
    expect(h.dead.map((d) => d.error?.code)).toEqual(["invalid_message", "invalid_message"]);
  });

  it("hands vector deletes that fail to the queue instead of losing them", async () => {
    const tenant = await createTenant();
    const h = createHarness();
    await h.accept(tenant, [textDoc("doc", "To be deleted.")]);
    await h.drain();
    h.vectors.failNext(1);
    await h.service.remove(tenant, "doc");
    expect(h.sent).toEqual([{ kind: "purge", tenant, ids: expect.any(Array) }]);
    await h.drain();
    h.vectors.settle();
    await expectVectors(h, tenant, []);
  });
});

describe("lifecycle", () => {
  it("deletes a document everywhere: rows, keyword entries, vectors, stored bodies", async () => {
    const tenant = await createTenant();
    const h = createHarness();
    await h.accept(tenant, [textDoc("gone", paragraphs(10, "delta")), textDoc("kept", "Keep me around.")]);
    await h.drain();
    expect(await h.service.remove(tenant, "gone")).toEqual({ chunks: expect.any(Number) });
    h.vectors.settle();
    expect(await docRow(tenant, "gone")).toBeNull();
    expect(await chunksOf(tenant, "gone")).toEqual([]);
    expect(await h.keyword.search(tenant, "delta3")).toEqual([]);
    expect(await h.keyword.count(tenant)).toBe(1);
    const kept = await chunksOf(tenant, "kept");
    await expectVectors(
      h,
      tenant,
      kept.map((c) => c.id),
    );
    expect(await blobKeys(tenant)).toHaveLength(1);
    await expect(h.service.remove(tenant, "gone")).rejects.toMatchObject({ status: 404 });
  });

  it("sweeps documents past expires_at on the cron run", async () => {
    const tenant = await createTenant();
    const h = createHarness();
    const t0 = Date.now();
    await h.accept(tenant, [
      textDoc("ttl", "Short-lived.", { expiresAt: t0 + 60_000 }),
      textDoc("stay", "Forever."),
    ]);
    await h.drain();
    const task = expireDocumentsTask(() => ({ ...h.deps, now: () => t0 + 120_000 }));
    const early = await runMaintenance(env, [expireDocumentsTask(() => h.deps)], t0 + 30_000);
    expect(early["documents.expire"]).toEqual({ expired: 0, errors: 0 });
    const results = await runMaintenance(env, [task], t0 + 120_000);
    expect((results["documents.expire"] as { expired: number }).expired).toBeGreaterThanOrEqual(1);
    h.vectors.settle();
    expect(await docRow(tenant, "ttl")).toBeNull();
    expect(await docRow(tenant, "stay")).toMatchObject({ status: "ready" });
    expect(await h.keyword.search(tenant, "short lived")).toEqual([]);
    await expectVectors(
      h,
      tenant,
      (await chunksOf(tenant, "stay")).map((c) => c.id),
    );
  });

  it("refreshes expires_at without re-indexing when only the expiry changes", async () => {
    const tenant = await createTenant();
    const h = createHarness();
    const t0 = Date.now();
    await h.accept(tenant, [textDoc("doc", "Text.", { expiresAt: t0 + 60_000 })]);
    await h.drain();
    const again = await h.accept(tenant, [textDoc("doc", "Text.", { expiresAt: t0 + 3_600_000 })]);
    expect(again.documents[0]?.unchanged).toBe(true);
    expect(h.sent).toEqual([]);
    expect((await h.service.get(tenant, "doc")).row.expiresAt).toBe(t0 + 3_600_000);
  });

  it("re-enqueues documents whose message was lost or whose consumer died, and fails them when out of attempts", async () => {
    const tenant = await createTenant();
    const h = createHarness();
    const t0 = Date.now();
    await h.accept(tenant, [textDoc("lost", "Message lost in a crash.")]);
    h.sent.splice(0); // the in-memory queue died with the process
    // The sweep is global; other tests' documents may be swept too, so assertions look at this tenant.
    const sweep = (at: number) =>
      runMaintenance(env, [resumeStalledIngestTask(() => ({ ...h.deps, now: () => at }))], at);
    const mine = () => h.sent.splice(0).filter((m) => m.tenant === tenant);

    await sweep(t0 + 1_000);
    expect(mine()).toEqual([]);
    await sweep(t0 + 61_000);
    expect(mine()).toEqual([{ kind: "ingest", tenant, doc: "lost", version: 1 }]);
    // Re-enqueued once; the sweep leaves it alone while the new message has time to arrive.
    await sweep(t0 + 62_000);
    expect(mine()).toEqual([]);
    await h.deliver([{ body: { kind: "ingest", tenant, doc: "lost", version: 1 } }]);
    expect(await docRow(tenant, "lost")).toMatchObject({ status: "ready" });

    // A document that keeps dying mid-indexing is eventually failed with a reason.
    await h.accept(tenant, [textDoc("doomed", "Consumer always dies.")]);
    h.sent.splice(0);
    await env.DB.prepare(
      "UPDATE documents SET status = 'indexing', attempts = 6, claimed_until = ?, lease_until = ? WHERE tenant_id = ? AND id = 'doomed'",
    )
      .bind(t0, t0, tenant)
      .run();
    expect((await sweep(t0 + 400_000))["ingest.resume"]).toMatchObject({ failed: expect.any(Number) });
    const row = await docRow(tenant, "doomed");
    expect(row?.status).toBe("failed");
    expect(row?.error).toMatch(/^retries_exhausted: No successful attempt after 6 tries/);
  });

  it("re-indexes one document and a whole tenant from the stored bodies", async () => {
    const tenant = await createTenant();
    const h = createHarness();
    await h.accept(tenant, [textDoc("a", paragraphs(6, "one")), textDoc("b", "Bee."), textDoc("c", "Sea.")]);
    await h.drain();
    const single = await h.service.reindex(tenant, "a", { maxTokens: 32, overlapTokens: 4 });
    expect(single.version).toBe(2);
    await h.drain();
    expect((await chunksOf(tenant, "a")).length).toBeGreaterThan(3);
    expect((await h.service.job(tenant, single.jobId)).counts).toMatchObject({ done: 1, pending: 0 });

    const all = await h.service.reindexAll(tenant);
    expect(all.total).toBe(3);
    expect(h.sent).toEqual([{ kind: "fanout", tenant, job: all.jobId, after: "" }]);
    await h.drain();
    const job = await h.service.job(tenant, all.jobId);
    expect(job.counts).toEqual({ pending: 0, done: 3, failed: 0, skipped: 0 });
    expect(job.job.status).toBe("done");
    for (const id of ["a", "b", "c"]) expect(await docRow(tenant, id)).toMatchObject({ status: "ready" });
    expect(await docRow(tenant, "a")).toMatchObject({ version: 3 });
  });
});

describe("stored bodies", () => {
  const packRow = (key: string) =>
    env.DB.prepare("SELECT live FROM blob_packs WHERE key = ?").bind(key).first<{ live: number }>();

  it("stores an upload's bodies encrypted in one pack, and deletes the pack with its last document", async () => {
    const tenant = await createTenant();
    const h = createHarness();
    await h.accept(tenant, [textDoc("a", "Alpha body text."), textDoc("b", "Beta body text.")]);
    await h.drain();
    const [pack] = await blobKeys(tenant);
    expect(await blobKeys(tenant)).toHaveLength(1);
    expect(await packRow(pack as string)).toEqual({ live: 2 });
    const raw = new TextDecoder().decode(await (await env.BLOBS.get(pack as string))?.arrayBuffer());
    expect(raw).not.toContain("Alpha body");

    await h.service.remove(tenant, "a");
    expect(await packRow(pack as string)).toEqual({ live: 1 });
    // The remaining document can still be rebuilt from the shared pack.
    await h.service.reindex(tenant, "b");
    await h.drain();
    expect(await docRow(tenant, "b")).toMatchObject({ status: "ready", version: 2 });

    await h.service.remove(tenant, "b");
    expect(await blobKeys(tenant)).toEqual([]);
    expect(await packRow(pack as string)).toBeNull();
  });

  it("deletes a pack once every document in it has been replaced", async () => {
    const tenant = await createTenant();
    const h = createHarness();
    await h.accept(tenant, [textDoc("a", "One."), textDoc("b", "Two.")]);
    const [first] = await blobKeys(tenant);
    await h.accept(tenant, [textDoc("a", "One, edited.")]);
    expect(await blobKeys(tenant)).toHaveLength(2);
    await h.accept(tenant, [textDoc("b", "Two, edited.")]);
    const keys = await blobKeys(tenant);
    expect(keys).toHaveLength(2);
    expect(keys).not.toContain(first);
    await h.drain();
    for (const id of ["a", "b"])
      expect(await docRow(tenant, id)).toMatchObject({ status: "ready", version: 2 });
  });

  it("fails a document whose stored body was tampered with", async () => {
    const tenant = await createTenant();
    const h = createHarness();
    await h.accept(tenant, [textDoc("doc", "Original body.")]);
    const [pack] = await blobKeys(tenant);
    const bytes = new Uint8Array(await ((await env.BLOBS.get(pack as string)) as R2ObjectBody).arrayBuffer());
    bytes[0] = (bytes[0] ?? 0) ^ 0xff;
    await env.BLOBS.put(pack as string, bytes);
    await h.drain();
    const row = await docRow(tenant, "doc");
    expect(row?.status).toBe("failed");
    expect(row?.error).toMatch(/^body_corrupt: /);
  });

  it("reclaims packs that an upload wrote but never committed, once they are old enough", async () => {
    const tenant = await createTenant();
    const h = createHarness();
    const t0 = Date.now();
    const key = `packs/${tenant}/pk_orphan`;
    await env.DB.prepare(
      "INSERT INTO blob_packs (key, tenant_id, live, bytes, created_at) VALUES (?, ?, 0, 3, ?)",
    )
      .bind(key, tenant, t0)
      .run();
    await env.BLOBS.put(key, "abc");
    const task = reclaimPacksTask(() => h.deps);
    await runMaintenance(env, [task], t0 + 60_000);
    expect(await blobKeys(tenant)).toEqual([key]);
    const out = await runMaintenance(env, [task], t0 + 2 * 3_600_000);
    expect((out["blobs.reclaim"] as { reclaimed: number }).reclaimed).toBeGreaterThanOrEqual(1);
    expect(await blobKeys(tenant)).toEqual([]);
    expect(await packRow(key)).toBeNull();
  });
});

describe("changing the embedder", () => {
  it("refuses to mix embedders, and a full reindex drops the old vectors and rebuilds with the new one", async () => {
    const tenant = await createTenant();
    const before = createHarness();
    await before.accept(tenant, [textDoc("a", "Alpha text."), textDoc("b", "Beta text.")]);
    await before.drain();
    before.vectors.settle();
    expect(await before.vectors.count()).toBe(2);

    // Same index, a different embedder of the same dimension (EMBEDDINGS changed).
    const base = hashEmbedder(64);
    const other: Embedder = { ...base, id: "test:other-64" };
    const after = createHarness({ embedder: other, vectorize: before.vectorize });
    await after.accept(tenant, [textDoc("c", "Gamma text.")]);
    await after.drain();
    const c = await docRow(tenant, "c");
    expect(c?.status).toBe("failed");
    expect(c?.error).toMatch(/^embedder_mismatch: /);

    await expect(after.service.reindexAll(tenant, "failed")).rejects.toMatchObject({
      status: 409,
      code: "embedder_changed",
    });
    const job = await after.service.reindexAll(tenant);
    expect(job).toMatchObject({ total: 3, vectorsReset: true });
    await after.drain();
    after.vectors.settle();
    for (const id of ["a", "b", "c"])
      expect(await docRow(tenant, id)).toMatchObject({ status: "ready", embedder: "test:other-64" });
    expect(await after.vectors.count()).toBe(3);
    expect(await after.deps.vectors.recorded(tenant)).toEqual({ id: "test:other-64", dimensions: 64 });
    // Deleting works whatever the embedder a handle was opened with.
    await before.service.remove(tenant, "a");
    before.vectors.settle();
    expect(await after.vectors.count()).toBe(2);
  });
});

describe("D1 limits", () => {
  it("indexes a 1,000-chunk document without any statement over 100 bound parameters or 100 KB of SQL", async () => {
    const tenant = await createTenant();
    let maxParams = 0;
    let maxSql = 0;
    // A D1 binding that enforces production's limits, which local SQLite would let slide.
    const strict = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === "prepare") {
          return (query: string) => {
            maxSql = Math.max(maxSql, new TextEncoder().encode(query).length);
            if (maxSql > 100_000) throw new Error(`statement of ${maxSql} bytes`);
            const stmt = target.prepare(query);
            return new Proxy(stmt, {
              get(s, p) {
                if (p === "bind") {
                  return (...args: unknown[]) => {
                    maxParams = Math.max(maxParams, args.length);
                    if (args.length > 100) throw new Error(`statement binds ${args.length} parameters`);
                    return s.bind(...args);
                  };
                }
                const v = Reflect.get(s, p, s);
                return typeof v === "function" ? v.bind(s) : v;
              },
            });
          };
        }
        const v = Reflect.get(target, prop, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const h = createHarness({ db: createDb(strict) });
    const text = Array.from(
      { length: 1000 },
      (_, i) => `Item ${i} describes widget number ${i} in detail.`,
    ).join("\n\n");
    await h.accept(tenant, [textDoc("big", text, { chunking: { maxTokens: 12, overlapTokens: 0 } })]);
    await h.drain();
    expect(await docRow(tenant, "big")).toMatchObject({ status: "ready", chunk_count: 1000 });
    expect(await h.keyword.count(tenant)).toBe(1000);
    expect((await h.keyword.search(tenant, "widget 999"))[0]?.documentId).toBe("big");
    h.vectors.settle();
    expect(await h.vectors.count()).toBe(1000);
    expect(maxParams).toBeGreaterThan(0);
    expect(maxParams).toBeLessThanOrEqual(100);
    // Replacing and deleting it stays within the limits too.
    await h.accept(tenant, [
      textDoc("big", `${text}\n\nOne more.`, { chunking: { maxTokens: 12, overlapTokens: 0 } }),
    ]);
    await h.drain();
    expect(await docRow(tenant, "big")).toMatchObject({ status: "ready", chunk_count: 1001, version: 2 });
    await h.service.remove(tenant, "big");
    expect(await h.keyword.count(tenant)).toBe(0);
    expect(maxParams).toBeLessThanOrEqual(100);
  });
});
