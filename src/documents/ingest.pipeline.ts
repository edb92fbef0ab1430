import { rowsOf, runBatch } from "../db/batch";
import { log } from "../observability/log";
import type { PackCache } from "./blobs";
import { chunkWrites } from "./chunk-writes";
import { createChunksRepo } from "./chunks.repo";
import { mapLimit } from "./concurrency";
import { createDocumentsRepo, type DocKey, type DocumentRow, versionGuard } from "./documents.repo";
import { CLAIM_LEASE_MS, COMMIT_GROUP, PARSE_CONCURRENCY } from "./ingest.config";
import type { IngestDeps } from "./ingest.deps";
import { createEmbedStage } from "./ingest.embed";
import { type Failure, formatFailure, IngestError, toFailure } from "./ingest.errors";
import { sendAll } from "./ingest.messages";
import { keyOfRow, type Prepared, prepareDocument } from "./ingest.prepare";
import { createJobsRepo } from "./jobs.repo";
import { deleteVectors } from "./vector-cleanup";

export { keyOfRow } from "./ingest.prepare";

/** What happened to one claimed document. */
export type Outcome =
  | { status: "ready"; chunks: number }
  | { status: "superseded" }
  | { status: "error"; failure: Failure };

/** Map key of a document. */
export const docKey = (k: { tenant: string; doc: string }) => `${k.tenant}\u0000${k.doc}`;

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
  const embedAndUpsert = createEmbedStage(deps);

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
        const results = await chunkWrites.around(
          group.map((plan) => plan.p.key.tenant),
          () =>
            runBatch(
              deps.db,
              group.flatMap((plan) => plan.items),
            ),
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
          const results = await chunkWrites.around([plan.p.key.tenant], () => runBatch(deps.db, plan.items));
          out.set(plan.p, read(results, 0, plan));
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
          return await prepareDocument(
            deps.blobs,
            row,
            (sharing.get(row.blobKey) ?? 0) > 1 ? cache : undefined,
          );
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
