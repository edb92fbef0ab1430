import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  type QueueResult,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createDb, type Db } from "../../src/db/client";
import { acceptDocuments, type IncomingDocument } from "../../src/documents/documents.accept";
import { createDocumentsService } from "../../src/documents/documents.service";
import { createIngestConsumer } from "../../src/documents/ingest.consumer";
import { createIngestDeps, embedderFromSpec, type IngestDeps } from "../../src/documents/ingest.deps";
import type { DeadLetter, IngestMessage } from "../../src/documents/ingest.messages";
import type { Embedder } from "../../src/providers/types";
import { createFts5KeywordIndex } from "../../src/retrieval/keyword/fts5-index";
import { FakeVectorize } from "../fixtures/fake-vectorize";

/**
 * Drives the ingestion service layer directly with real local D1 and R2, a recording queue
 * (so the Worker's own consumer never races the test) and a fake vector index. Messages are
 * delivered by hand through `createMessageBatch`, which lets tests choose attempt numbers
 * and read back exactly which messages were acked or retried, with which delays.
 */
export function createHarness(
  opts: { vectors?: FakeVectorize | null; embedder?: Embedder; db?: Db; now?: () => number } = {},
) {
  const sent: IngestMessage[] = [];
  const dead: DeadLetter[] = [];
  const vectors = opts.vectors === undefined ? new FakeVectorize() : opts.vectors;
  const deps: IngestDeps = createIngestDeps(env, {
    db: opts.db ?? createDb(env.DB),
    queue: {
      async send(body) {
        sent.push(body);
      },
      async sendBatch(messages) {
        for (const m of messages) sent.push(m.body);
      },
    },
    deadLetters: {
      async send(body) {
        dead.push(body);
      },
    },
    vectors,
    embedder: opts.embedder ?? embedderFromSpec("local:hash-64"),
    random: () => 0.5,
    ...(opts.now ? { now: opts.now } : {}),
  });
  const consumer = createIngestConsumer(deps);
  let seq = 0;

  /**
   * Delivers messages as one batch with the given attempt numbers. The result adds the
   * retry delay each message asked for (getQueueResult does not report it).
   */
  async function deliver(
    messages: { body: unknown; attempts?: number }[],
    queue = "edgerag-ingest",
  ): Promise<QueueResult & { delays: number[] }> {
    const batch = createMessageBatch(
      queue,
      messages.map((m) => ({
        id: `msg-${++seq}`,
        timestamp: new Date(),
        attempts: m.attempts ?? 1,
        body: m.body,
      })),
    );
    const delays: number[] = [];
    const recording = batch.messages.map(
      (msg) =>
        new Proxy(msg, {
          get(target, prop) {
            if (prop === "retry") {
              return (options?: QueueRetryOptions) => {
                delays.push(options?.delaySeconds ?? 0);
                target.retry(options);
              };
            }
            const value = Reflect.get(target, prop, target);
            return typeof value === "function" ? value.bind(target) : value;
          },
        }),
    );
    const view = {
      ...batch,
      queue: batch.queue,
      messages: recording,
      ackAll: () => batch.ackAll(),
      retryAll: (o?: QueueRetryOptions) => batch.retryAll(o),
    };
    const ctx = createExecutionContext();
    if (queue === "edgerag-ingest") await consumer.handle(view);
    else await consumer.handleDeadLetters(view);
    return { ...(await getQueueResult(batch, ctx)), delays };
  }

  /** Delivers everything sent so far (and what that sends), first attempts, until the queue is empty. */
  async function drain(maxRounds = 20): Promise<void> {
    for (let round = 0; sent.length > 0; round++) {
      if (round >= maxRounds) throw new Error("queue did not drain");
      await deliver(sent.splice(0).map((body) => ({ body })));
    }
  }

  return {
    deps,
    sent,
    dead,
    vectors,
    consumer,
    deliver,
    drain,
    service: createDocumentsService(deps),
    keyword: createFts5KeywordIndex(deps.db),
    accept: (tenantId: string, docs: IncomingDocument[]) => acceptDocuments(deps, tenantId, docs, "batch"),
  };
}

/** An incoming text document. */
export function textDoc(id: string, text: string, extra: Partial<IncomingDocument> = {}): IncomingDocument {
  return { id, bytes: new TextEncoder().encode(text), type: "text/plain", metadata: {}, ...extra };
}

/** Creates a tenant row directly (service-level tests need no API key). */
export async function createTenant(): Promise<string> {
  const id = `t-${crypto.randomUUID().slice(0, 8)}`;
  await env.DB.prepare("INSERT INTO tenants (id, name) VALUES (?, ?)").bind(id, id).run();
  return id;
}

/** A document row straight from D1. */
export async function docRow(tenantId: string, id: string) {
  return env.DB.prepare("SELECT * FROM documents WHERE tenant_id = ? AND id = ?").bind(tenantId, id).first<{
    status: string;
    version: number;
    error: string | null;
    chunk_count: number;
    attempts: number;
    embedder: string | null;
    claimed_until: number | null;
    blob_key: string;
    title: string | null;
  }>();
}

/** Chunk rows of a document, in order. */
export async function chunksOf(tenantId: string, id: string) {
  const { results } = await env.DB.prepare(
    "SELECT seq, id, ordinal, text, metadata, version FROM chunks WHERE tenant_id = ? AND document_id = ? ORDER BY ordinal",
  )
    .bind(tenantId, id)
    .all<{ seq: number; id: string; ordinal: number; text: string; metadata: string; version: number }>();
  return results;
}

/** Stored R2 bodies of a tenant. */
export async function blobKeys(tenantId: string): Promise<string[]> {
  const list = await env.BLOBS.list({ prefix: `docs/${tenantId}/` });
  return list.objects.map((o) => o.key);
}
