/**
 * Retrieval for edgerag: the hybrid retriever behind `/v1/search`, `/v1/answer` and the
 * OpenAI-compatible surface. Other features import from here only.
 */

import { createDb } from "../db/client";
import { hashDimensions } from "../providers/local/hash.embedder";
import { resolveProviders } from "../providers/resolve";
import { type EmbedderIdentity, vectorIndexFor } from "../vectors";
import { wasmMatrices } from "../vectors/core/wasm-matrix";
import scanKernels from "../vectors/wasm/scan-kernels.wasm";
import { createHybridRetriever } from "./hybrid.retriever";
import { createFts5KeywordIndex } from "./keyword/fts5-index";
import type { TenantReplica } from "./replica/replica";
import { DEFAULT_REPLICA_LIMITS, ReplicaCache } from "./replica/replica.cache";
import { createReplicaSource } from "./replica/replica.repo";
import { createSearchRepo } from "./search.repo";
import type { Retriever } from "./types";

export { DEFAULT_FUSION, defaultFusion, HASH_EMBEDDER_FUSION } from "./hybrid.config";
export { createHybridRetriever, type HybridDeps, INVALID_FILTER, type VectorQuery } from "./hybrid.retriever";

/**
 * The isolate's replicas of recently searched tenants (replica/replica.cache.ts), scanning held
 * hash vectors with the same WebAssembly SIMD kernels as the vector shards.
 */
export const sharedReplicaCache = new ReplicaCache({}, wasmMatrices(scanKernels));
export type * from "./types";

/**
 * The retriever for one tenant: its embedder and reranker chains (tenant settings over the
 * instance vars), its keyword index (the isolate's in-memory replica of its chunks when
 * current, else FTS5) and its vector index. Cheap; call it per request.
 *
 * @example
 * const retriever = await tenantRetriever(c.env, tenantId);
 * const { results } = await retriever.search(tenantId, { query, topK: 8, mode: "hybrid" });
 */
export async function tenantRetriever(
  env: Env,
  tenantId: string,
  waitUntil?: (work: Promise<unknown>) => void,
): Promise<Retriever> {
  const db = createDb(env.DB);
  const { embedder, reranker } = await resolveProviders({ env, db, tenantId, waitUntil });
  const vectors = (identity: EmbedderIdentity) => vectorIndexFor(env, { tenantId, embedder: identity });
  return createHybridRetriever({
    repo: createSearchRepo(db),
    keyword: createFts5KeywordIndex(db),
    embedder,
    reranker,
    vectors,
    heldVectorsMatchIndex: (replica) => heldVectorsMatch(replica, embedder.id, vectors),
    replica: () =>
      sharedReplicaCache.acquire(createReplicaSource(db), tenantId, waitUntil, {
        maxChunks: replicaMaxChunks(env),
        recheckMs: replicaRecheckMs(env),
        hashDimensions: embedder.id.startsWith("local:") ? hashDimensions(embedder.id.slice(6)) : undefined,
      }),
  });
}

/**
 * SEARCH_REPLICA_MAX_CHUNKS, or its default: replicas on a self-hosted instance (one process,
 * plenty of CPU per request), off on Cloudflare (VECTOR_BACKEND=vectorize), where every isolate
 * would build its own replica within a plan's per-request CPU limit. Malformed values disable.
 */
export function replicaMaxChunks(env: Pick<Env, "SEARCH_REPLICA_MAX_CHUNKS" | "VECTOR_BACKEND">): number {
  const raw = env.SEARCH_REPLICA_MAX_CHUNKS?.trim();
  if (raw === undefined || raw === "")
    return env.VECTOR_BACKEND === "vectorize" ? 0 : DEFAULT_REPLICA_LIMITS.maxChunks;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/** SEARCH_REPLICA_RECHECK_MS, or undefined for the cache's default; malformed values read D1 every time. */
export function replicaRecheckMs(env: Pick<Env, "SEARCH_REPLICA_RECHECK_MS">): number | undefined {
  const raw = env.SEARCH_REPLICA_RECHECK_MS?.trim();
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : 0;
}

/** Per replica and embedder: does the tenant's vector index hold that embedder's vectors? */
const heldChecks = new WeakMap<TenantReplica, Map<string, Promise<boolean>>>();

/**
 * Whether a replica's held hash vectors match the tenant's vector index (same embedder id and
 * dimension recorded there). Asked once per replica and embedder: a reindex with another
 * embedder rewrites the chunks, which replaces the replica.
 */
function heldVectorsMatch(
  replica: TenantReplica,
  embedderId: string,
  vectors: (identity: EmbedderIdentity) => { stats(): Promise<{ embedder: EmbedderIdentity | null }> },
): Promise<boolean> {
  const dims = replica.vectors?.dimensions;
  if (dims === undefined) return Promise.resolve(false);
  let checks = heldChecks.get(replica);
  if (!checks) {
    checks = new Map();
    heldChecks.set(replica, checks);
  }
  const key = `${embedderId}#${dims}`;
  let check = checks.get(key);
  if (!check) {
    check = vectors({ id: embedderId, dimensions: dims })
      .stats()
      .then((s) => s.embedder?.id === embedderId && s.embedder.dimensions === dims)
      .catch(() => false);
    checks.set(key, check);
  }
  return check;
}
