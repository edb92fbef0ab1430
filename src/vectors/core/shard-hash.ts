/**
 * Routes vector ids to shards: FNV-1a over the id's UTF-8 bytes, then murmur3's 32-bit
 * finalizer. FNV alone leaves the low bits depending only on the low bits of each byte,
 * so `% shardCount` would put `doc-a` and `doc-e` on the same shard forever; the
 * finalizer mixes every input bit into every output bit. Stable across runtimes and
 * releases: changing it would strand every stored vector on the wrong shard. Pure.
 */

const encoder = new TextEncoder();

/** 32-bit FNV-1a of a string's UTF-8 encoding, finalized with murmur3 fmix32. */
export function idHash(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of encoder.encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The shard (0 … shardCount-1) that owns `id`. */
export function shardFor(id: string, shardCount: number): number {
  return shardCount <= 1 ? 0 : idHash(id) % shardCount;
}

/** Groups ids (or items keyed by id) by owning shard, keeping input order within a shard. */
export function groupByShard<T>(
  items: readonly T[],
  idOf: (item: T) => string,
  shardCount: number,
): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const shard = shardFor(idOf(item), shardCount);
    const group = groups.get(shard);
    if (group) group.push(item);
    else groups.set(shard, [item]);
  }
  return groups;
}
