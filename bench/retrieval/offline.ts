/**
 * Offline retrieval quality and per-query latency on a BEIR dataset, in Node, through the same
 * retriever code the API runs (createHybridRetriever with the in-memory replica, the hash
 * embedder and the fusion defaults), next to the D1 fallback path (the Worker's FTS5 table and
 * MATCH builder on node:sqlite) and Orama (`@orama/orama`: BM25, and hybrid with the same hash
 * vectors). Also sweeps fusion method × vector weight on the same candidate lists, which is how
 * the defaults in src/retrieval/hybrid.config.ts were chosen. Whole documents, no chunking
 * (SciFact abstracts and SQuAD paragraphs are about one chunk each).
 *
 *   npx tsx bench/retrieval/offline.ts [--dataset scifact] [--split train] [--dims 384] [--runs 3]
 *     [--no-orama] [--no-sweep]
 *
 * Latency is per query in this process (median and p99 of each run; median run, min–max of run
 * medians); the HTTP figures are retrieval.bench.ts's.
 */
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { parseArgs } from "node:util";
import {
  type AnyOrama,
  create,
  insertMultiple,
  search as oramaSearch,
  type SearchParams,
} from "@orama/orama";
import { type BeirDocument, type BeirQuery, parseJsonl, parseQrels } from "../../src/eval/beir";
import { evaluate, type Qrels, type RetrievalMetrics } from "../../src/eval/metrics";
import { createHashEmbedder } from "../../src/providers/local/hash.embedder";
import { hashEmbed } from "../../src/providers/local/hash-embedding";
import { createLexicalReranker } from "../../src/providers/local/lexical.reranker";
import { STOPWORDS } from "../../src/providers/local/text/terms";
import { type FusionMethod, fuse } from "../../src/retrieval/fusion/fusion";
import { HASH_EMBEDDER_FUSION, KEYWORD_POOL, VECTOR_POOL } from "../../src/retrieval/hybrid.config";
import { createHybridRetriever, type VectorQuery } from "../../src/retrieval/hybrid.retriever";
import {
  COLUMN_WEIGHTS,
  FTS_TABLE,
  FTS_TABLE_DDL,
  matchExpression,
  scopeToken,
} from "../../src/retrieval/keyword/analysis";
import type { KeywordIndex } from "../../src/retrieval/keyword/keyword-index";
import { idfWeight } from "../../src/retrieval/query-vector";
import { TenantReplica } from "../../src/retrieval/replica/replica";
import { ReplicaVectors } from "../../src/retrieval/replica/replica-vectors";
import type { ChunkRecord, SearchRepo } from "../../src/retrieval/search.repo";
import type { Retriever, SearchMode } from "../../src/retrieval/types";
import { wasmMatrices } from "../../src/vectors/core/wasm-matrix";
import { dataDir, stats } from "../providers/data";

const { values: opt } = parseArgs({
  options: {
    dataset: { type: "string", default: "scifact" },
    split: { type: "string", default: "" },
    dims: { type: "string", default: "384" },
    runs: { type: "string", default: "3" },
    "no-orama": { type: "boolean", default: false },
    "no-sweep": { type: "boolean", default: false },
  },
});
const dataset = opt.dataset as string;
const split = opt.split || (dataset === "scifact" ? "train" : "dev");
const DIMS = Number(opt.dims);
const RUNS = Number(opt.runs);
const TENANT = "bench";
const dir = join(dataDir(), dataset);
const corpus = parseJsonl<BeirDocument>(readFileSync(join(dir, "corpus.jsonl"), "utf8"), "corpus");
const qrels: Qrels = parseQrels(readFileSync(join(dir, "qrels", `${split}.tsv`), "utf8"));
const queries = parseJsonl<BeirQuery>(readFileSync(join(dir, "queries.jsonl"), "utf8"), "queries").filter(
  (q) => qrels.has(q._id),
);
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
console.log(
  `# offline retrieval, ${dataset}/${split}: ${corpus.length} docs, ${queries.length} queries, hash-${DIMS} ` +
    `(${new Date().toISOString()}, ${cpus()[0]?.model ?? "cpu"} × ${cpus().length}, load ${load()})`,
);

// ---- Chunk records: one per document, as ingestion would store a one-chunk document.
const records: ChunkRecord[] = corpus.map((d, i) => ({
  id: `c${i}`,
  documentId: d._id,
  ordinal: 0,
  version: 1,
  text: d.text,
  title: d.title || null,
  chunkMetadata: {},
  documentMetadata: {},
}));
const byId = new Map(records.map((r) => [r.id, r]));

// ---- The in-memory replica (what the API searches for tenants up to 50k chunks), holding the
// hash vectors as the API's does for tenants on local:hash-* (scanned with the SIMD kernels).
// Workers' type declarations forbid compiling WebAssembly at run time (Workers import it
// precompiled); Node can, so the bench compiles the committed module itself.
const NodeWasm = WebAssembly as unknown as { Module: new (bytes: Uint8Array) => WebAssembly.Module };
const matrices = wasmMatrices(
  new NodeWasm.Module(readFileSync(new URL("../../src/vectors/wasm/scan-kernels.wasm", import.meta.url))),
);
let t0 = performance.now();
const replica = new TenantReplica(undefined, new ReplicaVectors(DIMS, matrices));
replica.append(records.map((r, i) => ({ ...r, seq: i + 1 })));
const replicaMs = performance.now() - t0;

// ---- The D1 fallback path's keyword index: the Worker's FTS5 table on node:sqlite.
const db = new DatabaseSync(":memory:");
db.exec(FTS_TABLE_DDL);
const insert = db.prepare(`INSERT INTO ${FTS_TABLE} (rowid, scope, title, text) VALUES (?, ?, ?, ?)`);
db.exec("BEGIN");
for (const [i, r] of records.entries()) insert.run(i + 1, scopeToken(TENANT), r.title ?? "", r.text);
db.exec("COMMIT");
const select = db.prepare(
  `SELECT rowid, bm25(${FTS_TABLE}, ?, ?, ?) AS rank FROM ${FTS_TABLE} WHERE ${FTS_TABLE} MATCH ? ORDER BY rank LIMIT ?`,
);
const fts5: KeywordIndex = {
  indexChunks: () => [],
  removeDocument: () => {
    throw new Error("read-only");
  },
  rebuild: async () => ({ chunks: 0 }),
  count: async () => records.length,
  async search(_tenant, query, { limit = 20 } = {}) {
    const match = matchExpression(TENANT, query);
    if (!match) return [];
    const rows = select.all(
      COLUMN_WEIGHTS.scope,
      COLUMN_WEIGHTS.title,
      COLUMN_WEIGHTS.text,
      match,
      limit,
    ) as {
      rowid: number;
      rank: number;
    }[];
    return rows.map((r) => {
      const rec = records[r.rowid - 1] as ChunkRecord;
      return { chunkId: rec.id, documentId: rec.documentId, score: -r.rank };
    });
  },
};
const repo: SearchRepo = {
  async chunks(_tenant, ids) {
    const out = new Map<string, ChunkRecord>();
    for (const id of ids) {
      const r = byId.get(id);
      if (r) out.set(id, r);
    }
    return out;
  },
  neighbours: async () => new Map(),
};

// ---- The vector index stand-in (vector-only mode, D1 path): documents embedded as ingestion
// embeds them (title, blank line, text), exact scan in JS.
const embedder = createHashEmbedder(DIMS);
t0 = performance.now();
const matrix = new Float32Array(records.length * DIMS);
for (const [i, r] of records.entries())
  matrix.set(hashEmbed(r.title ? `${r.title}\n\n${r.text}` : r.text, DIMS), i * DIMS);
const embedMs = performance.now() - t0;
const vectors: VectorQuery = {
  async query(v, { topK = 10 }) {
    const scored: { id: string; score: number }[] = [];
    for (let i = 0; i < records.length; i++) {
      let s = 0;
      const base = i * DIMS;
      for (let j = 0; j < DIMS; j++) s += (matrix[base + j] as number) * (v[j] as number);
      scored.push({ id: (records[i] as ChunkRecord).id, score: s });
    }
    scored.sort((a, b) => b.score - a.score);
    return { count: topK, matches: scored.slice(0, topK) };
  },
};

console.log(
  `build: replica with vectors ${replicaMs.toFixed(0)} ms (${((records.length / replicaMs) * 1000).toFixed(0)} docs/s, ` +
    `~${(replica.bytes / 2 ** 20).toFixed(1)} MiB); hash embeddings ${embedMs.toFixed(0)} ms ` +
    `(${((records.length / embedMs) * 1000).toFixed(0)} docs/s)\n`,
);

// ---- The API's retriever over these parts: memory path (replica) and D1 path (FTS5).
const common = { repo, keyword: fts5, embedder, reranker: createLexicalReranker(), vectors: () => vectors };
// The stand-in index holds this embedder's vectors, so the replica's held vectors stand for it.
const memoryPath = createHybridRetriever({
  ...common,
  replica: async () => replica,
  heldVectorsMatchIndex: async () => true,
});
const d1Path = createHybridRetriever(common);

interface Row {
  name: string;
  metrics: RetrievalMetrics;
  p50: number[];
  p99: number[];
}

async function measure(name: string, rank: (q: BeirQuery) => Promise<string[]>): Promise<Row> {
  const p50: number[] = [];
  const p99: number[] = [];
  let run = new Map<string, string[]>();
  for (let r = 0; r < RUNS; r++) {
    run = new Map();
    const times: number[] = [];
    for (const q of queries) {
      const t = performance.now();
      run.set(q._id, await rank(q));
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    p50.push(times[Math.floor(times.length * 0.5)] as number);
    p99.push(times[Math.min(times.length - 1, Math.floor(times.length * 0.99))] as number);
  }
  return { name, metrics: evaluate(qrels, run, [1, 5]), p50, p99 };
}

const viaRetriever =
  (retriever: Retriever, mode: SearchMode, extra: Record<string, unknown> = {}) =>
  async (q: BeirQuery) => {
    const { results } = await retriever.search(TENANT, {
      query: q.text,
      topK: 100,
      mode,
      dedupe: true,
      ...extra,
    });
    return results.map((h) => h.documentId);
  };

const rows: Row[] = [];
rows.push(await measure("FTS5 bm25 (D1 path, keyword)", viaRetriever(d1Path, "keyword")));
rows.push(await measure("edgerag keyword (in-memory BM25)", viaRetriever(memoryPath, "keyword")));
rows.push(await measure("edgerag vector (hash)", viaRetriever(memoryPath, "vector")));
rows.push(await measure("edgerag hybrid (default)", viaRetriever(memoryPath, "hybrid")));
rows.push(await measure("edgerag hybrid, D1 path", viaRetriever(d1Path, "hybrid")));

if (!opt["no-orama"]) {
  // Orama: BM25 over title and text with its English stemmer and stop words; hybrid with the
  // same hash vectors (the IDF² query vector edgerag's hybrid uses), similarity floor 0 so the
  // vector side always returns candidates.
  t0 = performance.now();
  const orama: AnyOrama = create({
    schema: { id: "string", title: "string", text: "string", embedding: `vector[${DIMS}]` as "vector[384]" },
    components: { tokenizer: { stemming: true, stopWords: [...STOPWORDS] } },
  });
  await insertMultiple(
    orama,
    records.map((r, i) => ({
      id: r.documentId,
      title: r.title ?? "",
      text: r.text,
      embedding: Array.from(matrix.subarray(i * DIMS, (i + 1) * DIMS)),
    })),
    1000,
  );
  console.log(`orama build: ${(performance.now() - t0).toFixed(0)} ms`);
  const queryVector = (text: string) => Array.from(hashEmbedWeighted(text));
  const ids = (hits: { document: unknown }[]) => hits.map((h) => (h.document as { id: string }).id);
  rows.push(
    await measure("orama bm25", async (q) =>
      ids((await oramaSearch(orama, { term: q.text, properties: ["title", "text"], limit: 100 })).hits),
    ),
  );
  for (const text of [0.5, 0.85]) {
    rows.push(
      await measure(`orama hybrid (weights ${text}/${(1 - text).toFixed(2)})`, async (q) =>
        ids(
          (
            await oramaSearch(orama, {
              mode: "hybrid",
              term: q.text,
              properties: ["title", "text"],
              vector: { value: queryVector(q.text), property: "embedding" },
              similarity: 0,
              limit: 100,
              hybridWeights: { text, vector: 1 - text },
            } as SearchParams<AnyOrama>)
          ).hits,
        ),
      ),
    );
  }
}

/** The IDF²-weighted query vector edgerag's hybrid search uses (query-vector.ts). */
function hashEmbedWeighted(text: string): Float32Array {
  return hashEmbed(text, DIMS, idfWeight(replica.index));
}

const f = (x: number) => x.toFixed(4);
const ms = (xs: number[]) => {
  const s = stats(xs);
  return `${s.median.toFixed(2)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
};
console.log(
  `\n| configuration | nDCG@10 | Recall@100 | MRR@10 | R@1 | R@5 | ms/query p50 | ms/query p99 |\n| --- | --- | --- | --- | --- | --- | --- | --- |`,
);
for (const r of rows) {
  const m = r.metrics;
  console.log(
    `| ${r.name} | ${f(m.ndcg10)} | ${f(m.recall100)} | ${f(m.mrr10)} | ${f(m.recall[1] ?? 0)} | ${f(m.recall[5] ?? 0)} | ${ms(r.p50)} | ${ms(r.p99)} |`,
  );
}

if (!opt["no-sweep"]) {
  // Fusion sweep on the default hybrid's own candidate lists (keyword: replica BM25 top
  // KEYWORD_POOL; vector: IDF² hash top VECTOR_POOL), fused per document by each method/weight.
  const lists = new Map<
    string,
    { kw: { id: string; score: number }[]; vec: { id: string; score: number }[] }
  >();
  for (const q of queries) {
    const kw = replica.keyword(q.text, KEYWORD_POOL);
    const vec = (await vectors.query(hashEmbedWeighted(q.text), { topK: VECTOR_POOL })).matches;
    lists.set(q._id, { kw, vec: vec.map((m) => ({ id: m.id, score: m.score })) });
  }
  const vecOnly = evaluate(
    qrels,
    new Map([...lists].map(([id, l]) => [id, l.vec.map((h) => byId.get(h.id)?.documentId ?? h.id)])),
  );
  console.log(
    `\nvector list of hybrid search (IDF²-weighted hash query): nDCG@10 ${f(vecOnly.ndcg10)}, Recall@100 ${f(vecOnly.recall100)}`,
  );
  console.log(
    `fusion sweep (default: ${HASH_EMBEDDER_FUSION.method}, vector weight ${HASH_EMBEDDER_FUSION.weights.vector}): nDCG@10 / Recall@100`,
  );
  const weights = [0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1];
  console.log(
    `| method | ${weights.map((w) => `w ${w}`).join(" | ")} |\n| --- |${" --- |".repeat(weights.length)}`,
  );
  for (const method of ["rrf", "convex"] as FusionMethod[]) {
    const cells = weights.map((w) => {
      const run = new Map<string, string[]>();
      for (const q of queries) {
        const l = lists.get(q._id);
        if (!l) continue;
        const fused = fuse(
          [
            { name: "keyword", weight: 1, hits: l.kw },
            { name: "vector", weight: w, hits: l.vec },
          ],
          method,
        );
        run.set(
          q._id,
          fused.map((c) => byId.get(c.id)?.documentId ?? c.id),
        );
      }
      const m = evaluate(qrels, run);
      return `${f(m.ndcg10)} / ${f(m.recall100)}`;
    });
    console.log(`| ${method} | ${cells.join(" | ")} |`);
  }
}
console.log(`\nload average at the end: ${load()}`);
