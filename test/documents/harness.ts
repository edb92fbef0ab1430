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
import { createIngestDeps, createVectorStore, type IngestDeps } from "../../src/documents/ingest.deps";
import type { DeadLetter, IngestMessage } from "../../src/documents/ingest.messages";
import type { Embedder } from "../../src/providers/types";
import { createFts5KeywordIndex } from "../../src/retrieval/keyword/fts5-index";
import { vectorIndexFor } from "../../src/vectors";
import { hashEmbedder } from "../fixtures/embedders";
import { FakeVectorize } from "../vectors/fake-vectorize";

/**
 * A Vectorize binding (the vectors suite's fake: asynchronous visibility, real limits) with
 * failure injection and call counts, for the cloud path of src/vectors.
 */
function faultyVectorize(dimensions: number) {
  const fake = new FakeVectorize({ dimensions, metric: "cosine" });
  const state = { failures: 0, upserts: 0, deletes: 0 };
  const binding = new Proxy(fake, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (prop === "upsert" || prop === "deleteByIds") {
        return (...args: unknown[]) => {
          if (prop === "upsert") state.upserts++;
          else state.deletes++;
          if (state.failures > 0) {
            state.failures--;
            return Promise.reject(new Error("VECTOR_UPSERT_ERROR (code = 50000): injected outage"));
          }
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return value.bind(target);
    },
  });
  return { fake, binding: binding as Vectorize, state };
}

/**
 * Drives the ingestion service layer directly with real local D1 and R2, a recording queue
 * (so the Worker's own consumer never races the test) and the cloud vector path over a fake
 * Vectorize binding. Messages are delivered by hand through `createMessageBatch`, which lets
 * tests choose attempt numbers and read back which messages were acked or retried, and how.
 */
export function createHarness(
  opts: {
    embedder?: Embedder;
    db?: Db;
    now?: () => number;
    vectorize?: ReturnType<typeof faultyVectorize>;
  } = {},
) {
  const sent: IngestMessage[] = [];
  const dead: DeadLetter[] = [];
  const embedder = opts.embedder ?? hashEmbedder(64);
  const vectorize = opts.vectorize ?? faultyVectorize(64);
  const vectorEnv = { ...env, VECTOR_BACKEND: "vectorize", VECTORIZE: vectorize.binding };
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
    embedderFor: async () => embedder,
    vectors: createVectorStore(vectorEnv),
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
    const view = new Proxy(batch, {
      get(target, prop) {
        if (prop === "messages") return recording;
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
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

  /** The tenant's index with the full Vectorize interface (for reading back in tests). */
  const tenantIndex = (tenantId: string) =>
    vectorIndexFor(vectorEnv, { tenantId, embedder: { id: embedder.id, dimensions: embedder.dimensions } });

  return {
    deps,
    sent,
    dead,
    consumer,
    deliver,
    drain,
    service: createDocumentsService(deps),
    keyword: createFts5KeywordIndex(deps.db),
    accept: (tenantId: string, docs: IncomingDocument[]) => acceptDocuments(deps, tenantId, docs, "batch"),
    /** The fake Vectorize binding, to share with another harness (e.g. with another embedder). */
    vectorize,
    vectors: {
      /** Applies pending Vectorize mutations (Vectorize does so a few seconds after a write). */
      settle: () => vectorize.fake.settle(),
      /** Vectors visible in the whole fake index (every tenant of this harness). */
      count: async () => (await vectorize.fake.describe()).vectorCount,
      /** Which of `ids` are visible for the tenant (getByIds takes 20 ids per call). */
      async visible(tenantId: string, ids: readonly string[]): Promise<string[]> {
        const out: string[] = [];
        for (let i = 0; i < ids.length; i += 20) {
          out.push(...(await tenantIndex(tenantId).getByIds(ids.slice(i, i + 20))).map((v) => v.id));
        }
        return out.sort();
      },
      get: (tenantId: string, id: string) =>
        tenantIndex(tenantId)
          .getByIds([id])
          .then((v) => v[0]),
      failNext: (n = 1) => {
        vectorize.state.failures = n;
      },
      calls: vectorize.state,
    },
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
  const list = await env.BLOBS.list({ prefix: `packs/${tenantId}/` });
  return list.objects.map((o) => o.key);
}
