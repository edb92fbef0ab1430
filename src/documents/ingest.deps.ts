import { countTokens } from "../chunking/tokens";
import { createDb, type Db } from "../db/client";
import { log } from "../observability/log";
import { hashEmbed } from "../providers/local/hash-embedding";
import type { Embedder } from "../providers/types";
import { createFts5KeywordIndex } from "../retrieval/keyword/fts5-index";
import type { KeywordIndex } from "../retrieval/keyword/keyword-index";
import type { BlobStore } from "./blobs";
import { IngestError } from "./ingest.errors";
import type { DeadLetterQueue, MessageQueue } from "./ingest.messages";

/**
 * The vector index operations ingestion needs. Both Vectorize bindings (`VectorizeIndex`
 * and the newer `Vectorize`) and edgerag's local index satisfy it. Tenants are isolated by
 * `namespace` on every vector; ids are globally unique (they hash the tenant in).
 */
export interface VectorIndex {
  upsert(vectors: VectorizeVector[]): Promise<unknown>;
  deleteByIds(ids: string[]): Promise<unknown>;
}

/** Everything the documents service and the ingest pipeline touch, passed in (never reached for). */
export interface IngestDeps {
  db: Db;
  blobs: BlobStore;
  queue: MessageQueue;
  deadLetters: DeadLetterQueue;
  keyword: KeywordIndex;
  embedder: Embedder;
  /** Null when this build has no vector index for the configured backend: documents are keyword-indexed only. */
  vectors: VectorIndex | null;
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

let warnedNoVectors = false;

/**
 * The vector index for the configured backend. SEAM: `VECTOR_BACKEND=vectorize` uses the
 * VECTORIZE binding; `local` is edgerag's own index (issue 4), wired here when it lands —
 * until then documents are indexed for keyword search only and record no embedder.
 */
export function vectorIndexFromEnv(env: Env): VectorIndex | null {
  if (env.VECTOR_BACKEND === "vectorize") {
    if (env.VECTORIZE) return env.VECTORIZE;
    const missing = () =>
      Promise.reject(
        new IngestError(
          "vector_index_unavailable",
          "VECTOR_BACKEND=vectorize but no VECTORIZE binding is configured (see wrangler.toml [env.cloud]).",
          true,
        ),
      );
    return { upsert: missing, deleteByIds: missing };
  }
  if (!warnedNoVectors) {
    warnedNoVectors = true;
    log.warn("no local vector index in this build; documents are keyword-indexed only", {
      vector_backend: env.VECTOR_BACKEND,
    });
  }
  return null;
}

/** Builds the ingestion dependencies from the Worker's bindings. */
export function createIngestDeps(env: Env, overrides: Partial<IngestDeps> = {}): IngestDeps {
  const db = overrides.db ?? createDb(env.DB);
  return {
    db,
    blobs: env.BLOBS,
    queue: env.INGEST_QUEUE,
    deadLetters: env.INGEST_DLQ,
    keyword: createFts5KeywordIndex(db),
    embedder: embedderFromSpec(env.EMBEDDINGS),
    vectors: vectorIndexFromEnv(env),
    now: Date.now,
    random: Math.random,
    ...overrides,
  };
}
