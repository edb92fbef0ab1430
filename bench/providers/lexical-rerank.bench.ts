/**
 * `local:lexical` as a reranker: nDCG@10 of a first stage's top 30 before and after reranking,
 * on SciFact train and SQuAD-QA dev, for two first stages: BM25 (strong) and the local hash
 * embedder (weak). Documents are `title + text`; nDCG with linear gains, trec_eval style.
 *
 *   npx tsx bench/providers/lexical-rerank.bench.ts [--depth 30]
 */
import { hashEmbed } from "../../src/providers/local/hash-embedding";
import { createLexicalReranker } from "../../src/providers/local/lexical.reranker";
import { createBm25 } from "./bm25";
import { header, loadDataset, stats } from "./data";

const i = process.argv.indexOf("--depth");
const depth = i > 0 ? Number(process.argv[i + 1]) : 30;
const reranker = createLexicalReranker();

function ndcg10(ranked: string[], relevant: Set<string>): number {
  let dcg = 0;
  ranked.slice(0, 10).forEach((id, r) => {
    if (relevant.has(id)) dcg += 1 / Math.log2(r + 2);
  });
  let ideal = 0;
  for (let r = 0; r < Math.min(10, relevant.size); r++) ideal += 1 / Math.log2(r + 2);
  return dcg / ideal;
}

header(`local:lexical reranking the top ${depth}`);
for (const [name, split] of [
  ["scifact", "train"],
  ["squad-qa", "dev"],
] as const) {
  const { corpus, queries, qrels } = loadDataset(name, split);
  const docs = corpus.map((d) => ({ id: d._id, text: `${d.title} ${d.text}` }));
  const bm25 = createBm25(docs);
  const vectors = docs.map((d) => hashEmbed(d.text, 384));
  const vectorSearch = (q: string) => {
    const qv = hashEmbed(q, 384);
    return vectors
      .map((v, d) => {
        let s = 0;
        for (let k = 0; k < qv.length; k++) s += (v[k] ?? 0) * (qv[k] ?? 0);
        return [d, s] as const;
      })
      .sort((a, b) => b[1] - a[1])
      .slice(0, depth)
      .map(([d]) => d);
  };
  for (const [stage, search] of [
    ["bm25", (q: string) => bm25.search(q, depth)],
    ["hash-384", vectorSearch],
  ] as const) {
    let before = 0;
    let after = 0;
    let n = 0;
    const ms: number[] = [];
    for (const q of queries) {
      const relevant = new Set(qrels.get(q._id) ?? []);
      if (!relevant.size) continue;
      n++;
      const top = search(q.text);
      before += ndcg10(
        top.map((d) => docs[d]?.id ?? ""),
        relevant,
      );
      const t0 = performance.now();
      const { scores } = await reranker.rerank(
        q.text,
        top.map((d) => docs[d]?.text ?? ""),
      );
      ms.push(performance.now() - t0);
      const reranked = top
        .map((d, j) => [d, scores[j] ?? 0] as const)
        .sort((a, b) => b[1] - a[1])
        .map(([d]) => docs[d]?.id ?? "");
      after += ndcg10(reranked, relevant);
    }
    console.log(
      `${name.padEnd(8)} ${stage.padEnd(8)} ${n} queries: nDCG@10 ${(before / n).toFixed(3)} → ${(after / n).toFixed(3)} ` +
        `after rerank; rerank ms/query median ${stats(ms).median.toFixed(2)} p90 ${stats(ms).p90.toFixed(2)}`,
    );
  }
}
