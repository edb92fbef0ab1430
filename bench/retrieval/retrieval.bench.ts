/**
 * Retrieval quality and latency through the real API: starts `npm start` (fresh DATA_DIR,
 * RATE_LIMIT=off), ingests a BEIR dataset via /v1/documents/batch, runs every judged query
 * through /v1/search per mode (keyword, vector, hybrid, hybrid+rerank) and prints nDCG@10,
 * Recall@100, MRR@10 (Recall@1/@5) and client latency p50/p95/p99; then a concurrent run of
 * the default hybrid search on --clients parallel clients.
 *
 *   npx tsx bench/retrieval/retrieval.bench.ts [--dataset scifact] [--split train] [--port 8850] [--clients 4]
 *   (--url URL --key KEY to measure an already running server with the corpus loaded)
 */
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type BeirDocument, type BeirQuery, parseJsonl, parseQrels } from "../../src/eval/beir";
import { evaluateMode, formatReport, ingestCorpus, STANDARD_MODES } from "../../src/eval/harness";
import { startServer } from "../../test-node/server";
import { dataDir } from "../providers/data";

const { values: opt } = parseArgs({
  options: {
    dataset: { type: "string", default: "scifact" },
    split: { type: "string", default: "" },
    port: { type: "string", default: "8850" },
    clients: { type: "string", default: "4" },
    url: { type: "string", default: "" },
    key: { type: "string", default: "" },
    modes: { type: "string", default: STANDARD_MODES.map((m) => m.name).join(",") },
  },
});
const split = opt.split || (opt.dataset === "scifact" ? "train" : "dev");
const dir = join(dataDir(), opt.dataset as string);
const corpus = parseJsonl<BeirDocument>(readFileSync(join(dir, "corpus.jsonl"), "utf8"), "corpus");
const qrels = parseQrels(readFileSync(join(dir, "qrels", `${split}.tsv`), "utf8"));
const queries = parseJsonl<BeirQuery>(readFileSync(join(dir, "queries.jsonl"), "utf8"), "queries").filter(
  (q) => qrels.has(q._id),
);

console.log(
  `# retrieval through the API, ${opt.dataset}/${split}: ${corpus.length} docs, ${queries.length} queries ` +
    `(${new Date().toISOString()}, ${cpus()[0]?.model ?? "cpu"} × ${cpus().length}, load ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}; shared machine, figures provisional)`,
);

const server = opt.url ? null : await startServer({ port: Number(opt.port) });
try {
  const url = opt.url || (server?.url as string);
  let key = opt.key as string;
  if (!key) {
    const admin = server?.adminToken as string;
    const id = `eval-${Date.now().toString(36)}`;
    const headers = { authorization: `Bearer ${admin}`, "content-type": "application/json" };
    await fetch(`${url}/v1/admin/tenants`, { method: "POST", headers, body: JSON.stringify({ id }) });
    const res = await fetch(`${url}/v1/admin/tenants/${id}/keys`, { method: "POST", headers, body: "{}" });
    key = ((await res.json()) as { key: string }).key;
    const ingest = await ingestCorpus({ url, key }, corpus);
    console.log(
      `ingested ${corpus.length} documents in ${ingest.seconds.toFixed(1)} s, ${ingest.failed} failed`,
    );
  }
  const target = { url, key };
  const wanted = new Set((opt.modes as string).split(","));
  for (const mode of STANDARD_MODES.filter((m) => wanted.has(m.name))) {
    console.log(formatReport(await evaluateMode(target, queries, qrels, mode)));
  }
  // Serving latency of the default request (hybrid, top 10), warm caches, N parallel clients.
  const clients = Number(opt.clients);
  const concurrent = await evaluateMode(
    target,
    queries,
    qrels,
    { name: `hybrid×${clients}`, body: { mode: "hybrid", top_k: 10, dedupe: false } },
    { concurrency: clients },
  );
  console.log(formatReport(concurrent), "(top_k 10: R@100 not meaningful)");
} finally {
  await server?.stop();
}
