/**
 * Chunk writes made by this isolate, per tenant: a generation that moves when a write starts
 * and again when it ends, and a count of writes under way. The search replica
 * (src/retrieval/replica) uses it to skip reading the tenant's D1 stamp on every search: with
 * no write from this isolate since its last check (and none under way), the replica is current
 * for every write made through this isolate, and only a write from another isolate (on
 * Cloudflare; a self-hosted server is one isolate) can be missed, for at most the cache's
 * recheck interval.
 *
 * Every D1 batch that inserts or deletes chunk rows runs through {@link ChunkWrites.around}.
 * Pure and per isolate.
 */
export class ChunkWrites {
  /** Per tenant, the sequence number of its last write start or end. */
  readonly #generation = new Map<string, number>();
  readonly #active = new Map<string, number>();
  readonly #maxTenants: number;
  #sequence = 0;
  /** The token of tenants not in #generation: above every token handed out before it was set. */
  #floor = 0;

  /** `maxTenants`: generations kept before they are forgotten at once (tokens stay unique). */
  constructor(maxTenants = 100_000) {
    this.#maxTenants = maxTenants;
  }

  /**
   * Runs `write`, a D1 write of the tenants' chunk rows, marked as under way: the tenants'
   * tokens are null until it settles (whether it succeeds or fails) and differ afterwards.
   */
  async around<T>(tenantIds: Iterable<string>, write: () => Promise<T>): Promise<T> {
    const tenants = [...new Set(tenantIds)];
    for (const t of tenants) {
      this.#active.set(t, (this.#active.get(t) ?? 0) + 1);
      this.#bump(t);
    }
    try {
      return await write();
    } finally {
      for (const t of tenants) {
        const n = (this.#active.get(t) ?? 1) - 1;
        if (n > 0) this.#active.set(t, n);
        else this.#active.delete(t);
        this.#bump(t);
      }
    }
  }

  /**
   * The tenant's write state: equal tokens mean no chunk write through this isolate started or
   * ended between them; null while one is under way.
   */
  token(tenantId: string): number | null {
    return this.#active.has(tenantId) ? null : (this.#generation.get(tenantId) ?? this.#floor);
  }

  #bump(tenantId: string): void {
    if (this.#generation.size >= this.#maxTenants && !this.#generation.has(tenantId)) {
      // Forget every tenant's generation: the new floor differs from every token handed out.
      this.#generation.clear();
      this.#floor = ++this.#sequence;
    }
    this.#generation.set(tenantId, ++this.#sequence);
  }
}

/** The isolate's record of chunk writes (writers and the search replica share it). */
export const chunkWrites = new ChunkWrites();
