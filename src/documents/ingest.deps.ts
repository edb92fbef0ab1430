import { createDb, type Db } from "../db/client";
import { resolveProviders } from "../providers/resolve";
import type { Embedder } from "../providers/types";
import { createFts5KeywordIndex } from "../retrieval/keyword/fts5-index";
import type { KeywordIndex } from "../retrieval/keyword/keyword-index";
import { type EmbedderIdentity, type VectorEnv, vectorIndexFor } from "../vectors";
import type { BlobStore } from "./blobs";
import type { DeadLetterQueue, MessageQueue } from "./ingest.messages";

/**
 * One tenant's vector index as ingestion uses it: a subset of `Vectorize` that the tenant
 * indexes of src/vectors (local shards or Cloudflare Vectorize) satisfy. The index manages
 * the tenant's namespace itself; vectors are passed without one.
 */
export interface VectorIndex {
  upsert(vectors: VectorizeVector[]): Promise<unknown>;
  deleteByIds(ids: string[]): Promise<unknown>;
}

/** Vector storage per tenant, with the embedder bookkeeping a reindex needs. */
export interface VectorStore {
  /** The tenant's index for vectors of `embedder` (the index refuses a different one: 409 embedder_mismatch). */
  index(tenantId: string, embedder: EmbedderIdentity): VectorIndex;
  /** The embedder the tenant's stored vectors were made with, or null when it has none. */
  recorded(tenantId: string): Promise<EmbedderIdentity | null>;
  /** Removes every vector of the tenant (`ids`: all its chunk ids) and forgets its embedder. */
  drop(tenantId: string, ids: Iterable<string>): Promise<void>;
}

/** Everything the documents service and the ingest pipeline touch, passed in (never reached for). */
export interface IngestDeps {
  db: Db;
  blobs: BlobStore;
  queue: MessageQueue;
  deadLetters: DeadLetterQueue;
  keyword: KeywordIndex;
  /** The tenant's embedder: its `embeddings` setting, else the instance's EMBEDDINGS. */
  embedderFor(tenantId: string): Promise<Embedder>;
  vectors: VectorStore;
  now: () => number;
  random: () => number;
  /** Called after documents change (indexed, replaced, deleted), e.g. to drop cached search results. */
  onChange?: (tenantId: string, documentIds: readonly string[]) => Promise<void>;
}

/** The identity an index records for an embedder. */
export function identityOf(embedder: Embedder): EmbedderIdentity {
  return { id: embedder.id, dimensions: embedder.dimensions };
}

/**
 * The vector store for the configured backend through src/vectors' `vectorIndexFor`
 * (VECTOR_BACKEND=local: VectorShard Durable Objects; vectorize: the VECTORIZE binding).
 */
export function createVectorStore(env: VectorEnv): VectorStore {
  const open = (tenantId: string, embedder: EmbedderIdentity) => vectorIndexFor(env, { tenantId, embedder });
  // Any valid identity opens a handle; stats() reports what the tenant's vectors recorded.
  const probe = (tenantId: string) => open(tenantId, { id: "stats-probe", dimensions: 1 });
  return {
    index: open,
    async recorded(tenantId) {
      return (await probe(tenantId).stats()).embedder;
    },
    async drop(tenantId, ids) {
      const recorded = await this.recorded(tenantId);
      if (recorded) await open(tenantId, recorded).drop({ ids });
    },
  };
}

/**
 * Builds the ingestion dependencies from the Worker's bindings. Embedders come from the
 * provider registry (fallback chains, retries, embedding cache, usage accounting), resolved
 * once per tenant per deps object (one request or one queue batch).
 */
export function createIngestDeps(
  env: Env,
  overrides: Partial<IngestDeps> = {},
  waitUntil?: (work: Promise<unknown>) => void,
): IngestDeps {
  const db = overrides.db ?? createDb(env.DB);
  const embedders = new Map<string, Promise<Embedder>>();
  const embedderFor = (tenantId: string) => {
    let e = embedders.get(tenantId);
    if (!e) {
      e = resolveProviders({ env, db, tenantId, waitUntil }).then((p) => p.embedder);
      // A failed resolution (e.g. a broken setting) is not cached: the next attempt re-reads.
      e.catch(() => embedders.delete(tenantId));
      embedders.set(tenantId, e);
    }
    return e;
  };
  return {
    db,
    blobs: env.BLOBS,
    queue: env.INGEST_QUEUE,
    deadLetters: env.INGEST_DLQ,
    keyword: createFts5KeywordIndex(db),
    embedderFor,
    vectors: createVectorStore(env),
    now: Date.now,
    random: Math.random,
    ...overrides,
  };
}
