import type { ChunkingOptions } from "../chunking/types";
import { rowsOf, runBatch } from "../db/batch";
import { fail } from "../http/errors";
import { sha256Hex } from "../lib/crypto";
import { newId } from "../lib/ids";
import { log } from "../observability/log";
import type { DocumentType } from "../parsers/formats";
import { type BodyRef, planPacks, writePacks } from "./blobs";
import { createDocumentsRepo, type DocumentRow, type UpsertRow } from "./documents.repo";
import { QUEUED_GRACE_MS } from "./ingest.config";
import type { IngestDeps } from "./ingest.deps";
import { sendAll } from "./ingest.messages";
import { createJobsRepo, type JobItemInput } from "./jobs.repo";
import { createPacksRepo, deadPacks, reclaimPacks } from "./packs.repo";

/** One document as received, already validated. */
export interface IncomingDocument {
  /** Caller-supplied id (makes ingest an idempotent upsert); generated when absent. */
  id?: string;
  /** Explicit title; when absent the title comes from the content (or the file name). */
  title?: string | null;
  bytes: Uint8Array;
  type: DocumentType;
  metadata: Record<string, unknown>;
  /** Original file name of an upload. */
  source?: string | null;
  expiresAt?: number | null;
  chunking?: Partial<ChunkingOptions> | null;
}

/** What happened to one accepted document. */
export interface AcceptedDocument {
  id: string;
  version: number;
  status: string;
  /** Same content, title, type, metadata and chunking as the stored version: no work done. */
  unchanged: boolean;
  /** Other documents of the tenant with byte-identical content (reported, never merged). */
  duplicateOf: string[];
}

/** Optimistic-concurrency rounds before a request gives up on a document someone else keeps rewriting. */
const MAX_ROUNDS = 3;
/** Duplicate ids reported per document. */
const MAX_DUPLICATES_REPORTED = 10;

/** JSON with object keys sorted, so equal metadata always has equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

interface Planned {
  input: IncomingDocument & { id: string };
  hash: string;
  metadata: string;
  chunking: string | null;
  body?: BodyRef;
}

function isUnchanged(p: Planned, row: DocumentRow): boolean {
  return (
    row.status !== "failed" &&
    row.contentHash === p.hash &&
    row.contentType === p.input.type &&
    row.metadata === p.metadata &&
    (row.chunking ?? null) === p.chunking &&
    (row.source ?? null) === (p.input.source ?? null) &&
    // No title means "whatever the content says", which the stored title already is.
    (p.input.title == null || p.input.title === row.title)
  );
}

/**
 * Accepts documents: stores new or changed bodies in R2, writes their rows (`queued`), the
 * job and its items in ONE D1 batch, then enqueues one message per document. Identical
 * re-uploads are no-ops. Everything is durable before the 202: if enqueueing fails or the
 * process dies right after, the maintenance sweep enqueues the documents from D1.
 */
export async function acceptDocuments(
  deps: IngestDeps,
  tenantId: string,
  incoming: readonly IncomingDocument[],
  kind: "ingest" | "batch",
): Promise<{ jobId: string; documents: AcceptedDocument[] }> {
  const documents = createDocumentsRepo(deps.db);
  const jobs = createJobsRepo(deps.db);
  const jobId = newId("job", deps.now());
  const planned: Planned[] = await Promise.all(
    incoming.map(async (doc) => ({
      input: { ...doc, id: doc.id ?? newId("doc", deps.now()) },
      hash: await sha256Hex(doc.bytes),
      metadata: canonicalJson(doc.metadata),
      chunking: doc.chunking ? canonicalJson(doc.chunking) : null,
    })),
  );
  const seenIds = new Set<string>();
  for (const p of planned) {
    if (seenIds.has(p.input.id)) {
      throw fail.badRequest(
        `Document id "${p.input.id}" appears more than once in this request.`,
        "duplicate_id",
      );
    }
    seenIds.add(p.input.id);
  }

  const results = new Map<string, AcceptedDocument>();
  const packsRepo = createPacksRepo(deps.db);
  const unreferenced = new Set<string>();
  let pending = planned;
  let jobInserted = false;
  for (let round = 1; pending.length > 0; round++) {
    if (round > MAX_ROUNDS) {
      throw fail.conflict(
        `Documents ${pending.map((p) => `"${p.input.id}"`).join(", ")} are being rewritten concurrently; retry the request.`,
        "concurrent_update",
      );
    }
    const now = deps.now();
    const existing = new Map(
      (
        await documents.findMany(
          tenantId,
          pending.map((p) => p.input.id),
        )
      ).map((r) => [r.id, r]),
    );
    const writes: { p: Planned; row?: DocumentRow }[] = [];
    const items: JobItemInput[] = [];
    const expiry: { id: string; expiresAt: number | null }[] = [];
    for (const p of pending) {
      const row = existing.get(p.input.id);
      if (row && isUnchanged(p, row)) {
        results.set(p.input.id, {
          id: row.id,
          version: row.version,
          status: row.status,
          unchanged: true,
          duplicateOf: [],
        });
        items.push({
          id: row.id,
          version: row.version,
          status: "skipped",
          error: "unchanged: identical content is already stored",
        });
        const expiresAt = p.input.expiresAt ?? null;
        if (expiresAt !== row.expiresAt) expiry.push({ id: row.id, expiresAt });
        continue;
      }
      writes.push({ p, row });
      items.push({ id: p.input.id, version: (row?.version ?? 0) + 1, status: "pending", error: null });
    }

    // Bodies go to R2 in packs (one object per up to 8 MB of the upload), recorded in D1 first.
    const unstored = writes.filter(({ p }) => !p.body);
    if (unstored.length > 0) {
      const { refs, packs } = await planPacks(
        tenantId,
        unstored.map(({ p }) => p.input.bytes),
      );
      await runBatch(deps.db, [packsRepo.insertStatement(tenantId, packs, now)]);
      await writePacks(deps.blobs, tenantId, packs);
      unstored.forEach(({ p }, i) => {
        p.body = refs[i];
      });
      for (const pack of packs) unreferenced.add(pack.key);
    }

    const rows: UpsertRow[] = writes.map(({ p, row }) => ({
      id: p.input.id,
      title: p.input.title ?? null,
      contentType: p.input.type,
      source: p.input.source ?? null,
      contentHash: p.hash,
      sizeBytes: p.input.bytes.byteLength,
      metadata: p.metadata,
      blobKey: p.body?.key as string,
      blobOffset: p.body?.offset ?? null,
      blobLength: p.body?.length ?? null,
      blobSecret: p.body?.secret ?? null,
      expiresAt: p.input.expiresAt ?? null,
      chunking: p.chunking,
      expectedVersion: row?.version ?? 0,
    }));
    const upserts = documents.upsertStatements(tenantId, jobId, rows, now, now + QUEUED_GRACE_MS);
    const head = jobInserted ? [] : [jobs.insertStatement(jobId, tenantId, kind, planned.length, now)];
    const out = await runBatch(deps.db, [
      ...head,
      ...upserts,
      ...jobs.supersedeStatements(
        tenantId,
        jobId,
        rows.map((r) => r.id),
        now,
      ),
      ...jobs.itemStatements(tenantId, jobId, items, now),
      ...documents.setExpiryStatements(tenantId, expiry, now),
      // Packs whose documents this batch replaced, and this upload's own packs, recounted.
      ...packsRepo.recountStatements([
        ...unreferenced,
        ...writes.flatMap(({ row }) => (row ? [row.blobKey] : [])),
      ]),
    ]);
    for (const key of deadPacks(out)) unreferenced.add(key);
    jobInserted = true;
    // RETURNING of the upserts names the documents this request won (see upsertStatements).
    const won = new Map<string, number>();
    for (let i = 0; i < upserts.length; i++) {
      for (const r of rowsOf<{ id: string; version: number }>(out[head.length + i])) won.set(r.id, r.version);
    }

    const lost: Planned[] = [];
    const messages = [];
    for (const { p } of writes) {
      const version = won.get(p.input.id);
      if (version === undefined) {
        lost.push(p);
        continue;
      }
      results.set(p.input.id, {
        id: p.input.id,
        version,
        status: "queued",
        unchanged: false,
        duplicateOf: [],
      });
      messages.push({ kind: "ingest" as const, tenant: tenantId, doc: p.input.id, version });
    }
    try {
      await sendAll(deps.queue, messages);
    } catch (err) {
      // Accepted rows are durable in D1; the maintenance sweep enqueues them after the grace period.
      log.warn("enqueueing accepted documents failed; the sweep will pick them up", { job_id: jobId, err });
    }
    pending = lost;
  }

  // Packs left without documents: replaced versions' packs, and bodies uploaded in a round
  // that a concurrent identical upload made unnecessary.
  await reclaimPacks(deps, [...unreferenced]);

  await reportDuplicates(deps, tenantId, planned, results);
  return { jobId, documents: planned.map((p) => results.get(p.input.id) as AcceptedDocument) };
}

/** Fills `duplicateOf` for changed documents: same bytes under another id, stored or in this request. */
async function reportDuplicates(
  deps: IngestDeps,
  tenantId: string,
  planned: readonly Planned[],
  results: Map<string, AcceptedDocument>,
): Promise<void> {
  const changed = planned.filter((p) => !results.get(p.input.id)?.unchanged);
  if (changed.length === 0) return;
  const byHash = new Map<string, Set<string>>();
  for (const row of await createDocumentsRepo(deps.db).sameContent(
    tenantId,
    changed.map((p) => p.hash),
  )) {
    (byHash.get(row.contentHash) ?? byHash.set(row.contentHash, new Set()).get(row.contentHash))?.add(row.id);
  }
  for (const p of planned) byHash.get(p.hash)?.add(p.input.id);
  for (const p of changed) {
    const result = results.get(p.input.id);
    if (!result) continue;
    result.duplicateOf = [...(byHash.get(p.hash) ?? [])]
      .filter((id) => id !== p.input.id)
      .sort()
      .slice(0, MAX_DUPLICATES_REPORTED);
  }
}
