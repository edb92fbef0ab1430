/**
 * End-to-end ingestion throughput through the HTTP API: the SciFact corpus (5,183 abstracts)
 * is posted to /v1/documents/batch and timed until every document is `ready` (chunked,
 * embedded, in the keyword index and the vector index).
 *
 *   npx tsx bench/ingest/ingest.bench.ts [--runs 3] [--batch 500] [--parallel 2] [--port 8841]
 *   npx tsx bench/ingest/ingest.bench.ts --url http://127.0.0.1:8787 --admin <ADMIN_TOKEN>
 *
 * Without --url it starts its own `npm start` (fresh DATA_DIR, RATE_LIMIT=off) on --port.
 * Each run uses a fresh tenant. Reported per run: seconds to accept everything (all 202s),
 * seconds until all ready, docs/s and chunks/s end to end; then median and spread.
 * Writes bench/out/ingest.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startServer } from "../../test-node/server";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

function args(defaults: Record<string, string>): Record<string, string> {
  const out = { ...defaults };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a.startsWith("--")) out[a.slice(2)] = argv[i + 1] ?? "";
  }
  return out;
}

const opt = args({
  runs: "3",
  batch: "500",
  parallel: "2",
  port: "8841",
  url: "",
  admin: "",
  corpus: join(ROOT, "..", "shared", "data", "scifact", "corpus.jsonl"),
  limit: "0",
});

interface Doc {
  id: string;
  title: string;
  text: string;
}

const corpus: Doc[] = readFileSync(opt.corpus as string, "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => {
    const d = JSON.parse(l) as { _id: string; title: string; text: string };
    return { id: d._id, title: d.title, text: d.text };
  })
  .slice(0, Number(opt.limit) || undefined);

async function json<T>(res: Response, what: string): Promise<T> {
  if (!res.ok) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function newTenant(url: string, admin: string): Promise<string> {
  const id = `bench-${Date.now().toString(36)}`;
  const headers = { authorization: `Bearer ${admin}`, "content-type": "application/json" };
  await json(
    await fetch(`${url}/v1/admin/tenants`, { method: "POST", headers, body: JSON.stringify({ id }) }),
    "tenant",
  );
  const { key } = await json<{ key: string }>(
    await fetch(`${url}/v1/admin/tenants/${id}/keys`, { method: "POST", headers, body: "{}" }),
    "key",
  );
  return key;
}

async function run(url: string, admin: string) {
  const key = await newTenant(url, admin);
  const auth = { authorization: `Bearer ${key}` };
  const batches: Doc[][] = [];
  const size = Number(opt.batch);
  for (let i = 0; i < corpus.length; i += size) batches.push(corpus.slice(i, i + size));

  const start = performance.now();
  const jobs: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Number(opt.parallel) }, async () => {
      while (next < batches.length) {
        const batch = batches[next++] as Doc[];
        const body = JSON.stringify({ documents: batch });
        const res = await fetch(`${url}/v1/documents/batch`, {
          method: "POST",
          headers: { ...auth, "content-type": "application/json" },
          body,
        });
        jobs.push((await json<{ job_id: string }>(res, "batch")).job_id);
      }
    }),
  );
  const accepted = (performance.now() - start) / 1000;

  const pending = new Set(jobs);
  let failed = 0;
  while (pending.size > 0) {
    for (const job of [...pending]) {
      const j = await json<{ status: string; failed: number }>(
        await fetch(`${url}/v1/jobs/${job}`, { headers: auth }),
        "job",
      );
      if (j.status === "done") {
        pending.delete(job);
        failed += j.failed;
      }
    }
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 100));
  }
  const total = (performance.now() - start) / 1000;

  let cursor = "";
  let ready = 0;
  let chunks = 0;
  do {
    const page = await json<{
      documents: { status: string; chunk_count: number }[];
      next_cursor: string | null;
    }>(
      await fetch(`${url}/v1/documents?limit=1000${cursor ? `&cursor=${cursor}` : ""}`, { headers: auth }),
      "list",
    );
    for (const d of page.documents) {
      if (d.status === "ready") ready++;
      chunks += d.chunk_count;
    }
    cursor = page.next_cursor ?? "";
  } while (cursor);
  return {
    docs: corpus.length,
    ready,
    failed,
    chunks,
    accepted_s: round(accepted),
    total_s: round(total),
    docs_per_s: round(corpus.length / total),
    chunks_per_s: round(chunks / total),
  };
}

const round = (x: number) => Math.round(x * 100) / 100;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

const machine = {
  date: new Date().toISOString(),
  cpu: `${cpus()[0]?.model ?? "unknown"} × ${cpus().length}`,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  loadavg: loadavg().map((x) => round(x)),
  node: process.version,
};
console.log("machine", machine);
console.log(
  `corpus ${opt.corpus}: ${corpus.length} documents; batches of ${opt.batch}, ${opt.parallel} in parallel`,
);

const server = opt.url ? null : await startServer({ port: Number(opt.port) });
const url = opt.url || (server?.url as string);
const admin = opt.admin || (server?.adminToken as string);
const results = [];
try {
  for (let i = 0; i < Number(opt.runs); i++) {
    const r = await run(url, admin);
    results.push(r);
    console.log(`run ${i + 1}`, r);
  }
} finally {
  await server?.stop();
}
const totals = results.map((r) => r.total_s);
const summary = {
  runs: results.length,
  total_s: { median: round(median(totals)), min: Math.min(...totals), max: Math.max(...totals) },
  docs_per_s: round(median(results.map((r) => r.docs_per_s))),
  chunks_per_s: round(median(results.map((r) => r.chunks_per_s))),
  all_ready: results.every((r) => r.ready === r.docs && r.failed === 0),
};
console.log("summary", summary);
mkdirSync(join(ROOT, "bench", "out"), { recursive: true });
writeFileSync(
  join(ROOT, "bench", "out", "ingest.json"),
  JSON.stringify({ machine, options: opt, results, summary }, null, 2),
);
