/**
 * Offline tuning of the retrieval pipeline on a BEIR dataset, in Node, without the server:
 * the same FTS5 table definition, MATCH builder and bm25() weights as the Worker (SQLite via
 * node:sqlite), the same hash embedder and the same fusion code. Fast enough to iterate on
 * analyzer, embedder and fusion choices; confirm the winner with retrieval.bench.ts, which
 * goes through the real API.
 *
 *   npx tsx bench/retrieval/offline.ts [scifact|squad-qa] [split]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { type BeirDocument, type BeirQuery, parseJsonl, parseQrels } from "../../src/eval/beir";
import { evaluate, type RetrievalMetrics } from "../../src/eval/metrics";
import { hashEmbed } from "../../src/providers/local/hash-embedding";
import { rrf } from "../../src/retrieval/fusion/fusion";
import { HASH_EMBEDDER_WEIGHTS as DEFAULT_WEIGHTS } from "../../src/retrieval/hybrid.config";
import {
  COLUMN_WEIGHTS,
  FTS_TABLE,
  FTS_TABLE_DDL,
  indexText,
  matchExpression,
  scopeToken,
} from "../../src/retrieval/keyword/analysis";
import { dataDir, header } from "../providers/data";

const dataset = process.argv[2] ?? "scifact";
const split = process.argv[3] ?? (dataset === "scifact" ? "train" : "dev");
const DIMS = Number(process.env.DIMS ?? 384);
const dir = join(dataDir(), dataset);
const corpus = parseJsonl<BeirDocument>(readFileSync(join(dir, "corpus.jsonl"), "utf8"), "corpus");
const queries = parseJsonl<BeirQuery>(readFileSync(join(dir, "queries.jsonl"), "utf8"), "queries");
const qrels = parseQrels(readFileSync(join(dir, "qrels", `${split}.tsv`), "utf8"));
const judgedQueries = queries.filter((q) => qrels.has(q._id));

header(`offline retrieval, ${dataset}/${split}: ${corpus.length} docs, ${judgedQueries.length} queries`);

// Keyword: FTS5, exactly the Worker's table and query.
const db = new DatabaseSync(":memory:");
db.exec(FTS_TABLE_DDL);
const insert = db.prepare(`INSERT INTO ${FTS_TABLE} (rowid, scope, title, text) VALUES (?, ?, ?, ?)`);
const scope = scopeToken("bench");
db.exec("BEGIN");
for (const [i, d] of corpus.entries()) insert.run(i + 1, scope, indexText(d.title ?? ""), indexText(d.text));
db.exec("COMMIT");
const select = db.prepare(
  `SELECT rowid, bm25(${FTS_TABLE}, ?, ?, ?) AS rank FROM ${FTS_TABLE} WHERE ${FTS_TABLE} MATCH ? ORDER BY rank LIMIT ?`,
);
function keyword(q: string, limit = 200): { id: string; score: number }[] {
  const match = matchExpression("bench", q);
  if (!match) return [];
  const rows = select.all(COLUMN_WEIGHTS.scope, COLUMN_WEIGHTS.title, COLUMN_WEIGHTS.text, match, limit) as {
    rowid: number;
    rank: number;
  }[];
  return rows.map((r) => ({ id: corpus[r.rowid - 1]?._id as string, score: -r.rank }));
}

// Vector: brute-force cosine over the hash embeddings (what the local index computes).
const t = performance.now();
const matrix = corpus.map(
  (d) => hashEmbed(d.title ? `${d.title}\n\n${d.text}` : d.text, DIMS) /* as ingest.prepare embeddingInput */,
);
const embedMs = performance.now() - t;
function vector(q: string, limit = 100): { id: string; score: number }[] {
  const v = hashEmbed(q, DIMS);
  const scored = matrix.map((m, i) => {
    let s = 0;
    for (let j = 0; j < DIMS; j++) s += (m[j] ?? 0) * (v[j] ?? 0);
    return { id: corpus[i]?._id as string, score: s };
  });
  return scored.sort((a, b) => b.score - a.score).slice(0, limit);
}

function run(rank: (q: string) => string[]): RetrievalMetrics {
  const r = new Map<string, string[]>();
  for (const q of judgedQueries) r.set(q._id, rank(q.text));
  return evaluate(qrels, r, [1, 5]);
}
const fmt = (m: RetrievalMetrics) =>
  `nDCG@10 ${m.ndcg10.toFixed(4)}  R@100 ${m.recall100.toFixed(4)}  MRR@10 ${m.mrr10.toFixed(4)}  R@1 ${(m.recall[1] ?? 0).toFixed(4)}  R@5 ${(m.recall[5] ?? 0).toFixed(4)}`;

console.log(
  `hash embeddings: ${corpus.length} docs in ${embedMs.toFixed(0)} ms (${((corpus.length / embedMs) * 1000).toFixed(0)}/s)`,
);
const kw = new Map(judgedQueries.map((q) => [q._id, keyword(q.text)]));
const vec = new Map(judgedQueries.map((q) => [q._id, vector(q.text)]));
const byText = new Map(judgedQueries.map((q) => [q.text, q._id]));
const ids = (hits: { id: string }[]) => hits.map((h) => h.id);
console.log(`keyword   ${fmt(run((q) => ids(kw.get(byText.get(q) as string) ?? [])))}`);
console.log(`vector    ${fmt(run((q) => ids(vec.get(byText.get(q) as string) ?? [])))}`);
const weights = (process.env.WEIGHTS ?? `${DEFAULT_WEIGHTS.vector},0.25,0.5,0.75,1`).split(",").map(Number);
for (const w of [...new Set(weights)]) {
  const m = run((q) => {
    const id = byText.get(q) as string;
    return ids(
      rrf([
        { name: "keyword", weight: DEFAULT_WEIGHTS.keyword, hits: kw.get(id) ?? [] },
        { name: "vector", weight: w, hits: vec.get(id) ?? [] },
      ]),
    );
  });
  console.log(`hybrid w=${w.toFixed(2)} ${fmt(m)}`);
}
