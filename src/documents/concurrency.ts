/**
 * Maps with at most `limit` promises in flight, preserving input order. Keeps a batch from
 * opening hundreds of R2 or provider requests at once (Workers allow 6 simultaneous
 * outgoing connections; the rest queue anyway, but memory for their bodies does not).
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
