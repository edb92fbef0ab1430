/**
 * A small in-isolate cache whose entries expire after a fixed time and which holds at most
 * `capacity` entries (least recently used go first). For data read on every request that may
 * change elsewhere: the TTL is the documented bound on how long another isolate's change can go
 * unseen; changes made through this isolate delete their entries at once.
 * Pure: no runtime imports.
 */
export class TtlCache<K, V> {
  readonly #entries = new Map<K, { value: V; expires: number }>();

  constructor(
    readonly ttlMs: number,
    readonly capacity: number,
    readonly now: () => number = Date.now,
  ) {}

  /** The live value, or undefined (expired entries are dropped). */
  get(key: K): V | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    this.#entries.delete(key);
    if (e.expires <= this.now()) return undefined;
    this.#entries.set(key, e);
    return e.value;
  }

  /** Stores a value for `ttlMs`. */
  set(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, expires: this.now() + this.ttlMs });
    if (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value as K;
      this.#entries.delete(oldest);
    }
  }

  /** Drops one entry. */
  delete(key: K): void {
    this.#entries.delete(key);
  }

  /** Drops every entry whose value matches. */
  deleteWhere(match: (value: V) => boolean): void {
    for (const [k, e] of this.#entries) if (match(e.value)) this.#entries.delete(k);
  }

  /** Drops everything. */
  clear(): void {
    this.#entries.clear();
  }

  /** Entries held (some may have expired). */
  get size(): number {
    return this.#entries.size;
  }
}
