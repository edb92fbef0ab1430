import { ProviderError } from "../errors";

/** Orders `[{ index, score }]` results back into input order; every index must be present once. */
export function scoresByIndex(
  results: unknown,
  count: number,
  provider: string,
  scoreOf: (r: Record<string, unknown>) => unknown,
  indexKey = "index",
): number[] {
  if (!Array.isArray(results)) throw new ProviderError("bad_response", `${provider}: no results array`);
  const scores = new Array<number>(count).fill(Number.NaN);
  for (const r of results as Record<string, unknown>[]) {
    const index = r?.[indexKey];
    const score = r ? scoreOf(r) : undefined;
    if (
      typeof index !== "number" ||
      index < 0 ||
      index >= count ||
      typeof score !== "number" ||
      !Number.isFinite(score)
    ) {
      throw new ProviderError(
        "bad_response",
        `${provider}: malformed result ${JSON.stringify(r).slice(0, 100)}`,
      );
    }
    scores[index] = score;
  }
  if (scores.some(Number.isNaN))
    throw new ProviderError("bad_response", `${provider}: results miss some documents`);
  return scores;
}
