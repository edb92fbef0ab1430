/**
 * Retrieval quality and latency through the real API: starts `npm start` (fresh DATA_DIR,
 * RATE_LIMIT=off), ingests a BEIR dataset via /v1/documents/batch, runs every judged query
 * through /v1/search per mode (keyword, vector, hybrid, hybrid+rerank) and prints nDCG@10,
 * Recall@100, MRR@10 (Recall@1/@5) and client latency p50/p95/p99; then a concurrent run of
 * the default hybrid search on --clients parallel clients.
 *
 *   npx tsx bench/retrieval/retrieval.bench.ts [--dataset scifact] [--split train] [--port 8850] [--clients 4]
 *     [--runs 3] [--modes keyword,vector,hybrid,hybrid+rerank]
 *   (--url URL --key KEY to measure an already running server with the corpus loaded; --modes none
 *   skips the quality rows)
 *
 * The concurrent run is repeated --runs times (after a warm-up pass) and printed as median and
 * min–max of the runs' p50/p95/p99; on Linux it also prints the Worker's CPU time per request
 * (the workerd process serving the port, from /proc), which unlike latency does not depend on
 * what else the machine is doing. Requests ask for uncompressed responses (src/eval/harness.ts).
 */
import { readdirSync, readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type BeirDocument, type BeirQuery, parseJsonl, parseQrels } from "../../src/eval/beir";
import { evaluateMode, formatReport, ingestCorpus, STANDARD_MODES } from "../../src/eval/harness";
import { startServer } from "../../test-node/server";
import { dataDir } from "../providers/data";
import { httpFetch } from "./http-client";

const { values: opt } = parseArgs({
  options: {
    dataset: { type: "string", default: "scifact" },
    split: { type: "string", default: "" },
    port: { type: "string", default: "8850" },
    clients: { type: "string", default: "4" },
    url: { type: "string", default: "" },
    key: { type: "string", default: "" },
    modes: { type: "string", default: STANDARD_MODES.map((m) => m.name).join(",") },
    runs: { type: "string", default: "3" },
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
  const target = { url, key, fetch: httpFetch };
  const wanted = new Set((opt.modes as string).split(","));
  for (const mode of STANDARD_MODES.filter((m) => wanted.has(m.name))) {
    console.log(formatReport(await evaluateMode(target, queries, qrels, mode)));
  }
  // Serving latency of the default request (hybrid, top 10), N parallel clients, warm caches:
  // one untimed pass, then --runs timed passes.
  const clients = Number(opt.clients);
  const body = { mode: "hybrid", top_k: 10, dedupe: false };
  const name = `hybrid×${clients}`;
  await evaluateMode(target, queries, qrels, { name, body }, { concurrency: clients });
  const port = Number(new URL(url).port);
  const reports = [];
  const cpu: number[] = [];
  const clientCpu: number[] = [];
  for (let r = 0; r < Number(opt.runs); r++) {
    const before = workerCpuMs(port);
    const mine = process.cpuUsage();
    const report = await evaluateMode(target, queries, qrels, { name, body }, { concurrency: clients });
    const used = process.cpuUsage(mine);
    clientCpu.push((used.user + used.system) / 1000 / queries.length);
    const after = workerCpuMs(port);
    if (before !== null && after !== null) cpu.push((after - before) / queries.length);
    reports.push(report);
    console.log(formatReport(report), "(top_k 10: R@100 not meaningful)");
  }
  const spread = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `${(s[Math.floor((s.length - 1) / 2)] as number).toFixed(1)} (${(s[0] as number).toFixed(1)}–${(s.at(-1) as number).toFixed(1)})`;
  };
  console.log(
    `${name} over ${reports.length} runs: p50 ${spread(reports.map((r) => r.latency.p50))} ms, ` +
      `p95 ${spread(reports.map((r) => r.latency.p95))} ms, p99 ${spread(reports.map((r) => r.latency.p99))} ms` +
      (cpu.length ? `; Worker CPU ${spread(cpu)} ms per request` : "") +
      `; client CPU ${spread(clientCpu)} ms per request` +
      `; load ${loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")}`,
  );
} finally {
  await server?.stop();
}

/**
 * User + system CPU time, in ms, of the workerd process serving `port` (Linux /proc), or null
 * when it cannot be found (another OS, a remote server).
 */
function workerCpuMs(port: number): number | null {
  try {
    for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      let cmd = "";
      try {
        cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      } catch {
        continue;
      }
      // workerd's arguments include --socket-addr=entry=<host>:<port> (NUL-separated).
      if (!cmd.includes("workerd") || !new RegExp(`entry=[^\\0]*:${port}\\0`).test(cmd)) continue;
      // Fields after the ")" closing the command name: utime and stime are the 12th and 13th.
      const fields = (readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1] ?? "").split(" ");
      const ticks = Number(fields[11]) + Number(fields[12]);
      return Number.isFinite(ticks) ? ticks * 10 : null; // USER_HZ is 100 on Linux
    }
  } catch {
    // no /proc
  }
  return null;
}
