/**
 * Extractive generator latency on SciFact chunks: for every SciFact train claim, the top-k
 * chunks by BM25 are the passages and `local:extractive` answers; prints per-call latency
 * (median, p90, p99, max) for k = 5 and k = 10, plus how often it found an answer.
 *
 *   npx tsx bench/providers/extractive-latency.bench.ts [--runs 3]
 */
import { createExtractiveGenerator, NO_ANSWER } from "../../src/providers/local/extractive.generator";
import type { GroundingPassage } from "../../src/providers/types";
import { createBm25 } from "./bm25";
import { scifactChunks } from "./chunks";
import { header, loadDataset, stats } from "./data";

const i = process.argv.indexOf("--runs");
const runs = i > 0 ? Number(process.argv[i + 1]) : 3;

header("extractive generator latency on SciFact chunks");
const chunks = scifactChunks();
const { queries } = loadDataset("scifact", "train");
const bm25 = createBm25(chunks.map((c) => ({ id: c.id, text: c.text })));
const generator = createExtractiveGenerator();

for (const k of [5, 10]) {
  const requests = queries.map((q) => ({
    question: q.text,
    passages: bm25.search(q.text, k).map((j): GroundingPassage => {
      const c = chunks[j] as (typeof chunks)[number];
      return { id: c.id, documentId: c.documentId, title: c.title, text: c.text };
    }),
  }));
  for (const r of requests.slice(0, 50)) await generator.generate({ messages: [], ...r }); // warm-up
  const medians: number[] = [];
  let all: number[] = [];
  let answered = 0;
  for (let run = 0; run < runs; run++) {
    const ms: number[] = [];
    answered = 0;
    for (const r of requests) {
      const t0 = performance.now();
      const out = await generator.generate({ messages: [], ...r });
      ms.push(performance.now() - t0);
      if (out.text !== NO_ANSWER) answered++;
    }
    medians.push(stats(ms).median);
    all = all.concat(ms);
  }
  const s = stats(all);
  const p99 = [...all].sort((a, b) => a - b)[Math.floor(0.99 * (all.length - 1))] ?? Number.NaN;
  const words =
    requests.reduce((n, r) => n + r.passages.reduce((m, p) => m + p.text.split(/\s+/).length, 0), 0) /
    requests.length;
  console.log(
    `k=${String(k).padEnd(2)} ${requests.length} claims × ${runs} runs, ~${words.toFixed(0)} passage words/call: ` +
      `latency ms median ${s.median.toFixed(2)}  p90 ${s.p90.toFixed(2)}  p99 ${p99.toFixed(2)}  max ${s.max.toFixed(2)}  ` +
      `(run medians ${medians.map((m) => m.toFixed(2)).join(", ")}); answered ${((100 * answered) / requests.length).toFixed(1)}%`,
  );
}
