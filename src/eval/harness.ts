/**
 * The evaluation harness: ingests a BEIR corpus through the real HTTP API, runs its queries
 * through `POST /v1/search` per mode, and scores the rankings with metrics.ts. Uses only
 * `fetch`, so the CLI (`edgerag eval`), the benchmarks and a Worker can all run it.
 */
import type { BeirDocument, BeirQuery } from "./beir";
import { evaluate, type LatencySummary, latencySummary, type Qrels, type RetrievalMetrics } from "./metrics";

/** Where and as whom the harness talks to edgerag. */
export interface HarnessTarget {
  url: string;
  key: string;
  fetch?: typeof fetch;
}

/** One evaluated configuration of `/v1/search`. */
export interface EvalMode {
  name: string;
  body: Record<string, unknown>;
}

/** The four configurations the issue reports: keyword, vector, hybrid, hybrid + rerank. */
export const STANDARD_MODES: readonly EvalMode[] = [
  { name: "keyword", body: { mode: "keyword" } },
  { name: "vector", body: { mode: "vector" } },
  { name: "hybrid", body: { mode: "hybrid" } },
  { name: "hybrid+rerank", body: { mode: "hybrid", rerank: true } },
];

/** Metrics and client-side latency of one mode. */
export interface ModeReport {
  mode: string;
  metrics: RetrievalMetrics;
  latency: LatencySummary;
}

async function request<T>(target: HarnessTarget, method: string, path: string, body?: unknown): Promise<T> {
  const res = await (target.fetch ?? fetch)(`${target.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${target.key}`,
      "content-type": "application/json",
      // Uncompressed: a local server would otherwise gzip every response on the CPU it shares
      // with the client (on Cloudflare the edge compresses, outside the Worker's CPU time).
      "accept-encoding": "identity",
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/**
 * Ingests documents (`title + text`, ids = BEIR `_id`) in batches and waits until every job
 * is done. Returns how many documents failed.
 */
export async function ingestCorpus(
  target: HarnessTarget,
  docs: readonly BeirDocument[],
  { batch = 500, pollMs = 200 }: { batch?: number; pollMs?: number } = {},
): Promise<{ failed: number; seconds: number }> {
  const start = Date.now();
  const jobs: string[] = [];
  for (let i = 0; i < docs.length; i += batch) {
    const documents = docs
      .slice(i, i + batch)
      .map((d) => ({ id: d._id, title: d.title || undefined, text: d.text }));
    jobs.push(
      (await request<{ job_id: string }>(target, "POST", "/v1/documents/batch", { documents })).job_id,
    );
  }
  let failed = 0;
  const pending = new Set(jobs);
  while (pending.size > 0) {
    for (const job of [...pending]) {
      const j = await request<{ status: string; failed: number }>(target, "GET", `/v1/jobs/${job}`);
      if (j.status === "done") {
        pending.delete(job);
        failed += j.failed;
      }
    }
    if (pending.size > 0) await new Promise((r) => setTimeout(r, pollMs));
  }
  return { failed, seconds: (Date.now() - start) / 1000 };
}

/**
 * Runs every query through `/v1/search` with `mode.body` (top 100, one result per document,
 * as document-level BEIR scoring needs) on `concurrency` parallel clients, and scores it.
 */
export async function evaluateMode(
  target: HarnessTarget,
  queries: readonly BeirQuery[],
  qrels: Qrels,
  mode: EvalMode,
  { concurrency = 1, recallCutoffs = [1, 5] }: { concurrency?: number; recallCutoffs?: number[] } = {},
): Promise<ModeReport> {
  const run = new Map<string, string[]>();
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < queries.length) {
        const q = queries[next++] as BeirQuery;
        const t = performance.now();
        const { results } = await request<{ results: { document_id: string }[] }>(
          target,
          "POST",
          "/v1/search",
          {
            query: q.text,
            top_k: 100,
            dedupe: true,
            ...mode.body,
          },
        );
        latencies.push(performance.now() - t);
        run.set(
          q._id,
          results.map((r) => r.document_id),
        );
      }
    }),
  );
  return {
    mode: mode.name,
    metrics: evaluate(qrels, run, recallCutoffs),
    latency: latencySummary(latencies),
  };
}

/** One line per mode: the metrics and latency percentiles, for terminals and READMEs. */
export function formatReport(r: ModeReport): string {
  const m = r.metrics;
  const recall = Object.entries(m.recall)
    .map(([k, v]) => `R@${k} ${v.toFixed(4)}`)
    .join("  ");
  const l = r.latency;
  return (
    `${r.mode.padEnd(14)} nDCG@10 ${m.ndcg10.toFixed(4)}  R@100 ${m.recall100.toFixed(4)}  MRR@10 ${m.mrr10.toFixed(4)}  ${recall}` +
    `  | ms p50 ${l.p50.toFixed(1)} p95 ${l.p95.toFixed(1)} p99 ${l.p99.toFixed(1)}`
  );
}
