/**
 * Retrieval metrics computed the way published BEIR figures are (trec_eval semantics), so
 * edgerag's numbers compare with them; shared by the CLI, the benchmarks and, later, online
 * evaluation. Pure: no runtime imports.
 *
 * - Rankings are of documents, best first; repeats after the first occurrence are ignored.
 * - Gains are the qrels' graded scores (linear, not 2^rel − 1); a score ≤ 0 is not relevant.
 * - The ideal ranking for nDCG is all of a query's qrels, sorted by gain.
 * - Means are over every query in the qrels; a query with no run scores 0 on every metric.
 */

/** Graded judgements: query id → (document id → gain). */
export type Qrels = ReadonlyMap<string, ReadonlyMap<string, number>>;
/** A run: query id → ranked document ids, best first. */
export type Run = ReadonlyMap<string, readonly string[]>;

/** Rankings with repeats removed (a document counts once, at its best rank). */
export function uniqueRanking(ranking: readonly string[]): string[] {
  return [...new Set(ranking)];
}

/** nDCG@k of one query: DCG of the ranking / DCG of the ideal ranking, log2(rank + 1) discount. */
export function ndcgAt(ranking: readonly string[], judged: ReadonlyMap<string, number>, k: number): number {
  const ideal = [...judged.values()].filter((g) => g > 0).sort((a, b) => b - a);
  let idcg = 0;
  for (let i = 0; i < Math.min(k, ideal.length); i++) idcg += (ideal[i] ?? 0) / Math.log2(i + 2);
  if (idcg === 0) return 0;
  let dcg = 0;
  uniqueRanking(ranking)
    .slice(0, k)
    .forEach((doc, i) => {
      const g = judged.get(doc) ?? 0;
      if (g > 0) dcg += g / Math.log2(i + 2);
    });
  return dcg / idcg;
}

/** Recall@k of one query: relevant documents in the top k / all relevant documents. */
export function recallAt(ranking: readonly string[], judged: ReadonlyMap<string, number>, k: number): number {
  let relevant = 0;
  for (const g of judged.values()) if (g > 0) relevant++;
  if (relevant === 0) return 0;
  let found = 0;
  for (const doc of uniqueRanking(ranking).slice(0, k)) if ((judged.get(doc) ?? 0) > 0) found++;
  return found / relevant;
}

/** Reciprocal rank of the first relevant document within the top k (0 if none). */
export function reciprocalRankAt(
  ranking: readonly string[],
  judged: ReadonlyMap<string, number>,
  k: number,
): number {
  const top = uniqueRanking(ranking).slice(0, k);
  for (let i = 0; i < top.length; i++) if ((judged.get(top[i] as string) ?? 0) > 0) return 1 / (i + 1);
  return 0;
}

/** Mean metrics of a run. */
export interface RetrievalMetrics {
  ndcg10: number;
  recall100: number;
  mrr10: number;
  /** Recall at the extra cut-offs asked for (e.g. 1 and 5 for QA sets), keyed by k. */
  recall: Record<number, number>;
  /** Queries averaged over (every query in the qrels). */
  queries: number;
}

/**
 * Mean nDCG@10, Recall@100, MRR@10 (and Recall at `recallAt` cut-offs) of `run` over every
 * query of `qrels`.
 *
 * @example evaluate(new Map([["q", new Map([["d1", 1]])]]), new Map([["q", ["d2", "d1"]]])).mrr10 // 0.5
 */
export function evaluate(qrels: Qrels, run: Run, recallCutoffs: readonly number[] = []): RetrievalMetrics {
  let ndcg = 0;
  let recall = 0;
  let mrr = 0;
  const extra: Record<number, number> = {};
  for (const k of recallCutoffs) extra[k] = 0;
  for (const [query, judged] of qrels) {
    const ranking = run.get(query) ?? [];
    ndcg += ndcgAt(ranking, judged, 10);
    recall += recallAt(ranking, judged, 100);
    mrr += reciprocalRankAt(ranking, judged, 10);
    for (const k of recallCutoffs) extra[k] = (extra[k] ?? 0) + recallAt(ranking, judged, k);
  }
  const n = qrels.size;
  const mean = (x: number) => (n === 0 ? 0 : x / n);
  for (const k of recallCutoffs) extra[k] = mean(extra[k] ?? 0);
  return { ndcg10: mean(ndcg), recall100: mean(recall), mrr10: mean(mrr), recall: extra, queries: n };
}

/** Latency percentiles in milliseconds (nearest-rank). */
export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
  count: number;
}

/** Nearest-rank percentiles of a latency sample. */
export function latencySummary(samples: readonly number[]): LatencySummary {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) =>
    s.length === 0 ? Number.NaN : (s[Math.max(0, Math.ceil(p * s.length) - 1)] as number);
  return {
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    min: s[0] ?? Number.NaN,
    max: s.at(-1) ?? Number.NaN,
    count: s.length,
  };
}
