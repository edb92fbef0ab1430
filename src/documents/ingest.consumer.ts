import { log } from "../observability/log";
import { retryDelaySeconds } from "./backoff";
import { createDocumentsRepo, type DocKey, type DocumentRow } from "./documents.repo";
import { CLAIM_LEASE_MS, MAX_ATTEMPTS, MAX_DELIVERIES, QUEUE_SEND_BATCH } from "./ingest.config";
import type { IngestDeps } from "./ingest.deps";
import { IngestError, toFailure } from "./ingest.errors";
import { type DeadLetter, type IngestDocMessage, IngestMessage, sendAll } from "./ingest.messages";
import { createIngestPipeline, docKey, keyOfRow, type Outcome } from "./ingest.pipeline";
import { createJobsRepo } from "./jobs.repo";
import { deleteVectorsNow } from "./vector-cleanup";

/** The ingest queue's name in wrangler.toml. */
export const INGEST_QUEUE_NAME = "edgerag-ingest";
/** The ingest dead-letter queue's name in wrangler.toml. */
export const INGEST_DLQ_NAME = "edgerag-ingest-dlq";

/**
 * The ingest queue consumer. Each batch is handled as a group (one claim statement, one
 * embedding pass, one D1 commit batch) but acknowledged per message:
 *
 * - indexed, superseded by a newer version, or already handled (a redelivery) → `ack`;
 * - failed, with attempts left → `retry` with exponential backoff and jitter;
 * - failed permanently (an unreadable file) or on the last attempt → the document is marked
 *   `failed` with the reason, the message goes to the dead-letter queue, and is acked.
 */
export function createIngestConsumer(deps: IngestDeps) {
  const pipeline = createIngestPipeline(deps);
  const documents = createDocumentsRepo(deps.db);
  const jobs = createJobsRepo(deps.db);

  const retryLater = (msg: Message, attempts: number) =>
    msg.retry({ delaySeconds: retryDelaySeconds(attempts, deps.random) });

  async function fanout(body: Extract<IngestMessage, { kind: "fanout" }>) {
    const page = await jobs.pendingPage(body.job, body.after, QUEUE_SEND_BATCH);
    await sendAll(
      deps.queue,
      page.map((p) => ({ kind: "ingest" as const, tenant: body.tenant, doc: p.doc, version: p.version })),
    );
    const last = page.at(-1);
    if (page.length === QUEUE_SEND_BATCH && last) {
      await deps.queue.send({ kind: "fanout", tenant: body.tenant, job: body.job, after: last.doc });
    }
  }

  async function ingest(messages: { msg: Message; body: IngestDocMessage }[]) {
    // Several messages for one document (a redelivery next to a sweep re-enqueue): handle
    // the newest version once, acknowledge the rest.
    const primary = new Map<string, { msg: Message; body: IngestDocMessage }>();
    for (const m of messages) {
      const k = docKey({ tenant: m.body.tenant, doc: m.body.doc });
      const seen = primary.get(k);
      if (!seen || seen.body.version < m.body.version) {
        seen?.msg.ack();
        primary.set(k, m);
      } else {
        m.msg.ack();
      }
    }
    const keys: DocKey[] = [...primary.values()].map(({ body }) => ({
      tenant: body.tenant,
      doc: body.doc,
      version: body.version,
    }));
    let claimed: DocumentRow[];
    try {
      claimed = await documents.claim(keys, deps.now(), CLAIM_LEASE_MS);
    } catch (err) {
      log.error("claiming documents failed; retrying the batch", { err });
      for (const { msg } of primary.values()) retryLater(msg, msg.attempts);
      return;
    }
    // Not claimed: superseded, already indexed or failed, deleted, or another consumer holds
    // the document (it hands over newer versions when it finishes). Nothing to do.
    const claimedKeys = new Set(claimed.map((r) => docKey(keyOfRow(r))));
    for (const [k, { msg }] of primary) if (!claimedKeys.has(k)) msg.ack();
    if (claimed.length === 0) return;

    let outcomes: Map<string, Outcome>;
    try {
      outcomes = await pipeline.process(claimed);
    } catch (err) {
      log.error("ingest pipeline crashed", { err });
      const failure = toFailure(err);
      outcomes = new Map(claimed.map((r) => [docKey(keyOfRow(r)), { status: "error", failure }]));
    }
    for (const row of claimed) {
      const key = keyOfRow(row);
      const entry = primary.get(docKey(key));
      const outcome = outcomes.get(docKey(key));
      if (!entry) continue;
      const { msg } = entry;
      if (outcome?.status !== "error") {
        msg.ack();
        continue;
      }
      const attempts = Math.max(msg.attempts, row.attempts);
      const final =
        outcome.failure.permanent || msg.attempts >= MAX_DELIVERIES || row.attempts >= MAX_ATTEMPTS;
      const retryInSeconds = retryDelaySeconds(attempts, deps.random);
      log.warn("document indexing failed", {
        tenant_id: key.tenant,
        document_id: key.doc,
        version: key.version,
        attempts,
        final,
        code: outcome.failure.code,
        error: outcome.failure.message,
      });
      try {
        await pipeline.settleFailure(key, outcome.failure, { final, retryInSeconds, attempts });
      } catch (err) {
        log.error("recording an indexing failure failed; retrying the message", {
          document_id: key.doc,
          err,
        });
        msg.retry({ delaySeconds: retryInSeconds });
        continue;
      }
      if (final) msg.ack();
      else msg.retry({ delaySeconds: retryInSeconds });
    }
  }

  return {
    /** Handles one batch from the ingest queue. */
    async handle(batch: MessageBatch<unknown>): Promise<void> {
      const docs: { msg: Message; body: IngestDocMessage }[] = [];
      for (const msg of batch.messages) {
        const parsed = IngestMessage.safeParse(msg.body);
        if (!parsed.success) {
          // Malformed messages can never succeed; keep them for inspection and move on.
          log.error("malformed ingest message; dead-lettering it", {
            id: msg.id,
            issues: parsed.error.issues,
          });
          await deps.deadLetters.send({
            message: msg.body,
            error: { code: "invalid_message", message: parsed.error.message },
          });
          msg.ack();
          continue;
        }
        const body = parsed.data;
        if (body.kind === "ingest") {
          docs.push({ msg, body });
          continue;
        }
        try {
          if (body.kind === "fanout") await fanout(body);
          else await deleteVectorsNow(deps, body.tenant, body.ids);
          msg.ack();
        } catch (err) {
          log.warn(`${body.kind} message failed; retrying`, { err });
          retryLater(msg, msg.attempts);
        }
      }
      if (docs.length > 0) await ingest(docs);
    },

    /**
     * Handles the dead-letter queue. Messages the consumer dead-lettered itself already
     * failed their document; a message Queues dead-lettered on its own (retries exhausted
     * without the consumer seeing a last attempt) fails its document here, with the last
     * recorded error as the reason.
     */
    async handleDeadLetters(batch: MessageBatch<unknown>): Promise<void> {
      for (const msg of batch.messages) {
        const envelope = msg.body as DeadLetter;
        if (envelope && typeof envelope === "object" && "message" in envelope) {
          log.warn("dead letter", {
            message: envelope.message,
            error: envelope.error,
            attempts: envelope.attempts,
          });
          msg.ack();
          continue;
        }
        const parsed = IngestMessage.safeParse(msg.body);
        if (!parsed.success || parsed.data.kind !== "ingest") {
          log.error("dead letter without a document; dropped", { body: msg.body });
          msg.ack();
          continue;
        }
        const { tenant, doc, version } = parsed.data;
        try {
          const row = await documents.find(tenant, doc);
          if (row && row.version === version && row.status !== "ready" && row.status !== "failed") {
            const last = row.error ?? "no error was recorded";
            await pipeline.settleFailure(
              { tenant, doc, version },
              toFailure(
                new IngestError("retries_exhausted", `Delivery retries exhausted. Last error: ${last}`, true),
              ),
              { final: true, retryInSeconds: 0, attempts: row.attempts, deadLetter: false },
            );
          }
          msg.ack();
        } catch (err) {
          log.error("handling a dead letter failed; retrying", { err });
          retryLater(msg, msg.attempts);
        }
      }
    },
  };
}

/** The consumer type. */
export type IngestConsumer = ReturnType<typeof createIngestConsumer>;
