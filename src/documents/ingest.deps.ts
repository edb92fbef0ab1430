import { countTokens } from "../chunking/tokens";
import { createDb, type Db } from "../db/client";
import { hashEmbed } from "../providers/local/hash-embedding";
import type { Embedder } from "../providers/types";
import { createFts5KeywordIndex } from "../retrieval/keyword/fts5-index";
import type { KeywordIndex } from "../retrieval/keyword/keyword-index";
import { type EmbedderIdentity, type VectorEnv, vectorIndexFor } from "../vectors";
import type { BlobStore } from "./blobs";
import { IngestError } from "./ingest.errors";
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
  /** The embedder new vectors are made with. */
  readonly embedder: EmbedderIdentity;
  /** The tenant's index for vectors of the configured embedder. */
  index(tenantId: string): VectorIndex;
  /** The tenant's index opened with `embedder` (deleting vectors an earlier embedder made). */
  open(tenantId: string, embedder: EmbedderIdentity): VectorIndex;
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
  embedder: Embedder;
  vectors: VectorStore;
  now: () => number;
  random: () => number;
  /** Called after documents change (indexed, replaced, deleted), e.g. to drop cached search results. */
  onChange?: (tenantId: string, documentIds: readonly string[]) => Promise<void>;
}

/**
 * The embedder for an `EMBEDDINGS` spec. SEAM: until the provider registry (issue 5) lands
 * this builds only `local:hash-<dims>`; any other spec yields an embedder whose calls fail
 * with a clear, permanent configuration error, so documents end `failed` with the reason
 * instead of retrying forever. Replace the body with the registry lookup on merge.
 */
export function embedderFromSpec(spec: string): Embedder {
  const first = spec.split(",")[0]?.trim() ?? "";
  const local = /^local:hash-(\d+)$/.exec(first);
  const dims = local ? Number(local[1]) : 0;
  if (local && dims >= 8 && dims <= 4096) {
    return {
      id: first,
      dimensions: dims,
      async embed(texts) {
        const vectors = texts.map((t) => hashEmbed(t, dims));
        const input = texts.reduce((n, t) => n + countTokens(t), 0);
        return { vectors, provider: first, usage: { input_tokens: input, output_tokens: 0 } };
      },
    };
  }
  return {
    id: first || "(unset)",
    dimensions: 0,
    embed() {
      return Promise.reject(
        new IngestError(
          "embedder_unavailable",
          `EMBEDDINGS="${spec}" is not available in this build (supported here: local:hash-<dims>). ` +
            'Fix the configuration, then reindex the failed documents (POST /v1/documents/reindex {"status":"failed"}).',
          true,
        ),
      );
    },
  };
}

/**
 * The vector store for the configured backend through src/vectors' `vectorIndexFor`
 * (VECTOR_BACKEND=local: VectorShard Durable Objects; vectorize: the VECTORIZE binding),
 * which records each tenant's embedder and refuses vectors of another (409
 * embedder_mismatch).
 */
export function createVectorStore(env: VectorEnv, embedder: EmbedderIdentity): VectorStore {
  const open = (tenantId: string, e: EmbedderIdentity) => vectorIndexFor(env, { tenantId, embedder: e });
  const unusable = (): VectorIndex => {
    // The embedder is misconfigured (its calls fail first, with the reason); nothing to write.
    const reject = () =>
      Promise.reject(
        new IngestError("embedder_unavailable", `Embedder ${embedder.id} is not available.`, true),
      );
    return { upsert: reject, deleteByIds: reject };
  };
  return {
    embedder,
    index: (tenantId) => (embedder.dimensions > 0 ? open(tenantId, embedder) : unusable()),
    open,
    async recorded(tenantId) {
      // Any valid identity opens the handle; stats() reports what was recorded.
      const probe = embedder.dimensions > 0 ? embedder : { id: "probe", dimensions: 1 };
      return (await open(tenantId, probe).stats()).embedder;
    },
    async drop(tenantId, ids) {
      const recorded = await this.recorded(tenantId);
      if (recorded) await open(tenantId, recorded).drop({ ids });
    },
  };
}

/** Builds the ingestion dependencies from the Worker's bindings. */
export function createIngestDeps(env: Env, overrides: Partial<IngestDeps> = {}): IngestDeps {
  const db = overrides.db ?? createDb(env.DB);
  const embedder = overrides.embedder ?? embedderFromSpec(env.EMBEDDINGS);
  return {
    db,
    blobs: env.BLOBS,
    queue: env.INGEST_QUEUE,
    deadLetters: env.INGEST_DLQ,
    keyword: createFts5KeywordIndex(db),
    embedder,
    vectors: createVectorStore(env, { id: embedder.id, dimensions: embedder.dimensions }),
    now: Date.now,
    random: Math.random,
    ...overrides,
  };
}
