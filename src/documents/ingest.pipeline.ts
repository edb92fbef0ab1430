import { chunkBlocks } from "../chunking/chunker";
import type { ChunkingOptions } from "../chunking/types";
import { rowsOf, runBatch } from "../db/batch";
import { log } from "../observability/log";
import { documentTypeOf, parseDocument } from "../parsers/formats";
import type { Embedder } from "../providers/types";
import type { EmbedderIdentity } from "../vectors";
import { type PackCache, readBody } from "./blobs";
import { chunkId } from "./chunk-id";
import { type ChunkRowInput, createChunksRepo } from "./chunks.repo";
import { mapLimit } from "./concurrency";
import { createDocumentsRepo, type DocKey, type DocumentRow, versionGuard } from "./documents.repo";
import {
  CLAIM_LEASE_MS,
  COMMIT_GROUP,
  EMBED_BATCH_SIZE,
  PARSE_CONCURRENCY,
  VECTOR_UPSERT_BATCH,
} from "./ingest.config";
import { type IngestDeps, identityOf } from "./ingest.deps";
import { type Failure, formatFailure, IngestError, toFailure } from "./ingest.errors";
import { sendAll } from "./ingest.messages";
import { createJobsRepo } from "./jobs.repo";
import { deleteVectors } from "./vector-cleanup";
import { vectorMetadata } from "./vector-metadata";

/** What happened to one claimed document. */
export type Outcome =
  | { status: "ready"; chunks: number }
  | { status: "superseded" }
  | { status: "error"; failure: Failure };

/** A claimed document after parsing and chunking. */
interface Prepared {
  key: DocKey;
  row: DocumentRow;
  title: string | null;
  chunks: (ChunkRowInput & { embedInput: string; page?: number })[];
  vectors?: Float32Array[];
  /** Vector ids written for this attempt (cleaned up if the attempt does not commit). */
  upserted?: string[];
  /** The embedder that made the vectors. */
  embedder?: string;
  identity?: EmbedderIdentity;
}

/** Map key of a document. */
export const docKey = (k: { tenant: string; doc: string }) => `${k.tenant}\u0000${k.doc}`;

/** The key of a row at its current version. */
export const keyOfRow = (row: DocumentRow): DocKey => ({
  tenant: row.tenantId,
  doc: row.id,
  version: row.version,
});

/** What the embedder sees: the chunk in its context (title and heading path), which helps short chunks. */
function embeddingInput(title: string | null, headings: readonly string[], text: string): string {
  const head = [title, headings.join(" › ")].filter((s) => s).join("\n");
  return head ? `${head}\n\n${text}` : text;
}

function parseMetadata(json: string): Record<string, unknown> {
  try {
    const value = JSON.parse(json) as unknown;
    return value && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/**
 * The indexing pipeline for claimed documents: read the body from R2, parse, chunk, embed
 * (batched across documents), upsert vectors, then swap the chunk rows and keyword index in
 * one D1 batch guarded by the document version, and finally delete vectors of chunks that
 * no longer exist. Old chunks and vectors disappear only after the new ones are in; a
 * superseded or failed attempt removes only the vectors it wrote itself.
 */
export function createIngestPipeline(deps: IngestDeps) {
  const documents = createDocumentsRepo(deps.db);
  const chunkRows = createChunksRepo(deps.db);
  const jobs = createJobsRepo(deps.db);

  async function prepare(row: DocumentRow, cache?: PackCache): Promise<Prepared> {
    const key = keyOfRow(row);
    const type = documentTypeOf(row.contentType);
    if (!type) {
      throw new IngestError(
        "unsupported_type",
        `Stored content type ${row.contentType} is not supported.`,
        true,
      );
    }
    let body: Uint8Array | null;
    try {
      const ref = {
        key: row.blobKey,
        offset: row.blobOffset,
        length: row.blobLength,
        secret: row.blobSecret,
      };
      body = await readBody(deps.blobs, ref, cache);
    } catch (err) {
      // WebCrypto reports a failed AES-GCM tag check as an OperationError.
      if ((err as Error).name !== "OperationError") throw err;
      throw new IngestError(
        "body_corrupt",
        "The stored body failed its integrity check; upload it again.",
        true,
      );
    }
    if (!body) {
      throw new IngestError(
        "body_missing",
        "The stored body of this document is missing from R2; upload it again.",
        true,
      );
    }
    const parsed = await parseDocument(body, type);
    const title = row.title ?? parsed.title ?? (row.source ? row.source.replace(/\.[^.]+$/, "") : null);
    const options = row.chunking ? (JSON.parse(row.chunking) as Partial<ChunkingOptions>) : {};
    const pieces = chunkBlocks(parsed.blocks, options);
    if (pieces.length === 0)
      throw new IngestError("no_text", "The document contains no text to index.", true);
    const chunks = await Promise.all(
      pieces.map(async (c) => {
        const metadata: Record<string, unknown> = { headings: c.headings };
        if (c.pageStart !== undefined) {
          metadata.page_start = c.pageStart;
          metadata.page_end = c.pageEnd;
        }
        return {
          id: await chunkId(row.tenantId, row.id, c.ordinal, c.text),
          ordinal: c.ordinal,
          text: c.text,
          tokens: c.tokens,
          metadata,
          embedInput: embeddingInput(title, c.headings, c.text),
          page: c.pageStart,
        };
      }),
    );
    return { key, row, title, chunks };
  }

  /** Embeds and upserts per tenant (each tenant has its own embedder and vector index). */
  async function embedAndUpsert(
    batch: Prepared[],
    failed: Map<Prepared, unknown>,
    heartbeat: () => Promise<void>,
  ) {
    const byTenant = new Map<string, Prepared[]>();
    for (const p of batch) byTenant.set(p.key.tenant, [...(byTenant.get(p.key.tenant) ?? []), p]);
    for (const [tenant, docs] of byTenant) {
      let embedder: Embedder;
      try {
        embedder = await deps.embedderFor(tenant);
      } catch (err) {
        for (const p of docs) failed.set(p, err);
        continue;
      }
      await embed(embedder, docs, failed, heartbeat);
      const embedded = docs.filter((p) => !failed.has(p));
      for (const p of embedded) p.embedder = embedder.id;
      const identity = identityOf(embedder);
      for (const p of embedded) p.identity = identity;
      await upsertTenant(tenant, identity, embedded, failed, heartbeat);
    }
  }

  /** Embeds every chunk of one tenant's documents in groups; a failing group fails the documents in it. */
  async function embed(
    embedder: Embedder,
    batch: Prepared[],
    failed: Map<Prepared, unknown>,
    heartbeat: () => Promise<void>,
  ) {
    const inputs = batch.flatMap((p, i) => p.chunks.map((c) => ({ doc: i, text: c.embedInput })));
    const vectors: (Float32Array | undefined)[] = [];
    for (let start = 0; start < inputs.length; start += EMBED_BATCH_SIZE) {
      const group = inputs.slice(start, start + EMBED_BATCH_SIZE);
      try {
        const result = await embedder.embed(
          group.map((g) => g.text),
          { kind: "document" },
        );
        if (result.vectors.length !== group.length) {
          throw new IngestError(
            "embedder_error",
            `The embedder returned ${result.vectors.length} vectors for ${group.length} texts.`,
            false,
          );
        }
        result.vectors.forEach((v, j) => {
          vectors[start + j] = v;
        });
      } catch (err) {
        for (const g of group) {
          const p = batch[g.doc] as Prepared;
          if (!failed.has(p)) failed.set(p, err);
        }
      }
      await heartbeat();
    }
    let offset = 0;
    for (const p of batch) {
      p.vectors = vectors.slice(offset, offset + p.chunks.length) as Float32Array[];
      offset += p.chunks.length;
    }
  }

  /** Upserts one tenant's vectors; a failing call fails the documents in it. */
  async function upsertTenant(
    tenant: string,
    embedder: EmbedderIdentity,
    batch: Prepared[],
    failed: Map<Prepared, unknown>,
    heartbeat: () => Promise<void>,
  ) {
    if (batch.length === 0) return;
    const index = deps.vectors.index(tenant, embedder);
    const all = batch.flatMap((p) => {
      const metadata = parseMetadata(p.row.metadata);
      return p.chunks.map((c, i) => ({
        p,
        vector: {
          id: c.id,
          values: p.vectors?.[i] as Float32Array,
          metadata: vectorMetadata(metadata, { documentId: p.key.doc, ordinal: c.ordinal, page: c.page }),
        } satisfies VectorizeVector,
      }));
    });
    for (let start = 0; start < all.length; start += VECTOR_UPSERT_BATCH) {
      const group = all.slice(start, start + VECTOR_UPSERT_BATCH);
      for (const g of group) g.p.upserted = [...(g.p.upserted ?? []), g.vector.id];
      try {
        await index.upsert(group.map((g) => g.vector));
      } catch (err) {
        for (const g of group) if (!failed.has(g.p)) failed.set(g.p, err);
      }
      await heartbeat();
    }
  }

  function commitStatements(p: Prepared, now: number): { items: D1PreparedStatement[]; ready: number } {
    const { key } = p;
    const guard = versionGuard(key);
    const items: D1PreparedStatement[] = [
      deps.keyword.removeDocument(key.tenant, key.doc, guard),
      chunkRows.deleteStatement(key.tenant, key.doc, guard),
      ...chunkRows.insertStatements(key.tenant, key.doc, key.version, p.chunks, guard),
      ...deps.keyword.indexChunks(
        { tenantId: key.tenant, documentId: key.doc, title: p.title, chunks: p.chunks },
        guard,
      ),
    ];
    const ready = items.length;
    items.push(documents.markReadyStatement(key, p.chunks.length, p.embedder ?? null, p.title, now));
    items.push(jobs.settleStatement(key, "done", null, now));
    return { items, ready };
  }

  /**
   * Commits documents in D1 batches of up to COMMIT_GROUP documents (each document's
   * statements are self-contained and version-guarded, so grouping only saves round trips,
   * while the cap keeps a batch's statement count far below D1's per-invocation query
   * limit). If a group fails, its documents are committed one by one so a single bad
   * document cannot sink the others. Returns ready, superseded or the error per document.
   */
  async function commit(batch: Prepared[]): Promise<Map<Prepared, "ready" | "superseded" | unknown>> {
    const now = deps.now();
    const out = new Map<Prepared, "ready" | "superseded" | unknown>();
    const plans = batch.map((p) => ({ p, ...commitStatements(p, now) }));
    type Plan = (typeof plans)[number];
    const read = (results: D1Result[], offset: number, plan: Plan) =>
      rowsOf(results[offset + plan.ready]).length > 0 ? "ready" : "superseded";
    const failure = (err: unknown) =>
      new IngestError("commit_failed", `Writing chunks to D1 failed: ${(err as Error).message}`, false, {
        cause: err,
      });
    for (let i = 0; i < plans.length; i += COMMIT_GROUP) {
      const group = plans.slice(i, i + COMMIT_GROUP);
      try {
        const results = await runBatch(
          deps.db,
          group.flatMap((plan) => plan.items),
        );
        let offset = 0;
        for (const plan of group) {
          out.set(plan.p, read(results, offset, plan));
          offset += plan.items.length;
        }
        continue;
      } catch (err) {
        if (group.length === 1) {
          out.set((group[0] as Plan).p, failure(err));
          continue;
        }
        log.warn("batched commit failed; committing documents one by one", { documents: group.length, err });
      }
      for (const plan of group) {
        try {
          out.set(plan.p, read(await runBatch(deps.db, plan.items), 0, plan));
        } catch (err) {
          out.set(plan.p, failure(err));
        }
      }
    }
    return out;
  }

  /** Removes the vectors this attempt wrote that belong to no committed chunk. */
  async function discardUncommitted(p: Prepared): Promise<void> {
    if (!p.upserted?.length) return;
    const committed = new Set(await chunkRows.ids(p.key.tenant, p.key.doc));
    await deleteVectors(
      deps,
      p.key.tenant,
      p.upserted.filter((id) => !committed.has(id)),
    );
  }

  /**
   * Releases the claim after an attempt that did not end `ready` at its version. If a newer
   * version was accepted meanwhile, its message was acknowledged while this claim blocked
   * it, so the newer version is enqueued here.
   */
  async function releaseAndHandOver(key: DocKey): Promise<void> {
    const current = await documents.release(key);
    if (current && current.version !== key.version && current.status === "queued") {
      await sendAll(deps.queue, [
        { kind: "ingest", tenant: key.tenant, doc: key.doc, version: current.version },
      ]);
    }
  }

  return {
    /** Indexes claimed rows; returns an outcome per document (`docKey`). */
    async process(rows: readonly DocumentRow[]): Promise<Map<string, Outcome>> {
      const outcomes = new Map<string, Outcome>();
      const keys = rows.map(keyOfRow);
      let renewedAt = deps.now();
      const heartbeat = async () => {
        const now = deps.now();
        if (now - renewedAt < CLAIM_LEASE_MS / 3) return;
        renewedAt = now;
        await documents.renew(keys, now + CLAIM_LEASE_MS);
      };
      const failed = new Map<Prepared, unknown>();

      // A pack several of these documents live in is fetched once, not once per document.
      const sharing = new Map<string, number>();
      for (const r of rows) sharing.set(r.blobKey, (sharing.get(r.blobKey) ?? 0) + 1);
      const cache: PackCache = new Map();
      const prepared = await mapLimit(rows, PARSE_CONCURRENCY, async (row) => {
        try {
          return await prepare(row, (sharing.get(row.blobKey) ?? 0) > 1 ? cache : undefined);
        } catch (err) {
          outcomes.set(docKey(keyOfRow(row)), { status: "error", failure: toFailure(err, "parse_failed") });
          return null;
        }
      });
      const live = prepared.filter((p): p is Prepared => p !== null);
      await heartbeat();

      if (live.length > 0) await embedAndUpsert(live, failed, heartbeat);
      const toCommit = live.filter((p) => !failed.has(p));
      const previous = await chunkRows.idsOf(toCommit.map((p) => p.key));
      const committed = toCommit.length > 0 ? await commit(toCommit) : new Map();
      for (const [p, result] of committed)
        if (result !== "ready" && result !== "superseded") failed.set(p, result);

      const changed = new Map<string, string[]>();
      for (const p of toCommit) {
        if (committed.get(p) !== "ready") continue;
        outcomes.set(docKey(p.key), { status: "ready", chunks: p.chunks.length });
        changed.set(p.key.tenant, [...(changed.get(p.key.tenant) ?? []), p.key.doc]);
        const fresh = new Set(p.chunks.map((c) => c.id));
        const stale = (previous.get(docKey(p.key)) ?? []).filter((id) => !fresh.has(id));
        await deleteVectors(deps, p.key.tenant, stale, p.identity);
      }
      for (const p of [...live, ...failed.keys()]) {
        if (outcomes.has(docKey(p.key))) continue;
        const err = failed.get(p);
        outcomes.set(
          docKey(p.key),
          err === undefined ? { status: "superseded" } : { status: "error", failure: toFailure(err) },
        );
        try {
          await discardUncommitted(p);
        } catch (cleanupErr) {
          log.warn("could not discard uncommitted vectors", { document_id: p.key.doc, err: cleanupErr });
        }
        if (err === undefined) await releaseAndHandOver(p.key);
      }
      if (deps.onChange) {
        for (const [tenant, ids] of changed) await deps.onChange(tenant, ids);
      }
      return outcomes;
    },

    /**
     * Records a failed attempt: `final` marks the version failed (its job item too) and
     * dead-letters the message with the reason; otherwise the document goes back to queued
     * with the reason and a lease that covers the retry delay.
     */
    async settleFailure(
      key: DocKey,
      failure: Failure,
      opts: { final: boolean; retryInSeconds: number; attempts: number; deadLetter?: boolean },
    ) {
      const now = deps.now();
      const text = formatFailure(failure);
      if (opts.final) {
        const finalText = failure.permanent ? text : `${text} (gave up after ${opts.attempts} attempts)`;
        await runBatch(deps.db, [
          documents.markFailedStatement(key, finalText, now),
          jobs.settleStatement(key, "failed", finalText, now),
        ]);
        if (opts.deadLetter !== false) {
          await deps.deadLetters.send({
            message: { kind: "ingest", ...key },
            error: { code: failure.code, message: finalText },
            attempts: opts.attempts,
          });
        }
      } else {
        const note = `${text} (attempt ${opts.attempts}; retrying in ${opts.retryInSeconds}s)`;
        await documents.markRetry(key, note, now + opts.retryInSeconds * 1000 + CLAIM_LEASE_MS, now);
      }
      await releaseAndHandOver(key);
    },
  };
}

/** The pipeline type. */
export type IngestPipeline = ReturnType<typeof createIngestPipeline>;
