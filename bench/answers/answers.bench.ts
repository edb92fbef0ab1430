/**
 * `/v1/answer` quality and latency through the real API on SQuAD-QA dev: starts `npm start`
 * (fresh DATA_DIR, RATE_LIMIT=off, answer cache off so every request is computed), ingests
 * the 646 paragraphs through /v1/documents/batch, asks the 1,479 answerable questions and
 * prints:
 *   - contains-gold: share of answers containing a gold answer string (SQuAD normalisation:
 *     case, punctuation and articles ignored; whole words),
 *   - gold-cited: share of answers citing the question's gold paragraph,
 *   - no-answer: share answered "the documents do not contain an answer" (all are answerable),
 *   - latency p50/p99 per pass at 1 client and at each --clients value, median (min–max) over
 *     --runs passes.
 *
 *   npx tsx bench/answers/answers.bench.ts [--runs 3] [--clients 4] [--port 8860] [--limit N]
 *   (--url URL --key KEY: an already running server whose tenant holds the corpus; start it with
 *    ANSWER_CACHE_TTL_SECONDS=0 or repeated passes measure the cache)
 */
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { ingestCorpus } from "../../src/eval/harness";
import { containsGold } from "../../src/eval/qa";
import { NO_ANSWER } from "../../src/providers/local/extractive.generator";
import { startServer } from "../../test-node/server";
import { loadDataset, stats } from "../providers/data";

const { values: opt } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    clients: { type: "string", default: "4" },
    port: { type: "string", default: "8860" },
    limit: { type: "string", default: "" },
    url: { type: "string", default: "" },
    key: { type: "string", default: "" },
    top_k: { type: "string", default: "" },
  },
});

const { corpus, queries: all, qrels } = loadDataset("squad-qa", "dev");
const queries = all
  .filter((q) => (q.metadata?.answers?.length ?? 0) > 0 && qrels.has(q._id))
  .slice(0, opt.limit ? Number(opt.limit) : undefined);
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
console.log(
  `# /v1/answer on squad-qa/dev: ${corpus.length} paragraphs, ${queries.length} questions ` +
    `(${new Date().toISOString()}, ${cpus()[0]?.model ?? "cpu"} × ${cpus().length}, load ${load()})`,
);

interface Answer {
  answer: string;
  grounded: boolean;
  citations: { document_id: string }[];
}

const server = opt.url
  ? null
  : await startServer({ port: Number(opt.port), env: { ANSWER_CACHE_TTL_SECONDS: "0" } });
try {
  const url = opt.url || (server?.url as string);
  let key = opt.key as string;
  if (!key) {
    const headers = { authorization: `Bearer ${server?.adminToken}`, "content-type": "application/json" };
    const id = `answers-${Date.now().toString(36)}`;
    await fetch(`${url}/v1/admin/tenants`, { method: "POST", headers, body: JSON.stringify({ id }) });
    const res = await fetch(`${url}/v1/admin/tenants/${id}/keys`, { method: "POST", headers, body: "{}" });
    key = ((await res.json()) as { key: string }).key;
    const ingest = await ingestCorpus({ url, key }, corpus);
    console.log(
      `ingested ${corpus.length} paragraphs in ${ingest.seconds.toFixed(1)} s, ${ingest.failed} failed`,
    );
  }
  const ask = async (question: string): Promise<{ body: Answer; ms: number }> => {
    const t = performance.now();
    const res = await fetch(`${url}/v1/answer`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ query: question, ...(opt.top_k ? { top_k: Number(opt.top_k) } : {}) }),
    });
    const body = (await res.json()) as Answer;
    const ms = performance.now() - t;
    if (!res.ok) throw new Error(`answer failed: ${res.status} ${JSON.stringify(body)}`);
    return { body, ms };
  };

  /** One pass over every question on `clients` parallel clients; returns latencies (and answers). */
  async function pass(clients: number): Promise<{ ms: number[]; answers: Map<string, Answer> }> {
    const ms: number[] = [];
    const answers = new Map<string, Answer>();
    let next = 0;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (next < queries.length) {
          const q = queries[next++];
          if (!q) break;
          const r = await ask(q.text);
          ms.push(r.ms);
          answers.set(q._id, r.body);
        }
      }),
    );
    return { ms, answers };
  }

  // Warm-up: the isolate, the embedding cache and SQLite pages, so pass 1 is not a cold start.
  for (const q of queries.slice(0, 50)) await ask(q.text);

  const levels = [1, ...(opt.clients as string).split(",").map(Number)].filter(
    (c, i, a) => c > 0 && a.indexOf(c) === i,
  );
  const pct = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? Number.NaN;
  };
  const fmt = (xs: number[]) => {
    const s = stats(xs);
    return `${s.median.toFixed(1)} (${s.min.toFixed(1)}–${s.max.toFixed(1)})`;
  };
  let quality: Map<string, Answer> | undefined;
  console.log("\n| clients | p50 ms, median (min–max) | p99 ms, median (min–max) | req/s | load at end |");
  console.log("| --- | --- | --- | --- | --- |");
  for (const clients of levels) {
    const p50s: number[] = [];
    const p99s: number[] = [];
    const rps: number[] = [];
    for (let run = 0; run < Number(opt.runs); run++) {
      const t = performance.now();
      const r = await pass(clients);
      rps.push(queries.length / ((performance.now() - t) / 1000));
      p50s.push(pct(r.ms, 0.5));
      p99s.push(pct(r.ms, 0.99));
      quality ??= r.answers;
    }
    console.log(`| ${clients} | ${fmt(p50s)} | ${fmt(p99s)} | ${fmt(rps)} | ${load()} |`);
  }

  let contains = 0;
  let cited = 0;
  let noAnswer = 0;
  const words: number[] = [];
  for (const q of queries) {
    const a = quality?.get(q._id);
    if (!a) continue;
    if (containsGold(a.answer, q.metadata?.answers ?? [])) contains++;
    const gold = qrels.get(q._id) ?? [];
    if (a.citations.some((c) => gold.includes(c.document_id))) cited++;
    if (!a.grounded || a.answer === NO_ANSWER) noAnswer++;
    else words.push(a.answer.split(/\s+/).length);
  }
  const share = (x: number) => `${((100 * x) / queries.length).toFixed(1)}%`;
  const w = stats(words);
  console.log(
    `\ncontains-gold ${share(contains)}  gold-cited ${share(cited)}  no-answer ${share(noAnswer)}  ` +
      `answer words median ${w.median} p90 ${w.p90}  (n=${queries.length}, first pass at 1 client)`,
  );
} finally {
  await server?.stop();
}
