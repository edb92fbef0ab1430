/**
 * Bounded top-K selection over (key, goodness) pairs: a binary min-heap on typed arrays
 * whose root is the worst kept entry, so the scan loop rejects most rows with one compare
 * against {@link TopK.threshold}. Pure; no allocation per offered item.
 */
export class TopK {
  readonly #capacity: number;
  readonly #good: Float64Array;
  readonly #keys: Float64Array;
  #size = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError("TopK capacity must be a positive integer");
    this.#capacity = capacity;
    this.#good = new Float64Array(capacity);
    this.#keys = new Float64Array(capacity);
  }

  /** Entries kept so far. */
  get size(): number {
    return this.#size;
  }

  /** Goodness an item must beat to enter once full; -Infinity until then. */
  get threshold(): number {
    return this.#size < this.#capacity ? Number.NEGATIVE_INFINITY : (this.#good[0] as number);
  }

  /** Offers one item; higher goodness is better. NaN is never kept. */
  push(key: number, goodness: number): void {
    if (!(goodness > this.threshold)) return;
    const good = this.#good;
    const keys = this.#keys;
    if (this.#size < this.#capacity) {
      let i = this.#size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if ((good[parent] as number) <= goodness) break;
        good[i] = good[parent] as number;
        keys[i] = keys[parent] as number;
        i = parent;
      }
      good[i] = goodness;
      keys[i] = key;
      return;
    }
    // Replace the root (the worst kept) and sift down.
    const n = this.#size;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && (good[r] as number) < (good[l] as number) ? r : l;
      if ((good[c] as number) >= goodness) break;
      good[i] = good[c] as number;
      keys[i] = keys[c] as number;
      i = c;
    }
    good[i] = goodness;
    keys[i] = key;
  }

  /** The kept items, best first (ties in key order). */
  sorted(): { key: number; goodness: number }[] {
    const out: { key: number; goodness: number }[] = [];
    for (let i = 0; i < this.#size; i++)
      out.push({ key: this.#keys[i] as number, goodness: this.#good[i] as number });
    return out.sort((a, b) => b.goodness - a.goodness || a.key - b.key);
  }
}
