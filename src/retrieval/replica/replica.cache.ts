/**
 * The per-isolate cache of tenant replicas (replica.ts), and the rule that keeps them honest:
 * a replica is used for a search only when its stamp equals the tenant's current stamp in D1.
 * So a search never sees chunks older than D1's — when the replica lags, the caller falls back
 * to D1 (FTS5 and row reads) while the replica catches up.
 *
 * The stamp is read from D1 when the replica was last found current more than
 * {@link ReplicaLimits.recheckMs} ago, or when this isolate has written the tenant's chunks
 * since (or is writing them: documents/chunk-writes.ts); otherwise the replica is served as it
 * is. Writes through this isolate — all of them on a self-hosted server — are therefore seen
 * by the next search, and writes from other isolates within `recheckMs`. The D1 round trip it
 * saves was over half of a search's CPU on the local server (SciFact: 3.6 → 1.6 ms).
 *
 * - A few new rows (the usual ingest) are appended before answering.
 * - More, or any deletion, rebuild the replica in the background (`defer`, i.e. waitUntil).
 * - Tenants over {@link ReplicaLimits.maxChunks} are never replicated; replicas are evicted
 *   least-recently-used past {@link ReplicaLimits.maxBytes} per isolate.
 *
 * Pure: storage comes in through {@link ReplicaSource}.
 */
import { type ChunkWrites, chunkWrites } from "../../documents/chunk-writes";
import { log } from "../../observability/log";
import type { MatrixFactory } from "../../vectors/core/matrix";
import { type ReplicaRow, type ReplicaStamp, TenantReplica } from "./replica";
import { ReplicaVectors } from "./replica-vectors";

/** Where replicas load from (D1 in the Worker: replica.repo.ts). */
export interface ReplicaSource {
  /** The tenant's current stamp. */
  stamp(tenantId: string): Promise<ReplicaStamp>;
  /** Up to `limit` rows with `seq > afterSeq`, in `seq` order. */
  rows(tenantId: string, afterSeq: number, limit: number): Promise<ReplicaRow[]>;
}

/** Size limits of the cache. */
export interface ReplicaLimits {
  /** Tenants with more chunks are served from D1 only. */
  maxChunks: number;
  /** Replica memory per isolate; least recently used tenants are dropped past it. */
  maxBytes: number;
  /** Rows per page when loading. */
  pageSize: number;
  /** At most this many new rows are appended inline, before answering; more load in the background. */
  inlineRows: number;
  /** Hash embeddings are held only while they take at most this many bytes per tenant. */
  maxVectorBytes: number;
  /**
   * A replica found current is served without reading D1's stamp for this long, unless this
   * isolate writes the tenant's chunks meanwhile (0: read the stamp for every search).
   */
  recheckMs: number;
}

/** What a search wants the replica to hold beyond the rows and the keyword index. */
export interface ReplicaWish {
  /** A lower chunk limit than the cache's for this deployment (0: never replicate). */
  maxChunks?: number;
  /** The dimension of the tenant's `local:hash-<dims>` embedder, to hold its vectors; absent: none. */
  hashDimensions?: number;
  /** Overrides {@link ReplicaLimits.recheckMs} for this deployment. */
  recheckMs?: number;
}

/**
 * Defaults, for a self-hosted instance (the only place replicas are on by default): SciFact's
 * 5,183 chunks take ~43 MB of heap (8 MB of text, 26k terms, 0.9M postings) plus 8 MB of 384-d
 * vectors, so 256 MB holds a few such tenants or one of ~25k chunks; 50,000 chunks is the hard
 * cap. Vectors are held up to 64 MB a tenant (~42k chunks at 384 dimensions). On Cloudflare, where
 * an isolate has 128 MB, set SEARCH_REPLICA_MAX_CHUNKS to fit (replicas are off there by default).
 */
export const DEFAULT_REPLICA_LIMITS: ReplicaLimits = {
  maxChunks: 50_000,
  maxBytes: 256 * 1024 * 1024,
  pageSize: 500,
  inlineRows: 500,
  maxVectorBytes: 64 * 1024 * 1024,
  recheckMs: 1000,
};

interface Entry {
  replica: TenantReplica | null;
  loading: Promise<void> | null;
  /** The stamp at which the tenant's rows did not fit the limits: not tried again until it changes. */
  tooLargeAt?: ReplicaStamp;
  /** When `replica` was last found current, and the tenant's write token then. */
  verified?: { at: number; token: number };
}

const same = (a: ReplicaStamp, b: ReplicaStamp) => a.count === b.count && a.maxSeq === b.maxSeq;

/** Replicas of recently searched tenants, per isolate. */
export class ReplicaCache {
  readonly limits: ReplicaLimits;
  readonly #entries = new Map<string, Entry>();
  readonly #matrices: MatrixFactory | null;
  readonly #writes: ChunkWrites;
  readonly #now: () => number;

  /**
   * `matrices`: the scan kernels for held vectors; without them replicas never hold vectors.
   * `writes`: this isolate's chunk writes (the shared record unless a test brings its own).
   */
  constructor(
    limits: Partial<ReplicaLimits> = {},
    matrices: MatrixFactory | null = null,
    { writes = chunkWrites, now = Date.now }: { writes?: ChunkWrites; now?: () => number } = {},
  ) {
    this.limits = { ...DEFAULT_REPLICA_LIMITS, ...limits };
    this.#matrices = matrices;
    this.#writes = writes;
    this.#now = now;
  }

  /** Replicas currently held (for tests and stats). */
  get tenants(): number {
    return this.#entries.size;
  }

  /** Forgets every replica (tests). */
  clear(): void {
    this.#entries.clear();
  }

  /**
   * The tenant's replica if it is current, else null (search D1 instead). A stale or missing
   * replica is refreshed: inline when only a few rows were added, otherwise through `defer`
   * (or inline when no `defer` is given).
   */
  async acquire(
    source: ReplicaSource,
    tenantId: string,
    defer?: (work: Promise<unknown>) => void,
    wish: ReplicaWish = {},
  ): Promise<TenantReplica | null> {
    if (wish.maxChunks === 0) return null;
    const token = this.#writes.token(tenantId);
    const checkedAt = this.#now();
    const recent = this.#recentlyVerified(tenantId, wish, token, checkedAt);
    if (recent) return recent;
    const stamp = await source.stamp(tenantId);
    const dims = this.#vectorDimensions(wish, stamp);
    if (stamp.count > Math.min(this.limits.maxChunks, wish.maxChunks ?? Number.POSITIVE_INFINITY)) {
      this.#entries.delete(tenantId);
      return null;
    }
    let entry = this.#entries.get(tenantId);
    if (!entry) {
      entry = { replica: null, loading: null };
      this.#entries.set(tenantId, entry);
    } else {
      // Most recently used last: Map iteration order is the LRU order.
      this.#entries.delete(tenantId);
      this.#entries.set(tenantId, entry);
    }
    if (entry.tooLargeAt && same(entry.tooLargeAt, stamp)) return null;
    const current = entry.replica;
    if (current && same(current.stamp, stamp)) {
      // Current rows, but not the vectors this tenant's embedder now wants: serve the rows
      // (searches then query the vector index) and rebuild with the right vectors meanwhile.
      if ((current.vectors?.dimensions ?? null) !== dims && !entry.loading) {
        const rebuild = this.#track(entry, this.#build(source, tenantId, entry, dims, stamp));
        if (defer) defer(rebuild);
        else await rebuild;
        return entry.replica && same(entry.replica.stamp, stamp) ? entry.replica : current;
      }
      if (token !== null) entry.verified = { at: checkedAt, token };
      return current;
    }
    if (entry.loading) return null; // a refresh is under way; D1 serves meanwhile

    const appendOnly =
      current !== null &&
      stamp.maxSeq > current.stamp.maxSeq &&
      stamp.count > current.stamp.count &&
      stamp.count - current.stamp.count <= this.limits.inlineRows;
    if (appendOnly && current) {
      await this.#track(entry, this.#append(source, tenantId, entry, current, stamp));
      return entry.replica && same(entry.replica.stamp, stamp) ? entry.replica : null;
    }
    const build = this.#track(entry, this.#build(source, tenantId, entry, dims, stamp));
    if (defer) defer(build);
    else await build;
    return entry.replica && same(entry.replica.stamp, stamp) ? entry.replica : null;
  }

  /**
   * The tenant's replica when it was found current less than `recheckMs` ago, this isolate has
   * not written the tenant's chunks since, and it suits the wish; else null (read the stamp).
   */
  #recentlyVerified(
    tenantId: string,
    wish: ReplicaWish,
    token: number | null,
    now: number,
  ): TenantReplica | null {
    const entry = this.#entries.get(tenantId);
    const replica = entry?.replica;
    const verified = entry?.verified;
    if (!replica || !verified || token === null || verified.token !== token || entry.loading) return null;
    if (now - verified.at >= (wish.recheckMs ?? this.limits.recheckMs) || now < verified.at) return null;
    if (replica.size > Math.min(this.limits.maxChunks, wish.maxChunks ?? Number.POSITIVE_INFINITY))
      return null;
    if ((replica.vectors?.dimensions ?? null) !== this.#vectorDimensions(wish, replica.stamp)) return null;
    // Most recently used last: Map iteration order is the LRU order.
    this.#entries.delete(tenantId);
    this.#entries.set(tenantId, entry);
    return replica;
  }

  async #track(entry: Entry, work: Promise<void>): Promise<void> {
    entry.loading = work;
    try {
      await work;
    } finally {
      entry.loading = null;
    }
  }

  async #append(
    source: ReplicaSource,
    tenantId: string,
    entry: Entry,
    replica: TenantReplica,
    stamp: ReplicaStamp,
  ) {
    try {
      const rows = await source.rows(tenantId, replica.stamp.maxSeq, stamp.count - replica.stamp.count);
      replica.append(rows);
      if (replica.bytes > this.limits.maxBytes) {
        entry.replica = null;
        entry.tooLargeAt = stamp;
        return;
      }
      this.#evict();
    } catch (err) {
      log.warn("keyword replica append failed; searching D1", { tenant: tenantId, err });
    }
  }

  /** The vector dimension to hold for this wish, or null (none wanted, no kernels, or too large). */
  #vectorDimensions(wish: ReplicaWish, stamp: ReplicaStamp): number | null {
    const dims = wish.hashDimensions;
    if (dims === undefined || !this.#matrices) return null;
    return stamp.count * dims * 4 <= this.limits.maxVectorBytes ? dims : null;
  }

  async #build(
    source: ReplicaSource,
    tenantId: string,
    entry: Entry,
    dims: number | null,
    stamp: ReplicaStamp,
  ) {
    const vectors = dims !== null && this.#matrices ? new ReplicaVectors(dims, this.#matrices) : null;
    const replica = new TenantReplica(undefined, vectors);
    try {
      for (;;) {
        const rows = await source.rows(tenantId, replica.stamp.maxSeq, this.limits.pageSize);
        replica.append(rows);
        // Grew past the limits while loading (rows were added, or the chunks are larger than
        // usual): such a tenant is searched in D1 rather than crowding the isolate's memory.
        if (replica.size > this.limits.maxChunks || replica.bytes > this.limits.maxBytes) {
          entry.tooLargeAt = stamp;
          return;
        }
        if (rows.length < this.limits.pageSize) break;
      }
      entry.replica = replica;
      this.#evict();
    } catch (err) {
      log.warn("keyword replica build failed; searching D1", { tenant: tenantId, err });
    }
  }

  /** Drops least recently used replicas until the total fits the budget (the newest always stays). */
  #evict(): void {
    let total = 0;
    for (const e of this.#entries.values()) total += e.replica?.bytes ?? 0;
    for (const [tenantId, e] of this.#entries) {
      if (total <= this.limits.maxBytes || this.#entries.size <= 1) break;
      total -= e.replica?.bytes ?? 0;
      this.#entries.delete(tenantId);
    }
  }
}
