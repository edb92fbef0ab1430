/**
 * Metadata columns for filtering: one array of filterable values per metadata path,
 * aligned with the scan positions. Built on first use from the shard's store (like a
 * Vectorize metadata index, but created on demand), kept current on writes, and capped
 * at {@link MAX_COLUMNS} paths so memory stays bounded however many keys queries use.
 * Pure.
 */

import { type FieldValue, fieldValue } from "./filter";

/** Paths kept in memory at once (Vectorize allows 10 metadata indexes per index). */
export const MAX_COLUMNS = 16;

/** Supplies (rowid, value) for every stored row, for building a column. */
export type ColumnSource = (path: readonly string[]) => Iterable<readonly [rowid: number, value: FieldValue]>;

/** Per-path value arrays indexed by scan position. */
export class MetadataColumns {
  readonly #columns = new Map<string, FieldValue[]>();

  constructor(readonly source: ColumnSource) {}

  /** Number of paths currently held. */
  get count(): number {
    return this.#columns.size;
  }

  /**
   * The column for `key`, built from the source if absent. `positionOf` maps a rowid to
   * its scan position (undefined for rows the scan does not hold).
   */
  column(
    key: string,
    path: readonly string[],
    size: number,
    positionOf: (rowid: number) => number | undefined,
  ) {
    const cached = this.#columns.get(key);
    if (cached) {
      // Refresh recency for the LRU cap.
      this.#columns.delete(key);
      this.#columns.set(key, cached);
      return cached;
    }
    const column: FieldValue[] = new Array<FieldValue>(size).fill(undefined);
    for (const [rowid, value] of this.source(path)) {
      const pos = positionOf(rowid);
      if (pos !== undefined) column[pos] = value;
    }
    this.#columns.set(key, column);
    while (this.#columns.size > MAX_COLUMNS) {
      const oldest = this.#columns.keys().next().value as string;
      this.#columns.delete(oldest);
    }
    return column;
  }

  /** Records a row's metadata at `pos` in every held column. */
  set(pos: number, metadata: unknown): void {
    for (const [key, column] of this.#columns) column[pos] = fieldValue(metadata, key.split("."));
  }

  /** Moves position `from` to `to` (swap-remove) and drops the last position. */
  move(from: number, to: number): void {
    for (const column of this.#columns.values()) {
      column[to] = column[from];
      column.length = from;
    }
  }

  /** Drops the last position without moving anything. */
  pop(last: number): void {
    for (const column of this.#columns.values()) column.length = last;
  }

  /** Forgets every column. */
  clear(): void {
    this.#columns.clear();
  }
}
