/**
 * An in-isolate LRU of query vectors, keyed by tenant + embedder (`id#revision`) + normalised
 * query text. Queries repeat far more than documents (playground retries, answer follow-ups,
 * benchmarks), and a hit saves a provider round trip (tens of milliseconds for a remote model)
 * or, locally, the hashing. Tenant-scoped so no tenant can learn by timing what another asked.
 * Pure: no runtime imports.
 */

/** Entries kept per isolate: 384-dim float32 vectors are 1.5 KB, so 2,000 is about 3 MB. */
export const QUERY_CACHE_ENTRIES = 2000;

/** Query text as the cache keys it: Unicode-compatibility folded, whitespace collapsed, trimmed. */
export function normaliseQuery(text: string): string {
  return text.normalize("NFKC").replace(/\s+/gu, " ").trim();
}

/** A bounded least-recently-used map of query vectors. */
export class QueryVectorCache {
  readonly #entries = new Map<string, Float32Array>();

  constructor(readonly capacity = QUERY_CACHE_ENTRIES) {}

  /** The cache key of one query. */
  static key(tenantId: string, embedder: string, text: string): string {
    return `${tenantId}\n${embedder}\n${normaliseQuery(text)}`;
  }

  /** The cached vector (and marks it recently used), or undefined. */
  get(key: string): Float32Array | undefined {
    const v = this.#entries.get(key);
    if (v !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, v);
    }
    return v;
  }

  /** Stores a vector, evicting the least recently used entry past capacity. */
  set(key: string, vector: Float32Array): void {
    this.#entries.delete(key);
    this.#entries.set(key, vector);
    if (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  /** Number of cached vectors. */
  get size(): number {
    return this.#entries.size;
  }
}

/** The isolate-wide cache shared by every request. */
export const sharedQueryCache = new QueryVectorCache();
